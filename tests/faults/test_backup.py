"""`ruamkit db backup FILE`: a consistent copy of the SQLite database taken while the server is
busy taking votes, which a server then runs on as it is.

Consistent means one moment of the database: every participant's ballot in the copy is exactly
the state after some number of that participant's own (sequential) votes, and that number lies
between the votes acknowledged before the backup started and those sent before it ended.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from typer.testing import CliRunner

from app.cli import cli
from tests.faults.conftest import ROOT, ServerProcess, bearer, make_workshop, record_figures

CAP, PROJECTS = 3, 4
BUDGET = CAP * PROJECTS


@dataclass
class Ballots:
    """One participant's votes, in order, with when each was sent and acknowledged."""

    token: str
    participant_id: int = 0
    sent: list[tuple[float, int, int]] = field(default_factory=list)  # (time sent, project, dots)
    acknowledged_at: list[float] = field(default_factory=list)

    def states(self) -> list[dict[int, int]]:
        """The ballot after 0, 1, 2 ... of these votes."""
        state: dict[int, int] = {}
        states = [dict(state)]
        for _sent, project, dots in self.sent:
            state[project] = dots
            states.append({p: d for p, d in state.items() if d})
        return states


def vote_storm(base_url: str, url: str, voters: list[Ballots], projects: list[int], stop: threading.Event) -> None:
    def run(voter: Ballots, seed: int) -> None:
        rng = random.Random(seed)
        deadline = time.monotonic() + 60
        with httpx.Client(base_url=base_url, headers=bearer(voter.token), timeout=30) as http:
            for _ in range(2000):
                if stop.is_set() or time.monotonic() > deadline:
                    return
                project, dots = rng.choice(projects), rng.randint(0, CAP)
                voter.sent.append((time.monotonic(), project, dots))
                answer = http.put(f"{url}/votes/{project}", json={"dots": dots})
                assert answer.status_code == 200, answer.text  # budget = cap x projects: never refused
                voter.acknowledged_at.append(time.monotonic())

    threads = [threading.Thread(target=run, args=(voter, i), daemon=True) for i, voter in enumerate(voters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)


def backup(database_url: str, target: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUAMKIT_")}
    env["RUAMKIT_DATABASE_URL"] = database_url
    return subprocess.run([sys.executable, "-m", "app.cli", "db", "backup", str(target)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def ballots_in(path: Path) -> dict[int, dict[int, int]]:
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT participant_id, project_id, dots FROM vote WHERE dots > 0").fetchall()
    conn.close()
    found: dict[int, dict[int, int]] = {}
    for participant_id, project_id, dots in rows:
        found.setdefault(participant_id, {})[project_id] = dots
    return found


def test_a_backup_taken_during_a_vote_storm_is_consistent_and_restores(server: ServerProcess, tmp_path: Path) -> None:
    scene = make_workshop(server.base_url, participants=12, projects=PROJECTS, phase="vote", budget=BUDGET, cap=CAP)
    voters = [Ballots(token) for token in scene["tokens"]]
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        exported = http.get(f"{scene['url']}/export?format=json", headers=scene["facilitator"]).json()
    ids = {p["name"]: p["id"] for p in exported["participants"]}
    for i, voter in enumerate(voters):
        voter.participant_id = ids[f"ผู้เข้าร่วม {i + 1}"]

    stop = threading.Event()
    storm = threading.Thread(target=vote_storm, args=(server.base_url, scene["url"], voters, scene["projects"], stop),
                             daemon=True)
    storm.start()
    copies: list[tuple[Path, float, float]] = []
    try:
        for n in range(3):
            time.sleep(0.7)
            target = tmp_path / "backups" / f"ruamkit-{n}.db"
            began = time.monotonic()
            done = backup(server.database_url, target)
            ended = time.monotonic()
            assert done.returncode == 0, done.stderr
            assert "integrity ok" in done.stdout and "revision" in done.stdout
            # One self-contained file: no -wal beside it that a copy or a move could leave behind.
            assert not target.with_name(target.name + "-wal").exists()
            assert target.read_bytes()[18:20] == b"\x01\x01", "not in rollback-journal mode"
            copies.append((target, began, ended))
    finally:
        stop.set()
        storm.join(timeout=90)
    assert not storm.is_alive()
    assert sum(len(v.acknowledged_at) for v in voters) > 50, "the storm was too small to mean anything"

    checked = 0
    for target, began, ended in copies:
        found = ballots_in(target)
        for voter in voters:
            acked_before = sum(1 for t in voter.acknowledged_at if t < began)
            sent_before_end = sum(1 for t, _p, _d in voter.sent if t < ended)
            states = voter.states()
            ballot = found.get(voter.participant_id, {})
            moments = [k for k in range(acked_before, sent_before_end + 1) if states[k] == ballot]
            assert moments, (f"{target.name}: participant {voter.participant_id}'s ballot {ballot} is no state "
                             f"between vote {acked_before} and {sent_before_end}")
            checked += 1

    # Restore: a server started on the last copy runs, and its results are the copy's ballots.
    restored_url = f"sqlite:///{copies[-1][0]}"
    (tmp_path / "restored").mkdir()
    restored = ServerProcess(restored_url, tmp_path / "restored")
    restored.start()
    try:
        found = ballots_in_via_api(restored.base_url, scene, voters)
        assert found == {v.participant_id: b for v, b in zip(voters, ballots_from(copies[-1][0], voters))}
        with httpx.Client(base_url=restored.base_url, timeout=30) as http:
            ranking = http.get(f"{scene['url']}/results", headers=scene["facilitator"]).json()["ranking"]
            # The copy is a working database: it takes votes again.
            again = http.put(f"{scene['url']}/votes/{scene['projects'][0]}", json={"dots": 1},
                             headers=bearer(voters[0].token))
            assert again.status_code == 200, again.text
    finally:
        restored.stop()
    tallies = {p: sum(b.get(p, 0) for b in found.values()) for p in scene["projects"]}
    assert {row["project_id"]: row["dots"] for row in ranking} == tallies
    for ballot in found.values():
        assert sum(ballot.values()) <= BUDGET and all(0 < d <= CAP for d in ballot.values())
    record_figures("backup_during_storm", {"backups": len(copies), "ballots_checked": checked,
                                           "votes_during_backups": sum(len(v.sent) for v in voters),
                                           "inconsistent": 0})


def ballots_from(path: Path, voters: list[Ballots]) -> list[dict[int, int]]:
    found = ballots_in(path)
    return [found.get(v.participant_id, {}) for v in voters]


def ballots_in_via_api(base_url: str, scene: dict, voters: list[Ballots]) -> dict[int, dict[int, int]]:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        found = {}
        for voter in voters:
            answer = http.get(f"{scene['url']}/votes/me", headers=bearer(voter.token))
            assert answer.status_code == 200, answer.text
            found[voter.participant_id] = {int(p): d for p, d in answer.json()["allocations"].items()}
        return found


# --- the command's answers when it cannot do its job ---


def test_backup_of_postgresql_names_pg_dump(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RUAMKIT_DATABASE_URL", "postgresql+psycopg://planner@127.0.0.1:5432/ruamkit")
    result = CliRunner().invoke(cli, ["db", "backup", "copy.db"])
    assert result.exit_code == 2
    assert "pg_dump" in result.output and "pg_restore" in result.output


def test_backup_refuses_to_overwrite_or_to_copy_nothing(monkeypatch, sqlite_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RUAMKIT_DATABASE_URL", sqlite_url)
    target = tmp_path / "copy.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "backup", str(target)]).exit_code == 0
    again = runner.invoke(cli, ["db", "backup", str(target)])
    assert again.exit_code == 2 and "--force" in again.output
    assert runner.invoke(cli, ["db", "backup", str(target), "--force"]).exit_code == 0
    itself = runner.invoke(cli, ["db", "backup", sqlite_url.removeprefix("sqlite:///")])
    assert itself.exit_code == 2 and "another file" in itself.output
    monkeypatch.setenv("RUAMKIT_DATABASE_URL", f"sqlite:///{tmp_path}/missing.db")
    missing = runner.invoke(cli, ["db", "backup", str(tmp_path / "x.db")])
    assert missing.exit_code == 2 and "no SQLite database" in missing.output
    assert not (tmp_path / "missing.db").exists() and not (tmp_path / "x.db").exists()
