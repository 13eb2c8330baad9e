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
from difflib import SequenceMatcher
from functools import lru_cache
from typing import cast

from pydantic import BaseModel
from sqlmodel import Session

from app.models import Project, Workshop
from app.models.project import ProjectRow
from app.versions import Memo
from app.services import projects as projects_service

# A hint is shown from this cosine similarity on: the threshold measured on the labelled pairs
# of tests/data/duplicate_pairs.json (see tests/services/test_duplicates.py for the numbers).
THRESHOLD = 0.35
# The words two proposals share point to one project only when few others share them all: what a
# dozen proposals have in common is a template ("ก่อสร้างถนนคอนกรีตเสริมเหล็ก หมู่ที่ ..."), filled
# in for different works. Two or three agencies proposing one project is the case hints are for.
MAX_SHARED_BY = 3
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
NUMBER_LABELS = {"ม.": "หมู่", "หมู่ที่": "หมู่", "หมู": "หมู่"}  # ม.7 is หมู่ที่ 7; หมู is a slip
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
        if label.endswith(".") and label not in NUMBER_LABELS:  # ม. is a moo, never a code's tail
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


# The labels whose value identifies one work: a moo, a numbered point, lane, group or well, a
# road code, a village, a tambon, a community, a road (สาย...), a stream, pond, canal or temple.
# A proposal names at most a few of them, and two proposals that name different values for the
# same label ("บ้านดอนเพิ่ม หมู่ 7" and "บ้านร่มเย็น หมู่ 14", "ยส.ถ.1-0275" and "ยส.ถ.1-0276") are
# different works however alike the rest of their titles: one template yields them by the dozen,
# and these are the pairs a facilitator must never merge. Budget, length or year do not identify a
# work (one title may give another figure for the same works), so they are not here.
IDENTIFYING_NUMBERS = frozenset(("หมู่", "จุด", "ซอย", "กลุ่ม", "บ่อ"))
WATER = "water"  # a stream, pond, canal or swamp by its name: ห้วยคำเมย, คลองห้วยเกตุ
IDENTIFYING_PLACES = ("บ้าน", "ตำบล", "ชุมชน", "ซอย", "สาย", WATER, "วัด")
ROAD_CODE = "road code"
# A name runs from its marker to the next space, sign or digit, or to a word that starts the rest
# of the title (สายบ้านขมิ้นหมู่ที่ 7 names บ้านขมิ้น; หนองหลวงเพื่อการเกษตร names หนองหลวง).
_NAMED = re.compile(r"(?<!หมู่)(?<!ใน)(บ้าน|ชุมชน|ตำบล|ซอย|(?<![0-9] )สาย(?:ทาง)?|ลำห้วย|ห้วย|หนอง|คลอง|บึง"
                    r"|(?<!จังห)(?<!ตรวจ)วัด|(?<![\u0e01-\u0e4e])ต\.)\s*([\u0e01-\u0e4e]{2,}|[0-9]+(?:/[0-9]+)?)")
_NAME_END = re.compile(r"หมู่|ม\.|ตำบล|อำเภอ|จังหวัด|เพื่อ|พร้อม|ถึง|ไป|ขนาด|กว้าง|ยาว|ระยะ|จำนวน|บริเวณ"
                       r"|เชื่อม|ซอย|สาย|ถนน|เส้น|ใน|และ|จาก")
NAME_MARKERS = {"ต.": "ตำบล", "สายทาง": "สาย", "ลำห้วย": WATER, "ห้วย": WATER, "หนอง": WATER, "คลอง": WATER,
                "บึง": WATER}
# A rural road's code: province letters, ถ., the district number and the road's ("ชม.ถ.15-005").
_ROAD_CODE = re.compile(r"([\u0e01-\u0e2e]{1,3})\.?\s*ถ\.?\s*([0-9]+)\s*[-\u2013]\s*([0-9]+)")
# Labels that say where a work is. A title naming one and a title naming none are not shown as
# one work: nothing in the second says it is at that place.
# A road is known by its ends as much as by its name: what follows สาย, เส้น, จาก, ถึง, เชื่อม or a
# dash ("สายบ้านนาทอง - หนองกระแด้ง", "จากบ้านสะพุง ถึงบ้านนาเจริญ"), in either order. Not เส้นทาง:
# "พัฒนาเส้นทางขนส่งผลผลิต..." is a programme's name, not a road's.
_ENDS = re.compile(r"(?:(?<![0-9] )สาย(?:ทาง)?|เส้น(?!ทาง)|จาก|ถึง|เชื่อม(?!โยง)(?:ต่อ)?|[-\u2013])"
                   r"\s*((?:บ\.)?[\u0e01-\u0e4e]{2,})")
