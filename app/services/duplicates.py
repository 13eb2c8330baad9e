"""Duplicate hints: proposals that probably describe the same project, with the words that
paired them, so the facilitator can judge each hint at a glance and merge it in one click.

Thai is written without spaces between words, so text is cut into words with PyThaiNLP's
dictionary-based `newmm` tokenizer (its dictionary ships inside the package: no download, no
network). Words are normalised (Latin lower-cased, spelling variants unified, the nominal
prefixes การ/ความ dropped) and stop words and the stock words of every government proposal
(โครงการ, พัฒนา, ระบบ, ภาครัฐ...) are left out. Each proposal becomes a TF-IDF vector, the IDF
taken over the workshop's own proposals, so a word shared by two proposals counts for more the
rarer it is in this workshop; two proposals are compared by the cosine of their vectors.
"""

from __future__ import annotations

import math
import os
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel
from sqlmodel import Session

from app.models import Project, Workshop
from app.models.project import ProjectRow
from app.versions import Memo
from app.services import projects as projects_service

# A hint is shown from this cosine similarity on: the threshold measured on the labelled pairs
# of tests/data/duplicate_pairs.json (see tests/services/test_duplicates.py for the numbers).
THRESHOLD = 0.35
# How many shared words explain a hint.
SHOWN_WORDS = 6

# Words every proposal uses whatever its subject: they say nothing about which project it is.
STOCK_WORDS = frozenset((
    "โครงการ", "โครง", "พัฒนา", "ส่งเสริม", "ยกระดับ", "สนับสนุน", "ปรับปรุง", "เพิ่ม", "จัดทำ", "ดำเนินการ",
    "ดำเนินงาน", "ระบบ", "แพลตฟอร์ม", "ภาครัฐ", "รัฐ", "หน่วยงาน", "หน่วยงานรัฐ", "ราชการ", "ส่วนราชการ",
    "แห่งชาติ", "ทั่วประเทศ", "ประเทศ", "เพื่อ", "สำหรับ", "ผ่าน", "ด้วย", "โดย", "ให้", "ทุก", "แบบ", "ทาง",
    "ใช้", "งาน",
))

# Spellings of one word that agencies write differently (loanwords above all).
VARIANTS = {
    "สมาร์ท": "สมาร์ต", "สมาร์ทโฟน": "สมาร์ตโฟน", "smartphone": "สมาร์ตโฟน", "แชทบอท": "แชตบอต",
    "chatbot": "แชตบอต", "ไฟเบอร์ออปติก": "ใยแก้วนำแสง", "สตาร์ทอัพ": "สตาร์ตอัป", "ไอโอที": "iot",
    "อินเตอร์เน็ต": "อินเทอร์เน็ต", "เน็ต": "อินเทอร์เน็ต", "แอป": "แอปพลิเคชัน", "แอพ": "แอปพลิเคชัน",
    "แอพพลิเคชั่น": "แอปพลิเคชัน", "แอปพลิเคชั่น": "แอปพลิเคชัน", "app": "แอปพลิเคชัน",
    "application": "แอปพลิเคชัน", "เว็บ": "เว็บไซต์", "website": "เว็บไซต์", "online": "ออนไลน์",
    "cloud": "คลาวด์", "อุทกภัย": "น้ำท่วม", "ผู้สูงวัย": "ผู้สูงอายุ", "คนชรา": "ผู้สูงอายุ",
    "ai": "ปัญญาประดิษฐ์", "เอไอ": "ปัญญาประดิษฐ์", "wifi": "wi-fi", "ไวไฟ": "wi-fi",
    "e-commerce": "อีคอมเมิร์ซ", "ecommerce": "อีคอมเมิร์ซ", "คิวอาร์": "qr",
}
PREFIXES = ("การ", "ความ")
# Loanwords of digital-government proposals that the bundled dictionary lacks (it would cut
# them into meaningless pieces, e.g. อีคอมเมิร์ซ -> อี|คอม|เมิร์ซ).
EXTRA_WORDS = frozenset((
    "อีคอมเมิร์ซ", "แรนซัมแวร์", "แชทบอท", "แชตบอต", "สมาร์ตโฟน", "สมาร์ทโฟน", "วิดีโอคอล", "บิ๊กดาต้า",
    "ใยแก้วนำแสง", "ไฟเบอร์ออปติก", "สตาร์ตอัป", "สตาร์ทอัพ", "ฟินเทค", "ไอโอที", "โซลาร์เซลล์", "เวชระเบียน",
    "ทะเบียนราษฎร์",
))
_WORD = re.compile(r"[\u0e01-\u0e5ba-z0-9]")
_LETTER = re.compile(r"[\u0e01-\u0e2ea-z]")

