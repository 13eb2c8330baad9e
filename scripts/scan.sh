#!/usr/bin/env bash
# Outside scanners against a local ruamkit: wapiti (crawls the console, the phone pages and the
# API with the facilitator's and a participant's keys) and sqlmap (the join form, the proposal
# form, the search, the API's JSON bodies). Only 127.0.0.1, every tool bounded in time.
#
#   bash scripts/scan.sh            # about 25 minutes; reports in scan-reports/
#   SCAN_WAPITI_SECONDS=160 SCAN_SQLMAP_SECONDS=30 bash scripts/scan.sh   # a quick pass
#   SCAN_TOOLS=sqlmap bash scripts/scan.sh   # sqlmap alone (wapiti's last report is kept)
#
# The scanners live in their own venv (.scan-venv), never among the app's dependencies.
# Exit status: 0 when no finding of high severity remains, 1 when one does, 2 when the scan
# could not run. docs/security-scan.md gives the findings and what was made of them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
APP_PY="$ROOT/.venv/bin/python"
SCAN_VENV="${SCAN_VENV:-$ROOT/.scan-venv}"
REPORTS="$ROOT/scan-reports"
WAPITI_SECONDS="${SCAN_WAPITI_SECONDS:-900}"       # wapiti's attacks, shared among its modules
WAPITI_CRAWL_SECONDS="${SCAN_WAPITI_CRAWL_SECONDS:-120}"  # its crawl
SQLMAP_SECONDS="${SCAN_SQLMAP_SECONDS:-120}"       # each sqlmap target
TOOLS="${SCAN_TOOLS:-wapiti sqlmap}"               # SCAN_TOOLS=sqlmap runs sqlmap alone
WAPITI_VERSION=3.2.3
SQLMAP_VERSION=1.10.10

[[ -x "$APP_PY" ]] || { echo "No app venv at .venv: run scripts/install.sh first." >&2; exit 2; }
if [[ ! -x "$SCAN_VENV/bin/wapiti" || ! -x "$SCAN_VENV/bin/sqlmap" ]]; then
  echo "== installing wapiti3 $WAPITI_VERSION and sqlmap $SQLMAP_VERSION into $SCAN_VENV"
  python3 -m venv "$SCAN_VENV"
  "$SCAN_VENV/bin/pip" install --quiet "wapiti3==$WAPITI_VERSION" "sqlmap==$SQLMAP_VERSION"
fi

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

for tool in $TOOLS; do rm -rf "${REPORTS:?}/$tool" && mkdir -p "$REPORTS/$tool"; done
PORT="$("$APP_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"

# A fresh database; the rate limits off (0), or the scanners would mostly meet 429s and test
# nothing behind them (the limits have their own tests: tests/security/test_flood_limits.py).
export RUAMKIT_DATABASE_URL="sqlite:///$WORK/scan.db" RUAMKIT_PUBLIC_URL="$BASE" RUAMKIT_WARM_SEARCH=0
for limit in JOIN_PER_ADDRESS JOIN_PER_DEVICE PROPOSE_PER_PARTICIPANT PROPOSE_PER_ADDRESS VOTE_PER_PARTICIPANT \
             VOTE_PER_ADDRESS CREATE_PER_ADDRESS CREATE_TOTAL CODE_MISS_PER_ADDRESS WS_CONNECT_PER_ADDRESS; do
  export "RUAMKIT_RATE_$limit=0"
done
echo "== ruamkit on $BASE (database in $WORK)"
PYTHONPATH="$ROOT" "$APP_PY" -m app.cli serve --host 127.0.0.1 --port "$PORT" >"$REPORTS/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
  curl -fs -o /dev/null "$BASE/api/v1/time" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "The server did not start: see scan-reports/server.log" >&2; exit 2; }
  sleep 0.2
done

# Two workshops: A proposes (its forms, search and edits are what is attacked), B votes (its
# ballot). Each gets a facilitator, a participant joined through the page (its cookie) and
# proposals to search and edit. The keys go to $WORK/keys.sh as shell variables.
"$APP_PY" - "$BASE" "$WORK" <<'PY'
import http.cookiejar, json, shlex, sys, urllib.parse, urllib.request
base, work = sys.argv[1], sys.argv[2]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

