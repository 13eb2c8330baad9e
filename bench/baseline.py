"""The bare baseline: the least a server can do for the same job, to compare ruamkit against.

A raw ASGI app (no framework, no database, no templates) served by uvicorn in its own
process. It takes the same requests as ruamkit: the phone's + and - (`POST /w/BENCH/ballot/{project}`,
form `change=1`, the phone's cookie `rk_p_BENCH=<token>`), answered with an HTML fragment padded
to the size of ruamkit's answer, and the API's `PUT /votes/{project}` with `{"dots": n}` and a
bearer token (set, not add, like ruamkit). A flusher coalesces changes with the same interval as
ruamkit, renders one phone payload and one screen payload (with the total of dots cast) padded to
the sizes ruamkit's messages had, and sends the same text to every connection of each view.

With --groups N it does the same for N rooms at once (a large event's breakout groups, --projects
projects each, project ids numbered group after group): each room's phones and screen are drawn
from that room's tallies at most every interval, as one room's are, and the event's grid (one
tile per room with its dots cast, padded to the grid's size) is drawn with every pass in which a
room changed.

Run: python -m bench.baseline --port P --interval 0.1 --projects 20 --phone-bytes B --screen-bytes B --tap-bytes B
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

PHONE_ROW = '<span id="tally-{p}" class="tally">{dots} dots · {voters} voters</span>'
SCREEN_ROW = ('<li class="tally-row" id="row-{p}" data-rank="{rank}"><span class="rank">{rank}</span>'
              '<p class="tally-title">Project {p}</p><span class="tally-num">{dots}</span></li>')
GRID_TILE = '<li class="group-tile" data-group="BENCH-{n}" data-dots="{dots}"><p>Group {n}</p></li>'


def pad(text: str, size: int) -> str:
    """The text grown to `size` UTF-8 bytes with an HTML comment (never shrunk)."""
    missing = size - len(text.encode()) - len("<!---->")
    return text + "<!--" + "x" * missing + "-->" if missing > 0 else text


class Baseline:
    def __init__(self, *, interval: float, projects: int, phone_bytes: int, screen_bytes: int,
                 tap_bytes: int = 100, phone_interval: float = 0.0, groups: int = 0, grid_bytes: int = 0) -> None:
        self.interval = interval
        self.phone_interval = phone_interval
        # The rooms: one (index 0), or each breakout group with `projects` projects of its own.
        self.groups = groups
        self.rooms = list(range(max(1, groups)))
        self.project_ids = list(range(1, projects * len(self.rooms) + 1))
        self.room_projects = [self.project_ids[r * projects:(r + 1) * projects] for r in self.rooms]
        self.room_of = {p: (p - 1) // projects for p in self.project_ids}
        self.phone_bytes, self.screen_bytes, self.tap_bytes = phone_bytes, screen_bytes, tap_bytes
        self.grid_bytes = grid_bytes
        self.dots: dict[tuple[str, int], int] = {}
        self.totals = {p: 0 for p in self.project_ids}
        self.voters = {p: 0 for p in self.project_ids}
        # (view, room): "phone" and "screen" per room; ("grid", -1) the event's grid of all groups.
        self.connections: dict[tuple[str, int], list[Any]] = {}
        self.dirty_rooms: set[int] = set()
        self.dirty = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def render(self, room: int = 0) -> tuple[str, str]:
        ids = self.room_projects[room]
        phone = '<div id="phone-sync" hidden data-version="" data-phase="vote"></div>' + "".join(
            PHONE_ROW.format(p=p, dots=self.totals[p], voters=self.voters[p]) for p in ids)
        ranked = sorted(ids, key=lambda p: (-self.totals[p], p))
        screen = ('<section id="screen-live"><p class="stat"><span class="num" id="screen-dots">'
                  f'{sum(self.totals[p] for p in ids)}</span></p><ol class="tally-list">' + "".join(
                      SCREEN_ROW.format(p=p, rank=i + 1, dots=self.totals[p]) for i, p in enumerate(ranked[:8]))
                  + "</ol></section>")
        return pad(phone, self.phone_bytes), pad(screen, self.screen_bytes)

    def render_grid(self) -> str:
        tiles = "".join(GRID_TILE.format(n=r + 1, dots=sum(self.totals[p] for p in self.room_projects[r]))
                        for r in self.rooms)
        return pad(f'<section id="screen-live" data-view="groups"><ol class="group-grid">{tiles}</ol></section>',
                   self.grid_bytes)

    async def send_each(self, key: tuple[str, int], text: str) -> None:
        message = {"type": "websocket.send", "text": text}
        connections = self.connections.get(key, [])
        for send in list(connections):
            await self._send(connections, send, message)

    @staticmethod
    async def _send(connections: list[Any], send: Any, message: dict[str, str]) -> None:
        try:
            await send(message)
        except Exception:  # noqa: BLE001  (gone: forget it)
            if send in connections:
                connections.remove(send)

    async def flush_forever(self) -> None:
        loop = asyncio.get_running_loop()
        phones_sent_at = dict.fromkeys(self.rooms, -1e9)
        while True:
            await self.dirty.wait()
            self.dirty.clear()
            rooms, self.dirty_rooms = sorted(self.dirty_rooms), set()
            for room in rooms:
                phone, screen = self.render(room)
                views = [(("screen", room), screen)]
                # The phones' own cadence, as ruamkit's RUAMKIT_PHONE_INTERVAL: the same job.
                if loop.time() - phones_sent_at[room] >= self.phone_interval:
                    views.append((("phone", room), phone))
                    phones_sent_at[room] = loop.time()
                else:
                    self.dirty_rooms.add(room)
                    self.dirty.set()
                for key, text in views:
                    await self.send_each(key, text)
            if self.groups and rooms:
                await self.send_each(("grid", -1), self.render_grid())
            await asyncio.sleep(self.interval)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    self.task = asyncio.create_task(self.flush_forever())
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    if self.task:
                        self.task.cancel()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        elif scope["type"] == "websocket":
            await self.websocket(scope, receive, send)
        elif scope["type"] == "http":
            await self.http(scope, receive, send)

    async def websocket(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        query = dict(part.split("=", 1) for part in scope["query_string"].decode().split("&") if "=" in part)
        view = query.get("view") if query.get("view") in ("screen", "grid") else "phone"
        room = -1 if view == "grid" else int(query.get("group", 0))
        if (await receive())["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        if view == "grid":
            snapshot = self.render_grid()
        else:
            phone, screen = self.render(room)  # the snapshot, like ruamkit's
            snapshot = screen if view == "screen" else phone
        await send({"type": "websocket.send", "text": snapshot})
        connections = self.connections.setdefault((view, room), [])
        connections.append(send)
        try:
            while (await receive())["type"] != "websocket.disconnect":
                pass
        finally:
            if send in connections:
                connections.remove(send)

    async def http(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path: str = scope["path"]
        status, answer = 404, {"detail": "Not found."}
        headers = dict(scope["headers"])
        if scope["method"] == "POST" and path.startswith("/w/BENCH/ballot/"):
            cookie = headers.get(b"cookie", b"").decode()
            token = next((part.split("=", 1)[1] for part in cookie.split("; ") if part.startswith("rk_p_BENCH=")), "")
            project, change = int(path.rsplit("/", 1)[1]), int(body.decode().partition("change=")[2] or 0)
            dots = self._set(token, project, max(0, self.dots.get((token, project), 0) + change))
            fragment = pad(f'<div id="vote-{project}" hx-swap-oob="true"><output>{dots}</output></div>', self.tap_bytes)
            await self._answer(send, 200, fragment.encode(), b"text/html; charset=utf-8")
            return
        if scope["method"] == "PUT" and path.startswith("/votes/"):
            token = headers.get(b"authorization", b"").decode()
            project, dots = int(path.rsplit("/", 1)[1]), int(json.loads(body)["dots"])
            self._set(token, project, dots)
            status, answer = 200, {"project_id": project, "dots": dots}
        elif scope["method"] == "GET" and path == "/tallies":
            status, answer = 200, {str(p): n for p, n in self.totals.items()}
        await self._answer(send, status, json.dumps(answer).encode(), b"application/json")

    def _set(self, token: str, project: int, dots: int) -> int:
        old = self.dots.get((token, project), 0)
        self.dots[(token, project)] = dots
        self.totals[project] += dots - old
        self.voters[project] += (dots > 0) - (old > 0)
        self.dirty_rooms.add(self.room_of[project])
        self.dirty.set()
        return dots

    @staticmethod
    async def _answer(send: Any, status: int, payload: bytes, media_type: bytes) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", media_type), (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--phone-interval", type=float, default=0.0)
    parser.add_argument("--projects", type=int, default=6)
    parser.add_argument("--phone-bytes", type=int, default=600)
    parser.add_argument("--screen-bytes", type=int, default=6000)
    parser.add_argument("--tap-bytes", type=int, default=100)
    parser.add_argument("--groups", type=int, default=0, help="Rooms at once (breakout groups) and their grid.")
    parser.add_argument("--grid-bytes", type=int, default=0)
    parser.add_argument("--deflate", action="store_true", help="Offer websocket per-message deflate.")
    args = parser.parse_args()
    import uvicorn

    app = Baseline(interval=args.interval, projects=args.projects, phone_bytes=args.phone_bytes,
                   screen_bytes=args.screen_bytes, tap_bytes=args.tap_bytes, phone_interval=args.phone_interval,
                   groups=args.groups, grid_bytes=args.grid_bytes)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", lifespan="on",
                ws_per_message_deflate=args.deflate, ws_max_size=65536)


if __name__ == "__main__":
    main()