_lock = threading.Lock()
_tokenize: Callable[[str], list[str]] | None = None
_stop_words: frozenset[str] = frozenset()


def _tokenizer() -> Callable[[str], list[str]]:
    """PyThaiNLP's newmm with its bundled dictionary, loaded once (about two seconds)."""
    global _tokenize, _stop_words
    with _lock:
        if _tokenize is None:
            # PyThaiNLP would otherwise make ~/pythainlp-data on import (a read-only home breaks it)
            # and may download corpora it lacks: neither is wanted on a workshop laptop.
            os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")
            os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
            from pythainlp.corpus import thai_stopwords, thai_words
            from pythainlp.tokenize import word_tokenize
            from pythainlp.util import dict_trie

            trie = dict_trie(set(thai_words()) | EXTRA_WORDS)
            _stop_words = frozenset(thai_stopwords())

            def tokenize(text: str) -> list[str]:
                return word_tokenize(text, custom_dict=trie, engine="newmm", keep_whitespace=False)

            _tokenize = tokenize
    return _tokenize


def warm_up() -> None:
    """Load the tokenizer ahead of the first hint (call from a background thread)."""
    _tokenizer()


def normalise(token: str) -> str | None:
    """A token as compared, or None when it carries no meaning of its own."""
    word = unicodedata.normalize("NFC", token).strip().lower()
    if not _WORD.search(word):
        return None
    word = VARIANTS.get(word, word)
    for prefix in PREFIXES:
        if word.startswith(prefix) and len(word) > len(prefix) + 1:
            word = VARIANTS.get(word[len(prefix):], word[len(prefix):])
            break
    if word in STOCK_WORDS or word in _stop_words or not _LETTER.search(word) or len(word) < 2:
        return None
    return word


# Numbers and place names tell apart the proposals one template yields by the dozen
# ("...บ้านดอนเพิ่ม หมู่ที่ 7 จุดที่ 6" and "...บ้านร่มเย็น หมู่ที่ 14 จุดที่ 9" are other works):
# a bare number means nothing, so each number is kept together with the word that labels it
# ("หมู่ 7", "จุด 6", "ขก. 1234", "งบ 1500000"), and a place is kept whole ("บ้านดอนเพิ่ม",
# "ตำบลหนองบัว") besides its pieces, whose parts (ดอน, หนอง...) name half the villages.
_NUMBER = re.compile(r"[0-9\u0e50-\u0e59][0-9\u0e50-\u0e59,.]*")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
NUMBER_LABELS = {"ม.": "หมู่", "หมู่ที่": "หมู่"}  # ม.7 is หมู่ที่ 7
_PLACE = re.compile(r"(บ้าน|ชุมชน|ตำบล|อำเภอ|จังหวัด|(?<![\u0e01-\u0e4e])[ตอจ]\.)\s*([\u0e01-\u0e4e]{2,})")
PLACE_MARKERS = {"ต.": "ตำบล", "อ.": "อำเภอ", "จ.": "จังหวัด"}