def call(method, path, body=None, key=None, form=False):
    headers = {"Origin": base}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = None
    if body is not None:
        data = urllib.parse.urlencode(body).encode() if form else json.dumps(body).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded" if form else "application/json"
    with opener.open(urllib.request.Request(base + path, data=data, method=method, headers=headers)) as answer:
        text = answer.read().decode()
        return json.loads(text) if answer.headers.get_content_type() == "application/json" and text else text

out = {}
for name, phase in (("A", "propose"), ("B", "vote")):
    made = call("POST", "/api/v1/workshops", {"title": f"Scan workshop {name}", "language": "en",
                                                "agencies": ["Highways", "Irrigation"]})
    code, fkey = made["code"], made["facilitator_key"]
    call("PUT", f"/api/v1/workshops/{code}/phase", {"phase": "propose"}, fkey)
    joined = call("POST", f"/api/v1/workshops/{code}/participants", {"name": "Api Person"})
    call("POST", f"/w/{code}/join", {"name": "Phone Person", "agency": "Highways"}, form=True)
    strategy = call("GET", f"/api/v1/workshops/{code}")["strategies"][0]["id"]
    projects = [call("POST", f"/api/v1/workshops/{code}/projects",
                     {"title": title, "description": "Scan fixture", "strategy_ids": [strategy],
                      "reform_area_ids": []}, joined["participant_token"])["id"]
                for title in ("Road repair in Moo 3", "Irrigation canal dredging")]
    if phase != "propose":
        call("PUT", f"/api/v1/workshops/{code}/phase", {"phase": phase}, fkey)
    cookie = next(c.value for c in jar if c.name == f"rk_p_{code}")
    out.update({f"CODE_{name}": code, f"FKEY_{name}": fkey, f"SKEY_{name}": made["screen_key"],
                f"TOKEN_{name}": joined["participant_token"], f"COOKIE_{name}": cookie,
                f"PROJECT_{name}": projects[0], f"OTHER_PROJECT_{name}": projects[1], f"STRATEGY_{name}": strategy})
with open(f"{work}/keys.sh", "w") as keys:
    keys.writelines(f"{k}={shlex.quote(str(v))}\n" for k, v in out.items())
PY
# shellcheck disable=SC1091
source "$WORK/keys.sh"
echo "== workshops $CODE_A (propose) and $CODE_B (vote)"

# The API's description with the workshop's code and a real project id filled in as defaults,
# so wapiti's requests reach a workshop instead of stopping at 404; optional fields typed as
# what they are (wapiti fills "X or null" with {}, which tests nothing); and the pages' own
# forms, which htmx posts (hx-post) and wapiti's crawler, running no script, would not see.
curl -fs "$BASE/openapi.json" | "$APP_PY" -c '
import json, sys
spec, code, project, strategy = json.load(sys.stdin), sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def plain(schema):
    """{"anyOf": [X, {"type": "null"}]} as X, all the way down."""
    if isinstance(schema, list):
        return [plain(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if len(options) == 1 and len(schema["anyOf"]) == 2:
        schema = {**{k: v for k, v in schema.items() if k != "anyOf"}, **options[0]}
    return {k: plain(v) for k, v in schema.items()}

spec = plain(spec)
for operations in spec["paths"].values():
    for operation in operations.values():
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "code":
                parameter["schema"]["default"] = code
            elif parameter["name"] in ("project_id", "into"):
                parameter["schema"]["default"] = project

def form(**fields):
    schema = {"type": "object", "properties": {
        name: {"type": "integer" if isinstance(value, int) else "string", "default": value}
        for name, value in fields.items()}}
    return {"post": {"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": schema}}},
                     "responses": {"200": {"description": "the page"}}}}

