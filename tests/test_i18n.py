"""Catalogs: every interface string extracted from the code is translated in th and en,
Thai keeps the placeholders, and dates use the Buddhist era."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from app import i18n
from app.errors import DomainError

ROOT = Path(__file__).resolve().parent.parent
# As documented in babel.cfg and app/locale/README.md.
# Every domain error's message is shown to people, so every error class is a keyword.
ERROR_CLASSES = tuple(sorted(cls.__name__ for cls in DomainError.__subclasses__() if cls.__module__ == "app.errors"))
KEYWORDS = (*ERROR_CLASSES, "N_")
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]|\{\w*(?:![rsa])?(?::[^{}]*)?\}")


@pytest.fixture(scope="module")
def pot(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """A fresh extraction, exactly as a developer runs it."""
    out = tmp_path_factory.mktemp("pot") / "messages.pot"
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    done = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg", *keywords,
         "-o", str(out), "."],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    with out.open("rb") as pot_file:
        return read_po(pot_file)


def _catalog(lang: str) -> Catalog:
    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        return read_po(po_file, locale=lang)


def _ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, (tuple, list)) else (message.id,)


def _strings(message: Message) -> tuple[str, ...]:
    strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
    return tuple(text or "" for text in strings)


def _placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


def _messages(pot: Catalog) -> list[Message]:
    return [message for message in pot if message.id]


def test_extraction_finds_templates_and_error_messages(pot: Catalog) -> None:
    ids = {message.id for message in _messages(pot)}
    assert "Join" in ids  # a template string
    assert ("%(num)d dot", "%(num)d dots") in ids  # a template plural
    assert "Not enough dots: {left} left of {budget}, and {dots} asked for this project." in ids  # a service error
    assert len(ids) > 100


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_extracted_string_is_translated(pot: Catalog, lang: str) -> None:
    catalog = _catalog(lang)
    problems = []
    for message in _messages(pot):
        translated = catalog.get(message.id)
        if translated is None:
            problems.append(f"missing: {message.id!r}")
        elif translated.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(_strings(translated)) or (
                message.pluralizable and len(_strings(translated)) != catalog.num_plurals):
            problems.append(f"untranslated: {message.id!r}")
    assert not problems, (
        f"{len(problems)} strings not translated in app/locale/{lang} "
        "(run the commands in app/locale/README.md, then translate):\n" + "\n".join(problems)
    )


def test_thai_has_one_plural_form() -> None:
    assert _catalog("th").num_plurals == 1
    assert _catalog("en").num_plurals == 2


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_translations_keep_the_placeholders(lang: str) -> None:
    problems = []
    for message in _catalog(lang):
        if not message.id:
            continue
        ids = _ids(message)
        for index, text in enumerate(_strings(message)):
            if not text:
                continue
            # A single Thai form stands for the plural; English forms follow their own msgid.
            source = ids[min(index, len(ids) - 1)] if lang == "en" else ids[-1]
            if _placeholders(text) != _placeholders(source):
                problems.append(f"{source!r} -> {text!r}")
    assert not problems, "\n".join(problems)


def test_error_templates_are_literal_strings() -> None:
    """Extraction sees only literal templates: an f-string or a variable would go untranslated."""
    problems = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ERROR_CLASSES):
                continue
            first = node.args[0] if node.args else None
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.func.id}(...)")
    assert not problems, "error templates that are not literal strings:\n" + "\n".join(problems)


def test_thai_catalog_translates() -> None:
    thai = i18n.translations("th")
    assert thai.gettext("Join") == "เข้าร่วม"
    assert thai.ngettext("%(num)d dot", "%(num)d dots", 3) % {"num": 3} == "3 จุด"
    assert i18n.translations("en").ngettext("%(num)d dot", "%(num)d dots", 1) % {"num": 1} == "1 dot"
    message = i18n.translate_error(
        "Not enough dots: {left} left of {budget}, and {dots} asked for this project.",
        {"left": 1, "budget": 5, "dots": 2}, "th",
    )
    assert "เหลือ 1 จาก 5 จุด" in message


def test_dates_in_thai_use_the_buddhist_era_and_thai_time() -> None:
    when = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    thai = i18n.format_when(when, "th")
    assert "2569" in thai and "2026" not in thai
    assert thai == "26 พ.ย. 2569 16:30 น."
    assert i18n.format_when(when, "en") == "26 Nov 2026 16:30"
    # Naive values are UTC, as stored; the Thai date may fall on the next day and year.
    assert i18n.format_when(datetime(2026, 12, 31, 20, 0), "th") == "1 ม.ค. 2570 03:00 น."


def test_pages_are_thai_by_default(client) -> None:  # type: ignore[no-untyped-def]
    home = client.get("/")
    assert home.status_code == 200
    assert "เข้าร่วมการประชุมเชิงปฏิบัติการ" in home.text
    client.cookies.set("rk_lang", "en")
    english = client.get("/")
    assert "Join a workshop" in english.text