# Only a title about a road or a line has ends ("แจ้งเตือนอุทกภัยทาง SMS ถึงพื้นที่เสี่ยง" has none).
_LINE_WORKS = re.compile(r"ถนน|สาย|เส้น|ท่อ|ไฟฟ้า|ทางหลวง|คลอง|ลำเลียง")
# Whose field, pond or garden: "สระเก็บน้ำนายอินสม" and "สระเก็บน้ำนายประเวช" are two ponds.
PERSON = "person"
_PERSON = re.compile(r"(?:นางสาว|นาย(?!ก)|นาง)([\u0e01-\u0e4e]{2,})")
# Labels that say where a work is. A title naming one and a title naming none are not shown as
# one work: nothing in the second says it is at that place.
PLACE_LABELS = frozenset(("หมู่", "ซอย", ROAD_CODE, PERSON, *IDENTIFYING_PLACES))
# Words of physical works: such works are known by their place, so two titles of works that name
# no place are never shown as one (a thousand agencies "ก่อสร้างถนนคอนกรีตเสริมเหล็ก").
WORKS = frozenset(("ก่อสร้าง", "ซ่อมแซม", "ซ่อม", "ขุด", "ขุดลอก", "ขุดเจาะ", "เจาะ", "วางท่อ", "ถนน", "เสริมผิว",
                   "ต่อเติม", "ลาดยาง", "คอนกรีต", "คอนกรีตเสริมเหล็ก", "สระ", "ฝาย", "ท่อ", "รื้อถอน"))


def _named(text: str) -> list[tuple[str, str]]:
    """(label, name) of each named place: ("บ้าน", "ขมิ้น"), ("สาย", "โคกเครือ-หนองมันปลา")..."""
    out = []
    for marker, name in _NAMED.findall(text):
        label = NAME_MARKERS.get(marker, marker)
        if not name[0].isdigit():
            name = _NAME_END.split(name, maxsplit=1)[0] if _NAME_END.match(name) is None else name
        if label == WATER:  # its kind is part of its name: ห้วยเกตุ, คลองห้วยเกตุ
            name = marker.removeprefix("ลำ") + name
        if len(name) >= 2 or name.isdigit():
            out.append((label, name))
    return out


@lru_cache(maxsize=8192)
def identifying(text: str) -> dict[str, frozenset[str]]:
    """Label -> the values a text names for it (e.g. {"หมู่": {"7"}, "บ้าน": {"บ้านดอนเพิ่ม"}})."""
    text = unicodedata.normalize("NFC", text)
    numbered = _parts(text)[1]
    found: dict[str, set[str]] = defaultdict(set)
    for letters, district, road in _ROAD_CODE.findall(text):
        found[ROAD_CODE].add(f"{letters}.ถ.{int(district)}-{int(road)}")
    for word in numbered:
        label, _, value = word.rpartition(" ")
        if label in IDENTIFYING_NUMBERS:
            found[label].add(value)
        elif label.endswith(".") and label not in ("ถ.", "ม."):  # "ขก. 1234": a rural road's code
            found[ROAD_CODE].add(word)
    for end in _ENDS.findall(text) if _LINE_WORKS.search(text) else ():
        end = _NAME_END.split(end, maxsplit=1)[0] if _NAME_END.match(end) is None else end
        if len(end) >= 2:
            found["สาย"].add(end.replace("บ.", "บ้าน", 1))
    for person in _PERSON.findall(text):
        found[PERSON].add(_NAME_END.split(person, maxsplit=1)[0] or person)
    for label, name in _named(text):
        if label in ("บ้าน", "ตำบล"):
            found[label].add(label + name)
        elif not (label in IDENTIFYING_NUMBERS and name.isdigit()):  # ซอย 7 is already numbered
            found[label].add(name)
    return {label: frozenset(values) for label, values in found.items()}


def same_name(a: str, b: str) -> bool:
    """Whether two values may name one thing: equal, one cut shorter than the other (a name run
    into the next word: บ้านหนองแวง / บ้านหนองแวงน้อยหมู่; ห้วยเกตุ / คลองห้วยเกตุ), or a slip of a letter or two."""
    if a == b:
        return True
    if a.isdigit() or b.isdigit() or any(c.isdigit() for c in a + b):
        return a.replace(" ", "") == b.replace(" ", "")
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 4 and (long_.startswith(short) or long_.endswith(short)):
        return True
    return len(short) >= 4 and SequenceMatcher(None, a, b).ratio() >= 0.85


def _unmatched(values: frozenset[str], others: frozenset[str]) -> bool:
    return any(not any(same_name(x, y) for y in others) for x in values)