page = f"/w/{code}"
spec["paths"].update({
    f"{page}/join": form(name="ScanPerson", agency="Highways"),
    f"{page}/proposals": form(title="Bridge-Moo-5", description="Two-lanes", agency="Highways",
                              strategy_ids=strategy, client_request_id="scan-form"),
    f"{page}/facilitate/projects/{project}": form(title="Road-repair-Moo-3", description="Resurface",
                                                  agency="Highways", strategy_ids=strategy),
    f"{page}/facilitate/settings": form(title="Scan-workshop-A", description="Scan", dots_per_participant=5,
                                        max_dots_per_project=3),
    f"{page}/facilitate/links": form(name="Co-facilitator", role="co_facilitator"),
    f"{page}/facilitate/timer": form(action="start", minutes=5),
})
json.dump(spec, sys.stdout)' "$CODE_A" "$PROJECT_A" "$STRATEGY_A" >"$WORK/openapi.json"

# ---- wapiti: crawl from the console and the phone page, plus every API route; the facilitator's
# key as bearer and cookie, the participant's cookie beside it. Routes that would end the
# workshop for the rest of the scan (closing it, changing its phase) are left out. wapiti's
# --max-scan-time bounds only its crawl and --max-attack-time each module, so the attack budget
# is split among the modules. Left out: timesql (sqlmap's time-based tests do that better) and
# htaccess (an Apache file; there is none).
MODULES="sql,xss,permanentxss,exec,file,crlf,redirect,ssrf,csrf,http_headers,cookieflags,csp,methods,xxe,upload,backup"
MODULE_SECONDS=$((WAPITI_SECONDS / $(tr ',' '\n' <<<"$MODULES" | wc -l)))
if [[ " $TOOLS " == *" wapiti "* ]]; then
echo "== wapiti $WAPITI_VERSION, at most ${WAPITI_CRAWL_SECONDS}s crawling and ${MODULE_SECONDS}s per attack module"
set +e
timeout --kill-after=30 "$((WAPITI_CRAWL_SECONDS + WAPITI_SECONDS + 600))" "$SCAN_VENV/bin/wapiti" \
  -u "$BASE/" --scope folder \
  -s "$BASE/w/$CODE_A/facilitate" -s "$BASE/w/$CODE_A" -s "$BASE/w/$CODE_A/screen" -s "$BASE/w/$CODE_B" \
  --swagger "$WORK/openapi.json" \
  -H "Authorization: Bearer $FKEY_A" \
  -C "rk_f_$CODE_A=$FKEY_A; rk_p_$CODE_A=$COOKIE_A; rk_p_$CODE_B=$COOKIE_B; rk_s_$CODE_A=$SKEY_A" \
  -x "$BASE/w/$CODE_A/facilitate/phase" -x "$BASE/api/v1/workshops/$CODE_A/phase" \
  -x "$BASE/w/$CODE_A/facilitate/groups/phase" -x "$BASE/api/v1/workshops/$CODE_A/groups/phase" \
  -x "$BASE/lang/*" \
  -m "$MODULES" \
  --endpoint "http://127.0.0.1:9/" --dns-endpoint localhost \
  --max-scan-time "$WAPITI_CRAWL_SECONDS" --max-attack-time "$MODULE_SECONDS" -d 6 -t 10 --tasks 4 \
  --flush-session --store-session "$WORK/wapiti-session" --store-config "$WORK/wapiti-config" --no-bugreport \
  -f json -o "$REPORTS/wapiti/report.json" -v 1 >"$REPORTS/wapiti/wapiti.log" 2>&1
echo "   wapiti exit $?"
set -e
fi

# ---- sqlmap: each parameterised endpoint on its own, bounded; '*' marks an injection point.
# It edits the other project of A: wapiti may have hidden the first one (DELETE is in its list).
# The payloads are SQLite's, the database this server runs on (MySQL's or Oracle's cannot work).
run_sqlmap() {  # name, then sqlmap arguments
  local name="$1"; shift
  echo "== sqlmap: $name"
  set +e
  timeout --kill-after=10 "$SQLMAP_SECONDS" "$SCAN_VENV/bin/sqlmap" --batch --disable-coloring --dbms SQLite \
    --level 3 --risk 2 --technique BEUST --ignore-code 401 --time-sec 2 --timeout 10 --retries 1 --threads 2 \
    --flush-session --output-dir "$REPORTS/sqlmap/$name" -H "Origin: $BASE" "$@" \
    >"$REPORTS/sqlmap/$name.log" 2>&1
  echo "   sqlmap exit $?"
  set -e
}
if [[ " $TOOLS " == *" sqlmap "* ]]; then
PHONE_A="rk_p_$CODE_A=$COOKIE_A"
run_sqlmap join-form -u "$BASE/w/$CODE_A/join" --data "name=Scan%20Person&agency=Highways"
run_sqlmap proposal-form -u "$BASE/w/$CODE_A/proposals" --cookie "$PHONE_A" \
  --data "title=Bridge%20in%20Moo%205&description=Two%20lanes&agency=Highways&strategy_ids=$STRATEGY_A&client_request_id=scan1"
