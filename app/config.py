"""Server settings, read from RUAMKIT_* environment variables with working defaults."""

from __future__ import annotations

import ipaddress

from pydantic import field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RUAMKIT_", extra="ignore")

    # A SQLite file in the working folder: nothing to configure for a laptop workshop.
    database_url: str = "sqlite:///./ruamkit.db"
    # Unset: changes are broadcast inside this process only.
    redis_url: str | None = None
    # Base URL printed and encoded in QR codes, e.g. http://192.168.1.20:8000. Unset: this
    # server's own address and port (its LAN address in place of a loopback one), never a
    # request's Host header (app/network.py). `ruamkit serve` sets it to the address it prints.
    public_url: str | None = None
    # Seconds between re-renders of a busy workshop's live views (coalescing window).
    broadcast_interval: float = 0.1
    # Seconds between redraws of the tallies on the phones (at least broadcast_interval). A
    # phone's own taps are answered at once; the big screen and console follow broadcast_interval.
    phone_interval: float = 0.5
    # Seconds between redraws of a breakout group's views, and of its event's views while its
    # groups are changing (the grid), for a machine too small to draw 40 groups as often as one
    # room (app/live/hub.py). 0: as any room's (broadcast_interval; the phones, phone_interval).
    groups_interval: float = 0.0
    # Seconds between checks for phase timers that reached zero and move to the next phase.
    timer_check_interval: float = 0.5
    max_body_bytes: int = 1_000_000
    # Spreadsheets of projects (API.md, "Importing projects from a spreadsheet") may be larger:
    # 10,000 real Thai titles make a CSV of about 3 MB and an XLSX of about 1.5 MB. Only the two
    # import routes take up to this (app/main.py BodyLimit); every other body keeps the limit above.
    max_import_bytes: int = 16_000_000
    # A request body must arrive within body_timeout seconds plus its length at body_min_rate
    # bytes/s, or it gets 408; bodies are read before their request takes one of the places
    # for work (app/admission.py), so slow uploads cannot hold the server. Far slower than any
    # phone: a 500-byte join has 10.25 s, a 1 MB import 510 s.
    body_timeout: float = 10.0
    body_min_rate: float = 2000.0
    # Websocket per-message deflate. Off: every phone gets the same bytes, but compression runs
    # per connection (see README, "Running a large event", for the numbers behind this).
    ws_per_message_deflate: bool = False
    # Garbage-collector tuning for a server process: freeze what exists after start-up (it
    # lives for ever; full collections then skip it) and raise the first threshold. None: off
    # (tests), but `ruamkit serve` turns it on (app/cli.py run_server).
    gc_freeze: bool | None = None
    gc_threshold0: int = 50_000
    # Seconds a thread may hold the GIL while others wait. None: Python's default (0.005; tests),
    # but `ruamkit serve` sets 0.0005 (app/cli.py run_server).
    switch_interval: float | None = None
    # Load the Thai word cutter and cut the open workshops' titles in a background thread at
    # start (app/services/project_search.py warm_up): a phone's first search then takes
    # milliseconds, not seconds. None: off (tests), but `ruamkit serve` turns it on.
    warm_search: bool | None = None
    # When set, creating or importing a workshop needs this password (public hosts).
    organiser_password: str | None = None
    # Mark cookies Secure; also implied when a request arrives over https.
    secure_cookies: bool = False
    # The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (addresses or
    # networks, comma-separated; empty: none). From anyone else these headers are ignored, or a
    # phone could name any address it likes and step out of its per-address limits. The default
    # is a proxy on this machine (README, "Running a large event"); phones never come from there.
    trusted_proxies: str = "127.0.0.1"
    # Refuse to start on a database whose schema is behind the code (instead of migrating).
    auto_migrate: bool = False
    # SQLite only: seconds a writer waits for the lock before failing.
    sqlite_busy_timeout: float = 15.0
    # SQLite only: NORMAL (a committed change survives a server crash, not a power cut) or FULL
    # (an fsync per commit: survives a power cut, but caps the vote rate; see app/db.py).
    sqlite_synchronous: str = "NORMAL"
    # Write votes and draw the live views on the event loop, not in threads: threads only fought
    # the loop for the interpreter lock at every row (README, "Running a large event"). Set it
    # false for a PostgreSQL across a slow network, where the loop would wait on each round trip.
    db_on_loop: bool = True
    # Ceilings per workshop (app/services/ceilings.py): far above any real workshop, so that
    # only a flood meets them, and what each view and export draws stays bounded.
    max_participants_per_workshop: int = 10_000
    # Imported project lists run to thousands (a ministry's whole plan; 10,000 rows import).
    max_projects_per_workshop: int = 10_000
    max_typed_agencies_per_workshop: int = 500
    max_rounds_per_workshop: int = 20
    # Rate limits, per minute (0 turns one off). Per participant they stop a runaway phone;
    # per client address they are generous because a venue's Wi-Fi may put every phone
    # behind one address (NAT).
    # Joins from one address to one workshop: this many a minute, plus one more per participant
    # it already has (app/deps.py limit_join); per phone (device cookie) far fewer.
    rate_join_per_address: float = 600
    rate_join_per_device: float = 10
    rate_propose_per_participant: float = 60
    rate_propose_per_address: float = 3000
    rate_vote_per_participant: float = 300
    rate_vote_per_address: float = 60000
    # Creating or importing workshops, per address and for all addresses together.
    rate_create_per_address: float = 60
    rate_create_total: float = 300
    # Unknown join codes tried, per address: past it, that address gets 429 on any code for a
    # while (guessing codes stops; a hall that mistypes a few never meets it).
    rate_code_miss_per_address: float = 120
    # Websocket handshakes per address and workshop, plus two per participant the workshop has
    # (a whole hall behind one NAT address reconnecting after a Wi-Fi drop).
    rate_ws_connect_per_address: float = 600
    # Websockets open at once (per server process): per key (a phone's token, the screen or
    # facilitator key), and per address and workshop plus two per participant.
    ws_per_key: int = 20
    ws_per_address: int = 200
    # Files drawn from a workshop (report PDF, XLSX, CSV, JSON) are made in separate worker
    # processes (app/renders.py): at most render_workers at once (more wait in line, up to
    # render_queue), each killed after render_timeout seconds or when it needs more than
    # render_memory_mb of address space. A request waits up to render_wait seconds for its
    # file, then is told to try again; files are kept (up to render_cache_mb) until their
    # workshop changes.
    render_workers: int = 1
    render_queue: int = 8
    render_timeout: float = 60.0
    render_memory_mb: int = 1536
    render_wait: float = 10.0
    render_cache_mb: int = 64

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses_or_networks(cls, value: str) -> str:
        for entry in filter(None, (part.strip() for part in value.split(","))):
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise PydanticCustomError(
                    "trusted_proxies", "'{entry}' is not an IP address or network, such as 127.0.0.1 or 10.0.0.0/24",
                    {"entry": entry}) from None
        return value


def get_settings() -> Settings:
    return Settings()