def contradict(a: str, b: str) -> bool:
    """Whether the two titles each name, for one identifying label, a value the other lacks: then
    they are other works, e.g. the same borehole programme at another moo, or wells of two
    households in one village. One title naming more than the other (a road "บ้านโคก - บ้านนา"
    and "บ้านโคก") is no contradiction: it says more about the same works."""
    ids_a, ids_b = identifying(a), identifying(b)
    return any(_unmatched(ids_a[label], ids_b[label]) and _unmatched(ids_b[label], ids_a[label])
               for label in ids_a.keys() & ids_b.keys())


_ADMIN = re.compile(r"(?:อำเภอ|จังหวัด|(?<![\u0e01-\u0e4e])[อจ]\.)\s*([\u0e01-\u0e4e]{2,})")


@lru_cache(maxsize=8192)
def place_words(text: str) -> frozenset[str]:
    """The words of a title that say where, not what: its numbered moos, lanes and points, and the
    pieces of its place names (บ้านศรียางชุม -> ศรี, ยาง, ชุม), district and province included."""
    text = unicodedata.normalize("NFC", text)
    words_, numbered, places = _parts(text)
    names = [name for _label, name in _named(text)] + _ADMIN.findall(text) + list(places)
    out = {w for w in words_ if any(w in name for name in names)} | set(places)
    out |= {w for w in numbered if w.rpartition(" ")[0] in IDENTIFYING_NUMBERS}
    return frozenset(out)