def _numbered(tokens: list[str]) -> list[str]:
    """Each number with its label: the token before it, skipping ที่ ("หมู่ที่ 7") and gluing the
    letters of an abbreviation the tokenizer cut (ข|ก.|1234 is the road code ขก. 1234)."""
    out = []
    for i, token in enumerate(tokens):
        if not _NUMBER.fullmatch(token.strip()):
            continue
        number = token.strip().translate(_THAI_DIGITS).replace(",", "").rstrip(".")
        j = i - 1
        while j >= 0 and tokens[j].strip() in ("", "ที่"):
            j -= 1
        label = tokens[j].strip().lower() if j >= 0 else ""
        if label.endswith("."):
            while j > 0 and len(tokens[j - 1].strip()) == 1 and _LETTER.match(tokens[j - 1].strip()):
                j -= 1
                label = tokens[j].strip() + label
        label = NUMBER_LABELS.get(label, label)
        out.append(f"{label} {number}" if _LETTER.search(label) else number)
    return out


def _places(text: str) -> list[str]:
    return [PLACE_MARKERS.get(marker, marker) + name for marker, name in _PLACE.findall(text)]


@lru_cache(maxsize=8192)
def _parts(text: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(meaningful words in order, numbered words, places) of a text (cached: proposals are
    compared again and again)."""
    text = unicodedata.normalize("NFC", text)
    tokens = _tokenizer()(text)
    out = []
    for token in tokens:
        word = normalise(token)
        if word is not None:
            out.append(word)
    return tuple(out), tuple(_numbered(tokens)), tuple(_places(text))


def words(text: str) -> tuple[str, ...]:
    """The meaningful words of a text, in order, then its numbered words and places."""
    out, numbered, places = _parts(text)
    return (*out, *numbered, *places)


# The labels whose value identifies one work: a moo, a numbered point, a road code, a village,
# a tambon. A proposal names at most a few of them, and two proposals that name different values
# for the same label ("บ้านดอนเพิ่ม หมู่ 7" and "บ้านร่มเย็น หมู่ 14", "ขก. 1234" and "ขก. 5678")
# are different works however alike the rest of their titles: one template yields them by the
# dozen, and these are the pairs a facilitator must never merge. Budget, length or year do not
# identify a work (one title may give another figure for the same works), so they are not here.
IDENTIFYING_NUMBERS = frozenset(("หมู่", "จุด"))
IDENTIFYING_PLACES = ("บ้าน", "ตำบล")
ROAD_CODE = "road code"


@lru_cache(maxsize=8192)
def identifying(text: str) -> dict[str, frozenset[str]]:
    """Label -> the values a text names for it (e.g. {"หมู่": {"7"}, "บ้าน": {"บ้านดอนเพิ่ม"}})."""
    _words, numbered, places = _parts(text)
    found: dict[str, set[str]] = defaultdict(set)
    for word in numbered:
        label, _, value = word.rpartition(" ")
        if label in IDENTIFYING_NUMBERS:
            found[label].add(value)
        elif label.endswith("."):  # an abbreviated province and a number: a rural road's code
            found[ROAD_CODE].add(word)
    for place in places:
        for marker in IDENTIFYING_PLACES:
            if place.startswith(marker):
                found[marker].add(place)
    return {label: frozenset(values) for label, values in found.items()}


def contradict(a: str, b: str) -> bool:
    """Whether two titles name different values for one identifying label (and none in common):
    then they are other works, e.g. the same borehole programme at another moo."""
    ids_a, ids_b = identifying(a), identifying(b)
    return any(ids_a[label].isdisjoint(ids_b[label]) for label in ids_a.keys() & ids_b.keys())


@dataclass(frozen=True)
class Doc:
    """One proposal's text, as compared."""

    key: int
    title: str
    description: str = ""


def _counts(doc: Doc) -> Counter[str]:
    # Title and description alike: giving title words more weight was measured to pair more
    # proposals whose titles share only a template ("ระบบจองคิว...", "ศูนย์ข้อมูล...").
    return Counter(words(doc.title)) + Counter(words(doc.description))


@dataclass(frozen=True)
class Pair:
    a: int  # keys, a before b in the given order
    b: int
    score: float
    shared_words: tuple[str, ...]


def similar_pairs(docs: Sequence[Doc], *, threshold: float = THRESHOLD) -> list[Pair]:
    """Every pair of docs whose TF-IDF cosine reaches the threshold and whose titles do not
    contradict (another moo, point, road code, village or tambon), most similar first, with the
    shared words that weigh most in it. The IDF is taken over these docs."""
    return list(_similar_pairs(tuple(docs), threshold))


@lru_cache(maxsize=64)
def _similar_pairs(docs: tuple[Doc, ...], threshold: float) -> tuple[Pair, ...]:
    # Cached on the texts themselves: the console is redrawn on every vote, the proposals rarely change.
    counts = [_counts(d) for d in docs]
    n = len(docs)
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    vectors: list[dict[str, float]] = []
    for c in counts:
        vector = {w: (1 + math.log(tf)) * (math.log((1 + n) / (1 + df[w])) + 1) for w, tf in c.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors.append({w: v / norm for w, v in vector.items()})
    # Only docs sharing a word can be similar: compare through an inverted index.
    postings: dict[str, list[int]] = defaultdict(list)
    for i, vector in enumerate(vectors):
        for w in vector:
            postings[w].append(i)
    dots: dict[tuple[int, int], float] = defaultdict(float)
    for w, docs_with in postings.items():
        if len(docs_with) > 1:
            for x, i in enumerate(docs_with):
                for j in docs_with[x + 1:]:
                    dots[(i, j)] += vectors[i][w] * vectors[j][w]
    pairs = []
    for (i, j), score in dots.items():
        # A rule, not a weight: no similarity of the rest makes two different places one work.
        if score >= threshold and not contradict(docs[i].title, docs[j].title):
            shared = sorted(set(vectors[i]) & set(vectors[j]), key=lambda w: (-vectors[i][w] * vectors[j][w], w))
            pairs.append(Pair(a=docs[i].key, b=docs[j].key, score=score, shared_words=tuple(shared[:SHOWN_WORDS])))
    return tuple(sorted(pairs, key=lambda p: (-p.score, p.a, p.b)))


@dataclass(frozen=True)
class Hint:
    """Two proposals that probably are one project: `project_b` (the later) could be merged
    into `project_a` (the earlier)."""

    project_a: Project | ProjectRow
    project_b: Project | ProjectRow
    score: float
    shared_words: tuple[str, ...]


class HintPublic(BaseModel):
    project_a: int
    project_b: int
    title_a: str
    title_b: str
    score: float
    shared_words: list[str]


def to_public(hint: Hint) -> HintPublic:
    return HintPublic(project_a=hint.project_a.id, project_b=hint.project_b.id, title_a=hint.project_a.title,
                      title_b=hint.project_b.title, score=round(hint.score, 3), shared_words=list(hint.shared_words))


def likely_duplicates(session: Session, *, workshop: Workshop, threshold: float = THRESHOLD,
                      limit: int = 50, kept: Memo | None = None) -> list[Hint]:
    """Likely duplicates among the workshop's visible proposals, most similar first. `kept`:
    the live views' project list, kept until the projects change (app/versions.py)."""
    def hints() -> list[Hint]:
        # In proposal order; plain rows, as the console redraws these hints on every change.
        projects, _tags = projects_service.visible_rows(session, workshop=workshop, kept=kept)
        by_id = {p.id: p for p in projects}
        docs = [Doc(key=p.id, title=p.title, description=p.description) for p in projects]
        return [Hint(project_a=by_id[pair.a], project_b=by_id[pair.b], score=pair.score,
                     shared_words=pair.shared_words) for pair in similar_pairs(docs, threshold=threshold)[:limit]]

    # Drawn from the projects' texts alone: kept with them across votes.
    return hints() if kept is None else list(kept.get(workshop.code, ("duplicate hints", threshold, limit), hints))


def suggested_target(session: Session, *, workshop: Workshop,
                     project: Project) -> Project | ProjectRow | None:
    """The project this one most probably duplicates (its likeliest hint's other project): what
    the console's merge form offers first. None when no hint names it."""
    for hint in likely_duplicates(session, workshop=workshop):  # most similar first
        if hint.project_b.id == project.id:
            return hint.project_a
        if hint.project_a.id == project.id:
            return hint.project_b
    return None
