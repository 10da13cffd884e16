"""Web peak: the public paths under 32 connections, against the same run's static-file floor.

    make bench-web                       # DURATION=10 seconds per path; SIGNATURES=1000000

The compose file's web command (gunicorn, WEB_CONCURRENCY=3 as compose ships it) serves a
scratch PostgreSQL database (calexit_bench_web) and Redis database (BENCH_REDIS_URL, default
redis://127.0.0.1:6379/11) in production mode: DEBUG off, SITE_URL https://petition.bench,
TRUSTED_PROXIES 127.0.0.1. wrk plays the TLS proxy on loopback: every request says
`X-Forwarded-Proto: https` and `Host: petition.bench`, so the HTTPS redirect, HSTS, secure
cookies and CSRF's origin check run as they do behind nginx.

Measured, each for DURATION seconds after 2 seconds of warm-up, with 32 connections: a static
file (whitenoise: the floor), the sign form, a signature POSTed (a valid form with one CSRF
cookie and token pair taken by one GET, a new name, email and client address per request;
accepted is a 302), the counts API (200, and 304 with If-None-Match), the petition page and
/healthz; the API and the petition page again once the database holds SIGNATURES signatures
and 1.5 M counting runs. Reported: requests/s, p50/p99 latency, errors, and each rate as a
share of the static floor. Checked: every accepted POST is a row, no row twice (every POST
written is a row: the 302s wrk read, and the one in flight on each connection when wrk stopped,
which the server saved but wrk never read). Timed: a recount (tallies_recount) of the
SIGNATURES signatures.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.scratch import (
    ROOT,
    RedisClaim,
    ScratchDatabase,
    child_env,
    code_state,
    exit_cleanly_on_sigterm,
    machine,
    manage,
)

HOST = "petition.bench"
SITE = f"https://{HOST}"
SIGN_PATH = "/p/calexit/sign/"
API_PATH = "/api/petitions/calexit.json"
PAGE_PATH = "/p/calexit/"
#: What each path must reach (requests/s), from issue 12.
TARGETS = {"sign form": 1000, "sign POST": 300, "counts API": 1500, "petition page": 1000}
P99_POST_MS = 250

# Every request: what nginx in front would send.
COMMON_LUA = r"""
counts = {}  -- a global: done() reads each thread's with thread:get
sent = 0  -- requests written (a POST script counts them; a GET script leaves 0)
local threads = {}
local thread_number = 0

function setup(thread)
  thread_number = thread_number + 1
  thread:set("tid", thread_number)
  table.insert(threads, thread)
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local statuses = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("counts")) do
      statuses[status] = (statuses[status] or 0) + n
    end
  end
  local requests_sent = 0
  for _, thread in ipairs(threads) do
    requests_sent = requests_sent + (thread:get("sent") or 0)
  end
  local parts = {}
  for status, n in pairs(statuses) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"socket_errors": %d, "sent": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, requests_sent, table.concat(parts, ", ")))
end
"""

GET_LUA = r"""
wrk.headers["Host"] = "{host}"
wrk.headers["X-Forwarded-Proto"] = "https"
wrk.headers["X-Forwarded-For"] = "198.51.100.7"
{extra}
"""

# A new signer per request: letters-only names (the form allows letters), a unique email and client
# address; the CSRF cookie and token pair of one GET, as a browser that loaded the form would send.
POST_LUA = r"""
local run, cookie, token = "{run}", "{cookie}", "{token}"
local counter = 0

local function letters(n)
  local out = ""
  repeat
    out = string.char(97 + n % 26) .. out
    n = math.floor(n / 26)
  until n == 0
  return out
end

function request()
  counter = counter + 1
  sent = sent + 1
  local tid = tid or 1
  local body = "csrfmiddlewaretoken=" .. token ..
    "&first_name=Bench" .. letters(tid) ..
    "&middle_name=&last_name=Signer" .. letters(counter) .. "x" .. run ..
    "&suffix=&address=1200+J+St&unit=&city=Sacramento&zip=95814&county=34" ..
    "&email=bench-" .. run .. "-" .. tid .. "-" .. counter .. "%40example.com&dob=&attest=on"
  local headers = {{
    ["Host"] = "{host}",
    ["X-Forwarded-Proto"] = "https",
    ["X-Forwarded-For"] = "10." .. tid .. "." .. (math.floor(counter / 256) % 256) .. "." .. (counter % 256),
    ["Origin"] = "{site}",
    ["Referer"] = "{site}{path}",
    ["Cookie"] = "csrftoken=" .. cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }}
  return wrk.format("POST", "{path}", headers, body)
