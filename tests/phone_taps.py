"""Phones over real HTTP, as the page drives them: join through the form (cookie), tap + and -.

Used by the concurrency tests on SQLite and PostgreSQL and by the crash test: one storm of
simultaneous taps of one participant, and what must hold afterwards.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from bench.phone import Phone

API = "/api/v1/workshops"


def join_by_phone(base: str, code: str, name: str, http: httpx.Client | None = None) -> Phone:
    """A phone that joined through the join page and holds its cookie (sent by `http` if given:
    a client of its own address or certificate)."""
    scheme, host = base.split("://", 1)
    phone = Phone(host=host, code=code, scheme=scheme)
    raw = phone.join(name)
    answer = (http or httpx).post(f"{base}{raw.path}", content=raw.body, headers=_headers(raw), follow_redirects=False)
    assert answer.status_code == 303, answer.text
    phone.took_cookie(answer.headers.get_list("set-cookie"))
    assert phone.cookie, "the join page set no participant cookie"
    return phone


def open_page(http: httpx.Client, base: str, phone: Phone) -> None:
    """The phone page, as the browser loads it after joining: its websocket's path, its buttons."""
    raw = phone.load_page()
    answer = http.get(f"{base}{raw.path}", headers=_headers(raw))
    assert answer.status_code == 200, answer.text
    phone.read_page(answer.text)


def tap(http: httpx.Client, base: str, phone: Phone, project_id: int, change: int = 1) -> httpx.Response:
    """The + (or -) button's own request."""
    raw = phone.tap(project_id, change)
    return http.post(f"{base}{raw.path}", content=raw.body, headers=_headers(raw))


def _headers(raw: Any) -> list[tuple[str, str]]:
    return [(k, v) for k, v in raw.headers if k.lower() not in ("host", "accept-encoding")]


def token_of(phone: Phone) -> str:
    return phone.cookie.split("=", 1)[1]


def simultaneous_taps_keep_the_budget_and_the_cap(base: str, *, budget: int, cap: int) -> dict[str, Any]:
    """One participant taps + twenty times at once on four projects (eight on the first, over its
    cap; twenty in all, far over the budget): every tap is acknowledged or refused with a clear
    sentence, and what is stored is exactly what was acknowledged."""
    with httpx.Client(base_url=base, timeout=30) as http:
        created = http.post(API, json={"title": "กดพร้อมกัน", "dots_per_participant": budget,
                                       "max_dots_per_project": cap}).json()
        code, facilitator = created["code"], {"Authorization": f"Bearer {created['facilitator_key']}"}
        http.put(f"{API}/{code}/phase", json={"phase": "propose"}, headers=facilitator).raise_for_status()
        ids = [http.post(f"{API}/{code}/projects", json={"title": f"โครงการ {i}"}, headers=facilitator)
               .raise_for_status().json()["id"] for i in range(4)]
        phone = join_by_phone(base, code, "นิ้วไว")
        http.put(f"{API}/{code}/phase", json={"phase": "vote"}, headers=facilitator).raise_for_status()
    targets = [ids[0]] * 8 + [ids[1], ids[2], ids[3]] * 4
    barrier = threading.Barrier(len(targets), timeout=30)

    def one(project_id: int) -> httpx.Response:
        with httpx.Client(timeout=60) as http:
            barrier.wait()
            return tap(http, base, phone, project_id)

    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        answers = list(pool.map(one, targets))

    assert {a.status_code for a in answers} <= {200, 409}, [a.text for a in answers if a.status_code not in (200, 409)]
    accepted = [p for p, a in zip(targets, answers) if a.status_code == 200]
    for answer in answers:
        if answer.status_code == 409:  # the phone shows why, as a sentence in its toast
            assert answer.headers["HX-Retarget"] == "#toast"
            assert f"{cap}" in answer.text or f"{budget}" in answer.text
            assert "ไม่พอ" in answer.text or "ไม่เกิน" in answer.text or "dots" in answer.text
    with httpx.Client(base_url=base, timeout=30) as http:
        mine = http.get(f"{API}/{code}/votes/me", headers={"Authorization": f"Bearer {token_of(phone)}"}).json()
        ranking = http.get(f"{API}/{code}/results", headers=facilitator).json()["ranking"]
    stored = {int(pid): n for pid, n in mine["allocations"].items()}
    assert stored == {p: accepted.count(p) for p in set(accepted)}, (stored, accepted)
    assert sum(stored.values()) == len(accepted) == min(budget, cap + 3 * min(cap, 4))
    assert all(n <= cap for n in stored.values())
    assert {r["project_id"]: r["dots"] for r in ranking if r["dots"]} == stored
    return {"taps": len(targets), "accepted": len(accepted), "refused": len(targets) - len(accepted)}
