"""README's "Security model" says what the code does: every limit it names has the default the
settings have, every security setting is named there, the cookies are the ones the pages set,
the text limits are the models', and every RUAMKIT_ variable README mentions exists."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from app.config import Settings
from app.deps import DEVICE_COOKIE, cookie_name
from app.models.participant import ParticipantJoin
from app.models.schemas import MAX_TAGS
from app.models.workshop import CustomFramework, WorkshopCreate

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
DEFAULTS = Settings()
# What a stranger on the venue's Wi-Fi can push against: each must be in the section with its default.
SECURITY_SETTINGS = (
    "max_body_bytes", "body_timeout", "body_min_rate",
    "max_participants_per_workshop", "max_projects_per_workshop", "max_typed_agencies_per_workshop",
    "rate_join_per_address", "rate_join_per_device", "rate_propose_per_participant", "rate_propose_per_address",
    "rate_vote_per_participant", "rate_vote_per_address", "rate_create_per_address", "rate_create_total",
    "rate_code_miss_per_address", "rate_ws_connect_per_address", "ws_per_key", "ws_per_address",
)


def section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end != -1 else None]


SECURITY = section("Security model")


def number(text: str) -> float:
    return float(text.replace(",", ""))


def figures_named() -> dict[str, float]:
    """`RUAMKIT_NAME` (figure ...) as the section writes them."""
    return {name.lower(): number(figure)
            for name, figure in re.findall(r"`RUAMKIT_([A-Z0-9_]+)`[^(`]{0,40}\(([\d,.]+)", SECURITY)}


def test_every_security_setting_is_in_the_section_with_its_default() -> None:
    named = figures_named()
    missing = [s for s in SECURITY_SETTINGS if s not in named]
    assert not missing, f"not in README's Security model with a figure: {missing}"
    wrong = {s: (named[s], getattr(DEFAULTS, s)) for s in SECURITY_SETTINGS if named[s] != getattr(DEFAULTS, s)}
    assert not wrong, f"README's figure differs from the default (README, code): {wrong}"


def test_every_setting_readme_names_exists() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    named = set(re.findall(r"RUAMKIT_([A-Z0-9_]+)", README)) - {"TEST_POSTGRES_URL", "REQUIRE_SERVICES"}
    assert named <= fields, f"README names settings the code does not have: {sorted(named - fields)}"


def test_the_cookies_are_the_ones_the_pages_set() -> None:
    for role in ("facilitator", "screen", "participant"):
        assert f"`{cookie_name(role, '<CODE>')}`" in SECURITY
    assert f"`{DEVICE_COOKIE}`" in SECURITY


def max_length(model: Any, field: str) -> int:
    for meta in model.model_fields[field].metadata:
        if getattr(meta, "max_length", None) is not None:
            return int(meta.max_length)
    raise AssertionError(f"{model.__name__}.{field} has no max_length")


def limit_in_readme(pattern: str) -> int:
    found = re.search(pattern, re.sub(r"\s+", " ", SECURITY))
    assert found, f"README's Security model does not say: {pattern}"
    return int(found[1].replace(",", ""))


@pytest.mark.parametrize(("pattern", "actual"), [
    (r"titles are at most ([\d,]+) characters", max_length(WorkshopCreate, "title")),
    (r"names ([\d,]+)", max_length(ParticipantJoin, "name")),
    (r"descriptions ([\d,]+)", max_length(WorkshopCreate, "description")),
    (r"a project at most ([\d,]+) tags", MAX_TAGS),
    (r"at most ([\d,]+) strategies", max_length(CustomFramework, "strategies")),
    (r"strategies and ([\d,]+) reform areas", max_length(CustomFramework, "reform_areas")),
    (r"own list of at most ([\d,]+) agencies", max_length(WorkshopCreate, "agencies")),
    (r"at most ([\d,]+) more typed in", DEFAULTS.max_typed_agencies_per_workshop),
])
def test_the_text_and_list_limits_are_the_models(pattern: str, actual: int) -> None:
    assert limit_in_readme(pattern) == actual


def test_the_screen_key_is_not_called_read_only() -> None:
    """It can choose what every big screen of its workshop shows (PUT /screen-view, keys on the screen)."""
    assert "read-only" not in README and "read only" not in README
    assert "choose which view" in SECURITY


def test_every_mention_of_sqlites_synchronous_setting_is_the_default_the_code_has() -> None:
    stated = re.findall(r"synchronous=(\w+)`", README)
    assert stated and set(stated) == {DEFAULTS.sqlite_synchronous}, stated
    assert f"| `RUAMKIT_SQLITE_SYNCHRONOUS` | `{DEFAULTS.sqlite_synchronous}` |" in README


def test_the_phone_and_screen_cadences_are_documented_with_their_defaults() -> None:
    assert f"| `RUAMKIT_BROADCAST_INTERVAL` | `{DEFAULTS.broadcast_interval}` |" in README
    assert f"| `RUAMKIT_PHONE_INTERVAL` | `{DEFAULTS.phone_interval}` |" in README
    assert f"| `RUAMKIT_GROUPS_INTERVAL` | `{DEFAULTS.groups_interval}` |" in README