end
"""


@dataclass
class Result:
    name: str
    path: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    socket_errors: int
    statuses: dict[str, int] = field(default_factory=dict)
    #: Requests written (POST only): those beyond the answered were in flight when wrk stopped.
    sent: int = 0
    expected: int = 200

    @property
    def rate(self) -> float:
        """Answers of the expected status per second."""
        return self.statuses.get(str(self.expected), 0) / self.seconds

    @property
    def errors(self) -> int:
        """Socket errors and answers of any other status."""
        return self.socket_errors + sum(n for status, n in self.statuses.items() if status != str(self.expected))


def _wrk(
    url: str, script: str, *, seconds: int, connections: int, threads: int, name: str, path: str, expected: int = 200
) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script + COMMON_LUA)
    try:
        done = subprocess.run(
            [
                "wrk",
                "-t",
                str(threads),
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",
                "-s",
                handle.name,
                url + path,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        Path(handle.name).unlink()
    out = done.stdout
    if done.returncode:
        raise RuntimeError(f"wrk exited with {done.returncode}:\n{out}\n{done.stderr}")
    found = re.search(r"^WRKJSON (.*)$", out, flags=re.MULTILINE)
    if not found:
        raise RuntimeError(f"wrk printed no summary:\n{out}")
    data = json.loads(found.group(1))
    return Result(
        name=name,
        path=path,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        socket_errors=data["socket_errors"],
        # wrk calls the first thread's request() once to check the script (script_verify_request) and
        # never sends that request: the rows lack each run's counter 1.
        sent=max(data["sent"] - 1, 0),
        statuses=data["statuses"],
        expected=expected,
    )


def _get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers={"Host": HOST, "X-Forwarded-Proto": "https", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


# 1 M signatures in one INSERT: online signatures in every county and status, some filed
# (a returned wet-ink form), as a campaign has them; other NOT NULL columns get their type's zero.
SIGNATURES_SQL = """
INSERT INTO petitions_signature ({columns})
SELECT {values}
FROM generate_series(1, %s) AS n
"""
SIGNATURE_VALUES = {
    "petition_id": "(SELECT id FROM petitions_petition WHERE slug = 'calexit')",
    "channel": "'online'",
    "county_id": "lpad((1 + n %% 58)::text, 2, '0')",
    "first_name": "'Bench'",
    "last_name": "'Signer' || n",
    "address": "n || ' Main St'",
    "city": "'Sacramento'",
    "zip": "'95814'",
    "email": "'bench' || n || '@example.com'",
    "status": "(ARRAY['valid','valid','valid','valid','valid','valid','invalid','pending','review','valid'])"
    "[1 + n %% 10]",
    "reason": "CASE WHEN n %% 10 = 6 THEN 'not_registered' ELSE '' END",
    "created_at": "now() - (n %% 100000) * interval '1 minute'",
    "updated_at": "now()",
    "wet_ink_received_at": "CASE WHEN n %% 3 = 0 THEN now() END",
    "match_candidates": "'[]'::jsonb",
}
ZERO = {
    "character varying": "''",
    "text": "''",
    "integer": "0",
    "smallint": "0",
    "bigint": "0",
    "boolean": "false",
    "jsonb": "'[]'::jsonb",
    "timestamp with time zone": "now()",
    "double precision": "0",
}

COUNTING_RUNS_SQL = """
INSERT INTO petitions_countingrun (kind, started_at, finished_at, changes_applied, drift)
SELECT 'count', now() - n * interval '10 seconds' - interval '1 second', now() - n * interval '10 seconds',
       1 + n %% 50, '[]'::jsonb
FROM generate_series(1, %s) AS n
"""


def _load_signatures(database: ScratchDatabase, n: int) -> float:
    """Insert `n` signatures; returns the seconds it took."""
    required = database.query(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'petitions_signature'"
        " AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'"
    )
    values = dict(SIGNATURE_VALUES)
    for column, data_type in required:
        values.setdefault(column, ZERO[data_type])
    started = time.monotonic()
    database.query(SIGNATURES_SQL.format(columns=", ".join(values), values=", ".join(values.values())), (n,))
    return time.monotonic() - started


RECOUNT = """
import time
from petitions.services.tallies import tallies_recount
for _ in range(2):
    began = time.perf_counter()
    run = tallies_recount()
    print("RECOUNT", round(time.perf_counter() - began, 2), len(run.drift))