run_sqlmap search -u "$BASE/w/$CODE_A/list?q=road&offset=0" --cookie "$PHONE_A"
run_sqlmap join-code -u "$BASE/api/v1/workshops/${CODE_A}*" -p code
run_sqlmap api-project-patch -u "$BASE/api/v1/workshops/$CODE_A/projects/$OTHER_PROJECT_A" --method PATCH \
  -H "Authorization: Bearer $FKEY_A" -H "Content-Type: application/json" \
  --data "{\"title\": \"Road repair in Moo 3\", \"description\": \"Resurface\", \"agency\": \"Highways\"}"
run_sqlmap api-join -u "$BASE/api/v1/workshops/$CODE_A/participants" \
  -H "Content-Type: application/json" --data '{"name": "Scan Person", "agency": "Irrigation"}'
run_sqlmap api-vote-put -u "$BASE/api/v1/workshops/$CODE_B/votes/${PROJECT_B}*" --method PUT \
  -H "Authorization: Bearer $TOKEN_B" -H "Content-Type: application/json" --data '{"dots": 1}'
fi

# ---- the summary: every wapiti finding by category and level, every sqlmap injection.
"$APP_PY" - "$REPORTS" <<'PY' | tee "$REPORTS/summary.txt"
import json, pathlib, re, sys
reports = pathlib.Path(sys.argv[1])
levels = {4: "critical", 3: "high", 2: "medium", 1: "low", 0: "info"}
high = 0
wapiti = reports / "wapiti" / "report.json"
print("\n== summary")
if wapiti.exists():
    report = json.loads(wapiti.read_text())
    info = report.get("infos", {})
    print(f"wapiti {info.get('version', '')}: {info.get('crawled_pages_nbr', '?')} pages crawled")
    for section in ("vulnerabilities", "anomalies", "additionals"):
        for category, findings in report.get(section, {}).items():
            if section == "additionals" and findings:  # information only: how many, not each
                print(f"  {section:<15} {'info':<8} {category}: {len(findings)} URLs")
                continue
            for finding in findings:
                level = finding.get("level", 0)
                high += section == "vulnerabilities" and level >= 3
                where = f"{finding.get('method', '')} {finding.get('path', '')}".strip()
                param = f" [{finding['parameter']}]" if finding.get("parameter") else ""
                print(f"  {section:<15} {levels.get(level, level):<8} {category}: {where}{param}")
    if not any(report.get(s) and any(report[s].values()) for s in ("vulnerabilities", "anomalies", "additionals")):
        print("  no findings")
elif (reports / "wapiti" / "wapiti.log").exists():
    print("wapiti: no report (see scan-reports/wapiti/wapiti.log)")
    high += 1
for log in sorted((reports / "sqlmap").glob("*.log")):
    text = log.read_text(errors="replace")
    # "appears to be ... injectable" is a guess that sqlmap's own false-positive check may drop;
    # only the injection points it identifies in the end count.
    guesses = re.findall(r"parameter '([^']+)' appears to be '([^']+)' injectable", text)
    if "sqlmap identified the following injection point" in text:
        high += 1
        print(f"sqlmap {log.stem}: INJECTABLE {guesses}")
    elif "do not appear to be injectable" in text:
        dropped = f" ({len(guesses)} guess(es) dropped by sqlmap as false positives: {guesses})" if guesses else ""
        print(f"sqlmap {log.stem}: no injection found{dropped}")
    else:
        tail = [line for line in text.splitlines() if "[CRITICAL]" in line or line.startswith("[")][-1:]
        print(f"sqlmap {log.stem}: stopped before the end ({tail[0][:120] if tail else 'no output'})")
print(f"high-severity findings: {high}")
sys.exit(1 if high else 0)
PY
