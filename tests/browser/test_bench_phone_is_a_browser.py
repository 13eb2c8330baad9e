"""The benchmark's simulated phone sends what a real phone's browser sends.

`ruamkit bench` simulates thousands of phones with bench/phone.py. Here Debian's Chromium uses the
real phone page (join, page load, websocket, the redraw when voting opens, a + tap) while the
DevTools protocol records every request it makes; each one must match, in method, path, body and
the headers the server reads, the request the simulated phone builds for the same moment.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from bench.phone import Phone, Raw

pytestmark = pytest.mark.browser

# What the server reads; each must be sent by both, with the same value (the cookie: the same name).
READ_BY_THE_SERVER = ("content-type", "origin", "sec-fetch-site", "hx-request", "hx-target", "hx-trigger",
                      "hx-current-url", "accept-encoding")
# Sent by Chromium only: client hints and connection details the HTTP client writes itself.
BROWSER_ONLY = {"sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform", "connection", "content-length", "host",
                "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "upgrade"}


class Recorder:
    """Every request the page sends, with the headers that really went on the wire."""

    def __init__(self, page: Page) -> None:
        self.requests: list[dict[str, Any]] = []
        # A redirect keeps its request id: the n-th request sent under an id goes with its n-th headers.
        self.extra: dict[str, list[dict[str, str]]] = {}
        self.websockets: list[dict[str, Any]] = []
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.requestWillBeSent", lambda e: self.requests.append(e))
        cdp.on("Network.requestWillBeSentExtraInfo",
               lambda e: self.extra.setdefault(e["requestId"], []).append(e["headers"]))
        cdp.on("Network.webSocketWillSendHandshakeRequest", lambda e: self.websockets.append(e))
        self.websocket_urls: list[str] = []
        cdp.on("Network.webSocketCreated", lambda e: self.websocket_urls.append(e["url"]))

    def find(self, method: str, path: str) -> tuple[str, str, dict[str, str], str]:
        for index in range(len(self.requests) - 1, -1, -1):
            event = self.requests[index]
            request, request_id = event["request"], event["requestId"]
            nth = sum(1 for e in self.requests[:index] if e["requestId"] == request_id)
            url = urlsplit(request["url"])
            if request["method"] == method and url.path == path and len(self.extra.get(request_id, [])) > nth:
                headers = {k.lower(): v for k, v in self.extra[request_id][nth].items()}
                return request["method"], url.path, headers, request.get("postData", "")
        raise AssertionError(f"the browser sent no {method} {path}: {[e['request']['url'] for e in self.requests]}")


def same_request(browser: tuple[str, str, dict[str, str], str], simulated: Raw) -> None:
    method, path, headers, body = browser
    simulated_headers = {k.lower(): v for k, v in simulated.headers}
    assert (method, path) == (simulated.method, simulated.path.split("?")[0])
    if simulated.body or body:
        assert parse_qs(body, keep_blank_values=True) == parse_qs(simulated.body.decode(), keep_blank_values=True)
    for name in READ_BY_THE_SERVER:
        assert (name in headers) == (name in simulated_headers), f"{name}: browser {headers.get(name)!r}"
        if name in headers and name != "accept-encoding":
            assert headers[name] == simulated_headers[name], name
    assert ("cookie" in headers) == ("cookie" in simulated_headers)
    if "cookie" in headers:
        assert headers["cookie"].split("=")[0] == simulated_headers["cookie"].split("=")[0]
    missing = set(headers) - set(simulated_headers) - BROWSER_ONLY
    assert not missing, f"the browser also sent {sorted(missing)}"


def test_the_simulated_phone_sends_what_the_phone_page_sends(page: Page, live_server: str) -> None:
    api = f"{live_server}/api/v1/workshops"
    created = httpx.post(api, json={"title": "เทียบโทรศัพท์จำลองกับของจริง"}).json()
    code, facilitator = created["code"], {"Authorization": f"Bearer {created['facilitator_key']}"}
    httpx.put(f"{api}/{code}/phase", json={"phase": "propose"}, headers=facilitator).raise_for_status()
    project = httpx.post(f"{api}/{code}/projects", json={"title": "โครงการพัฒนาเมืองอัจฉริยะในพื้นที่ EEC"},
                         headers=facilitator).json()["id"]
    recorder = Recorder(page)
    simulated = Phone(host=urlsplit(live_server).netloc, code=code)

    page.goto(f"{live_server}/w/{code}")
    page.fill("input[name=name]", "สมศรี ใจดี")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_selector("body[data-ws=open]")
    same_request(recorder.find("POST", f"/w/{code}/join"), simulated.join("สมศรี ใจดี", ""))
    cookie = next(c for c in page.context.cookies() if c["name"] == f"rk_p_{code}")
    simulated.cookie = f"{cookie['name']}={cookie['value']}"
    device = next(c for c in page.context.cookies() if c["name"] == "rk_d")
    simulated.device = f"rk_d={device['value']}"
    same_request(recorder.find("GET", f"/w/{code}"), simulated.load_page())
    simulated.read_page(page.content())

    # The websocket: the page's own URL, with the cookie and the page's origin.
    handshake = recorder.websockets[-1]
    browser_headers = {k.lower(): v for k, v in handshake["request"]["headers"].items()}
    ws_url = urlsplit(recorder.websocket_urls[-1])
    assert f"{ws_url.path}?{ws_url.query}" == simulated.ws_path
    assert simulated.ws_path.startswith(f"/ws/workshops/{code}?view=phone")
    simulated_ws = {k.lower(): v for k, v in simulated.websocket_headers()}
    for name in ("origin", "cookie", "user-agent", "cache-control", "pragma", "accept-encoding", "accept-language"):
        assert name in browser_headers and name in simulated_ws, name
    assert browser_headers["origin"] == simulated_ws["origin"] and browser_headers["cookie"] == simulated_ws["cookie"]
    assert set(browser_headers) - set(simulated_ws) <= BROWSER_ONLY

    # Voting opens: the page fetches its ballot again, as the simulated phone does.
    httpx.put(f"{api}/{code}/phase", json={"phase": "vote"}, headers=facilitator).raise_for_status()
    page.wait_for_selector(f"#plus-{project}")
    same_request(recorder.find("GET", f"/w/{code}/me"), simulated.redraw())
    simulated.read_main(page.content().encode())
    assert simulated.buttons[("plus", project)] == f"/w/{code}/ballot/{project}"

    page.click(f"#plus-{project}")
    expect(page.locator(f"#vote-{project} output")).to_have_text("1")
    same_request(recorder.find("POST", f"/w/{code}/ballot/{project}"), simulated.tap(project, 1))

    # And the server takes the simulated tap as it took the real one.
    answer = httpx.post(f"{live_server}/w/{code}/ballot/{project}", content=simulated.tap(project, 1).body,
                        headers=[(k, v) for k, v in simulated.tap(project, 1).headers if k.lower() != "host"])
    assert answer.status_code == 200 and f'id="vote-{project}"' in answer.text
    mine = httpx.get(f"{api}/{code}/votes/me", headers={"Authorization": f"Bearer {cookie['value']}"}).json()
    assert mine["allocations"] == {str(project): 2}