"""


def _table(results: list[Result], floor: float) -> str:
    lines = [
        "| path | requests/s | share of the static floor | p50 ms | p99 ms | errors | target |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in results:
        target = TARGETS.get(result.name.split(" (")[0])
        verdict = ""
        if target:
            met = result.rate >= target and (result.name != "sign POST" or result.p99_ms <= P99_POST_MS)
            verdict = f">= {target:,}/s{' p99 <= 250 ms' if result.name == 'sign POST' else ''}: " + (
                "met" if met else "NOT met"
            )
        lines.append(
            f"| {result.name} | {result.rate:,.0f} | {result.rate / floor:.2f} | {result.p50_ms:.1f} | "
            f"{result.p99_ms:.1f} | {result.errors} | {verdict} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per path (after 2 s of warm-up)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--signatures", type=int, default=1_000_000)
    parser.add_argument("--counting-runs", type=int, default=1_500_000)
    parser.add_argument("--workers", type=int, default=3, help="WEB_CONCURRENCY (compose ships 3)")
    parser.add_argument("--gunicorn", default="", help="extra gunicorn options, e.g. '--worker-class sync'")
    parser.add_argument("--only", default="", help="comma-separated names of the paths to measure (trials)")
    args = parser.parse_args(argv)
    exit_cleanly_on_sigterm()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (make bench-web installs it: apt-get install -y wrk)")
    import os

    out = ROOT / "bench-out"
    out.mkdir(exist_ok=True)
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
    claim = RedisClaim(redis_url, "bench-web")
    claim.acquire()
    database = ScratchDatabase("calexit_bench_web")
    server = None
    try:
        database.create()
        from tests.compose import free_port, native_command

        port = free_port()
        env = child_env(
            database.url,
            redis_url,
            ALLOWED_HOSTS=f"127.0.0.1,{HOST}",
            SITE_URL=SITE,
            INSECURE_LOCAL_HTTP="0",
            TRUSTED_PROXIES="127.0.0.1",
            WEB_CONCURRENCY=str(args.workers),
            STATIC_ROOT=str(out / "web-static"),
            LOG_LEVEL="WARNING",
        )
        env.pop("SIGN_RATE_LIMIT")  # the limits as shipped: each signer comes from an address of their own
        manage("collectstatic", "--noinput", env=env)  # as the image does at build time
        manage("migrate", "--noinput", env=env)
        command = native_command(
            "web", replace={"--bind": f"127.0.0.1:{port}", "--access-logfile": "/dev/null"}, extra=args.gunicorn.split()
        )
        log = open(out / "web-gunicorn.log", "w")  # noqa: SIM115 - the server's log while it runs
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                if _get(base + "/healthz", {})[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {out / 'web-gunicorn.log'}")
            time.sleep(0.2)
        status, headers, page = _get(base + SIGN_PATH, {})
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        cookie = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", ""))
        if status != 200 or not token or not cookie:
            raise RuntimeError(f"the sign form gave no CSRF token and cookie (status {status})")
        status, _, page = _get(base + PAGE_PATH, {})
        static = re.search(r'href="(/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]+\.css)"', page)
        if status != 200 or not static:
            raise RuntimeError(f"the petition page links no hashed stylesheet (status {status})")

        only = set(filter(None, args.only.split(",")))
        results: list[Result] = []
        posted = {"accepted": 0, "sent": 0, "answered": 0}

        def measure(name: str, path: str, script: str, expected: int = 200) -> None:
            if only and name.split(" (")[0] not in only and name not in only:
                return
            options = {"connections": args.connections, "threads": args.wrk_threads, "name": name, "path": path}
            warm = _wrk(
                base,
                script.replace("{run}", "w") if "{run}" in script else script,
                seconds=2,
                expected=expected,
                **options,
            )
            result = _wrk(
                base,
                script.replace("{run}", "m") if "{run}" in script else script,
                seconds=args.duration,
                expected=expected,
                **options,
            )
            if name == "sign POST":
                posted["accepted"] += warm.statuses.get("302", 0) + result.statuses.get("302", 0)
                posted["sent"] += warm.sent + result.sent
                posted["answered"] += sum(warm.statuses.values()) + sum(result.statuses.values())
            results.append(result)
            print(
                f"  {name}: {result.rate:,.0f}/s p50 {result.p50_ms:.1f} ms p99 {result.p99_ms:.1f} ms "
                f"errors {result.errors} {result.statuses}",
                flush=True,
            )

        def get_script(extra: str = "") -> str:
            return GET_LUA.format(host=HOST, extra=extra)

        def etag_script() -> str:
            etag = _get(base + API_PATH, {})[1]["ETag"]
            return get_script(f"wrk.headers[\"If-None-Match\"] = '{etag}'")

        post_script = POST_LUA.format(
            host=HOST, site=SITE, path=SIGN_PATH, cookie=cookie.group(1), token=token.group(1), run="{run}"
        )
        print(f"gunicorn: {' '.join(command[2:])} (WEB_CONCURRENCY={args.workers})", flush=True)
        measure("static file", static.group(1), get_script())
        floor = results[0].rate if results else 1.0
        measure("sign form", SIGN_PATH, get_script())
        measure("sign POST", SIGN_PATH, post_script, expected=302)
        measure("counts API (0 signatures)", API_PATH, get_script())
        measure("counts API, 304 (0 signatures)", API_PATH, etag_script(), expected=304)
        measure("petition page (0 signatures)", PAGE_PATH, get_script())
        measure("healthz", "/healthz", get_script())

        # The POSTs cut off by wrk's stop wait in the server's queue: count once the count stops moving.
        counted = None
        for _ in range(40):
            now_counted = database.query(
                "SELECT count(*), count(DISTINCT email) FROM petitions_signature WHERE email LIKE 'bench-%%'"
            )[0]
            if now_counted == counted:
                break
            counted = now_counted
            time.sleep(0.5)
        rows, distinct = now_counted
        # wrk stops with a POST in flight on each connection: the server saves it, wrk never reads its 302.
        # So every POST written is a row (answered 302s + those cut off), none twice, and no other answer.
        cut_off = posted["sent"] - posted["answered"]
        lost_or_doubled = (
            rows != posted["sent"] or distinct != rows or posted["accepted"] != posted["answered"] or not rows
        )
        print(
            f"POSTs written: {posted['sent']} ({posted['accepted']} answered 302, {cut_off} in flight when wrk "
            f"stopped), rows: {rows}, distinct emails: {distinct}",
            flush=True,
        )

        recount_seconds: list[float] = []
        if args.signatures:
            print(f"loading {args.signatures:,} signatures and {args.counting_runs:,} counting runs ...", flush=True)
            load_seconds = _load_signatures(database, args.signatures)
            database.query(COUNTING_RUNS_SQL, (args.counting_runs,))
            database.query("VACUUM ANALYZE petitions_signature")
            database.query("VACUUM ANALYZE petitions_countingrun")
            printed = manage("shell", "-c", RECOUNT, env=env).stdout
            recount_seconds = [float(seconds) for seconds, _ in re.findall(r"^RECOUNT (\S+) (\d+)$", printed, re.M)]
            print(f"  inserted in {load_seconds:.0f} s; recount: {recount_seconds} s", flush=True)
            label = f"{args.signatures / 1e6:g} M signatures"
            measure(f"counts API ({label})", API_PATH, get_script())
            measure(f"counts API, 304 ({label})", API_PATH, etag_script(), expected=304)
            measure(f"petition page ({label})", PAGE_PATH, get_script())

        table = _table(results, floor)
        print()
        print(table)
        print()
        print(
            f"recount (tallies_recount) of {args.signatures:,} signatures: "
            f"{' s, '.join(map(str, recount_seconds))} s (target < 10 s)"
        )
        print(
            f"every accepted POST a row, none twice: {'yes' if not lost_or_doubled else 'NO'} "
            f"({posted['accepted']} answered 302 + {cut_off} in flight when wrk stopped = {posted['sent']} written; "
            f"{rows} rows, {distinct} distinct)"
        )
        report = {
            "code": code_state(),
            "machine": machine(),
            "gunicorn": command[2:],
            "web_concurrency": args.workers,
            "connections": args.connections,
            "duration_s": args.duration,
            "results": [
                {**vars(r), "rate": round(r.rate, 1), "share_of_floor": round(r.rate / floor, 3), "errors": r.errors}
                for r in results
            ],
            "posts_accepted": posted["accepted"],
            "posts_sent": posted["sent"],
            "post_rows": rows,
            "post_rows_distinct": distinct,
            "recount_seconds": recount_seconds,
            "signatures": args.signatures,
            "counting_runs": args.counting_runs,
        }
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        (out / f"web-{stamp}.json").write_text(json.dumps(report, indent=2))
        print(f"JSON in {out / f'web-{stamp}.json'}")
        return 1 if lost_or_doubled else 0
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        database.drop()
        claim.release()


if __name__ == "__main__":
    sys.exit(main())