def _names(ids: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """The named places among identifying values: a moo, lane or point number alone names none
    (every tambon has a หมู่ที่ 2; one template title "...หมู่ที่ 2 จุดที่ 3" recurs across a province)."""
    out = {label: frozenset(v for v in values if not v.replace("/", "").isdigit())
           for label, values in ids.items() if label in PLACE_LABELS}
    return {label: values for label, values in out.items() if values}


def same_place(a: str, b: str) -> bool:
    """Whether nothing in the two titles' places tells them apart and something ties them: both
    name no place and are no physical works (a purchase, a training, a system), or both name one
    place alike (a village, tambon, road, road code, stream...)
    and none differently. Numbers alone tie nothing, but must not differ."""
    if contradict(a, b):
        return False
    ids_a, ids_b = identifying(a), identifying(b)
    if not ids_a.keys() & PLACE_LABELS and not ids_b.keys() & PLACE_LABELS:
        return not (WORKS.intersection(_parts(a)[0]) or WORKS.intersection(_parts(b)[0]))
    names_a, names_b = _names(ids_a), _names(ids_b)
    return any(not _unmatched(names_a[label], names_b[label]) or not _unmatched(names_b[label], names_a[label])
               for label in names_a.keys() & names_b.keys())


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
    dots = _dots_reaching(vectors, postings, threshold)
    pairs = []
    for (i, j), score in dots.items():
        # Rules, not weights: no similarity of the rest makes two different places one work, nor
        # a template that many proposals fill in the same way one project.
        if score < threshold or not same_place(docs[i].title, docs[j].title):
            continue
        shared = sorted(set(vectors[i]) & set(vectors[j]), key=lambda w: (-vectors[i][w] * vectors[j][w], w))
        # The same place is not the same works (a well and a road of one village): the words
        # that say what is done must be alike on their own too.
        if _work_similarity(vectors[i], vectors[j], docs[i].title, docs[j].title) < threshold:
            continue
        if _support(shared, postings, vectors) <= MAX_SHARED_BY:
            pairs.append(Pair(a=docs[i].key, b=docs[j].key, score=score, shared_words=tuple(shared[:SHOWN_WORDS])))
    return tuple(sorted(pairs, key=lambda p: (-p.score, p.a, p.b)))


def _dots_reaching(vectors: list[dict[str, float]], postings: dict[str, list[int]],
                   threshold: float) -> dict[tuple[int, int], float]:
    """The dot product of every pair of vectors that may reach the threshold (all that do).

    Pairing every two proposals that share a word costs the square of each word's count, and the
    template words (ถนน, ก่อสร้าง...) are in a third of 3,000 titles. But those words weigh little:
    a proposal's most common words, taken together, bound its dot product with any other by
    sum(weight x the word's largest weight anywhere) and by their own length (the vectors are of
    length one), and as long as that bound stays under the threshold, a pair sharing only
    those words cannot reach it (Bayardo, Ma and Srikant, "Scaling up all pairs similarity
    search", 2007). So each proposal indexes only its rarer words, and a pair is a candidate when
    one of them indexes a word the other has; its dot product is then computed in full."""
    largest: dict[str, float] = defaultdict(float)
    for vector in vectors:
        for w, v in vector.items():
            largest[w] = max(largest[w], v)
    indexed: dict[str, list[int]] = defaultdict(list)
    for i, vector in enumerate(vectors):
        bound = square = 0.0
        for w in sorted(vector, key=lambda w: (-len(postings[w]), w)):  # most common first
            bound += vector[w] * largest[w]
            square += vector[w] * vector[w]  # and the dot is at most this part's length
            if min(bound, math.sqrt(square)) >= threshold:
                indexed[w].append(i)
    candidates: set[tuple[int, int]] = set()
    for w, docs_indexing in indexed.items():
        for i in docs_indexing:
            candidates.update((min(i, j), max(i, j)) for j in postings[w] if j != i)
    dots = {}
    for i, j in candidates:
        a, b = vectors[i], vectors[j]
        dots[(i, j)] = sum(a[w] * b[w] for w in a.keys() & b.keys())
    return dots


def _work_similarity(a: dict[str, float], b: dict[str, float], title_a: str, title_b: str) -> float:
    """The cosine of two proposals' vectors without the words that say where."""
    where = place_words(title_a) | place_words(title_b)
    work_a = {w: v for w, v in a.items() if w not in where}
    work_b = {w: v for w, v in b.items() if w not in where}
    norm = math.sqrt(sum(v * v for v in work_a.values()) * sum(v * v for v in work_b.values()))
    return sum(v * work_b[w] for w, v in work_a.items() if w in work_b) / norm if norm else 0.0


def _support(shared: list[str], postings: dict[str, list[int]], vectors: list[dict[str, float]]) -> int:
    """How many proposals contain every one of these words (the two that share them included)."""
    rarest = min(shared, key=lambda w: len(postings[w]))
    return sum(1 for k in postings[rarest] if all(w in vectors[k] for w in shared))


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


# From this many proposals on, the live views do not wait for a change's hints (seconds of CPU
# at thousands of titles): the console shows the previous ones, marked as being updated, while a
# thread recomputes them and then has the views redrawn (app/versions.py, Memo.refresh).
BACKGROUND_FROM = 300


def _hints(projects: Sequence[ProjectRow | Project], threshold: float, limit: int) -> list[Hint]:
    """The hints among these proposals (in proposal order): plain computing, no database."""
    by_id = {p.id: p for p in projects}
    docs = [Doc(key=p.id, title=p.title, description=p.description) for p in projects]
    return [Hint(project_a=by_id[pair.a], project_b=by_id[pair.b], score=pair.score,
                 shared_words=pair.shared_words) for pair in similar_pairs(docs, threshold=threshold)[:limit]]


def likely_duplicates(session: Session, *, workshop: Workshop, threshold: float = THRESHOLD,
                      limit: int = 50, kept: Memo | None = None) -> list[Hint]:
    """Likely duplicates among the workshop's visible proposals, most similar first. `kept`:
    the live views' project list, kept until the projects change (app/versions.py)."""
    # In proposal order; plain rows, as the console redraws these hints on every change.
    projects, _tags = projects_service.visible_rows(session, workshop=workshop, kept=kept)
    if kept is None:
        return _hints(projects, threshold, limit)
    # Drawn from the projects' texts alone: kept with them across votes.
    return list(kept.get(workshop.code, ("duplicate hints", threshold, limit),
                         lambda: _hints(projects, threshold, limit)))


def live_hints(session: Session, *, workshop: Workshop, kept: Memo | None,
               threshold: float = THRESHOLD, limit: int = 50) -> tuple[list[Hint], bool]:
    """The console's hints and whether they are being updated: after a change to a big
    workshop's proposals (or before its first hints), the previous hints (none the first time),
    on the proposals still visible and with their current rows, while a thread recomputes them
    all; the redraw it then asks for shows the new ones, equal to likely_duplicates()."""
    if kept is None:
        return likely_duplicates(session, workshop=workshop, threshold=threshold, limit=limit), False
    version = kept.version(workshop.code)  # before the rows: hints never kept as newer than their rows
    projects, _tags = projects_service.visible_rows(session, workshop=workshop, kept=kept)
    key = ("duplicate hints", threshold, limit)
    seen = kept.peek(workshop.code, key)
    if (seen is None or not seen[0]) and len(projects) >= BACKGROUND_FROM:
        # Nothing kept yet (a server just started) waits no more: the first hints come the same way.
        kept.refresh(workshop.code, key, lambda: _hints(projects, threshold, limit), version=version)
        by_id = {p.id: p for p in projects}
        previous = [] if seen is None else cast(list[Hint], seen[1])
        return [Hint(project_a=by_id[h.project_a.id], project_b=by_id[h.project_b.id], score=h.score,
                     shared_words=h.shared_words)
                for h in previous if h.project_a.id in by_id and h.project_b.id in by_id], True
    return list(kept.get(workshop.code, key, lambda: _hints(projects, threshold, limit))), False


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
