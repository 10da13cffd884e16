"""Mail intake under ten volunteers scanning at once.

    make bench-intake                      # FORMS=2000 VOLUNTEERS=10 by default

A scratch PostgreSQL database gets FORMS confirmed online signatures (pledges);
the compose file's web command (gunicorn, WEB_CONCURRENCY=3 as compose ships it)
serves the site on a loopback port; VOLUNTEERS threads each sign in as their own
volunteer and scan their share of the codes as a USB scanner does: the POST of
the code and the page it redirects to, one scan after the other. One scan in
ten repeats a code already received (a form scanned twice). Reported: scans per
second and the latency of a scan (POST and redirected GET) at p50/p95/p99,
then checked against the database: every form received exactly once.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import json
import random
import re
import socket
import statistics
import subprocess
import threading
import time
import urllib.parse
import urllib.request

from bench.scratch import ROOT, ScratchDatabase, child_env, exit_cleanly_on_sigterm, manage

PASSWORD = "bench-intake-password"
SETUP = """
from django.contrib.auth.models import User
from petitions.codes import form_code
from petitions.models import Petition, Signature
from petitions.services.roles import roles_ensure

volunteer = roles_ensure()["Volunteer"]
for n in range({volunteers}):
    user = User.objects.create_user(f"volunteer{{n}}", password="{password}")
    user.groups.add(volunteer)
petition = Petition.objects.get(slug="calexit")
rows = [Signature(petition=petition, channel="online", status="valid", county_id=f"{{1 + n % 58:02d}}",
                  first_name="Bench", last_name=f"Signer{{n}}", address=f"{{n}} Main St", city="Sacramento",
                  email=f"bench{{n}}@example.com", confirm_nonce="0" * 32) for n in range({forms})]
print("\\n".join(form_code(s.pk) for s in Signature.objects.bulk_create(rows, batch_size=1000)))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Volunteer:
    """A browser-like client: cookies, the CSRF token of the last page, redirects followed."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.token = ""

    def get(self, path: str) -> str:
        return self._read(self.opener.open(self.base + path, timeout=30))

    def post(self, path: str, fields: dict[str, str]) -> str:
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": self.token, **fields}).encode()
        request = urllib.request.Request(self.base + path, data=data, headers={"Referer": self.base + path})
        return self._read(self.opener.open(request, timeout=30))

    def _read(self, response) -> str:
        page = response.read().decode()
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        self.token = found.group(1) if found else self.token
        return page

    def sign_in(self, username: str) -> None:
        self.get("/accounts/login/")
        page = self.post(
            "/accounts/login/?next=/dashboard/intake/",
            {"username": username, "password": PASSWORD, "next": "/dashboard/intake/"},
        )
        if 'name="code"' not in page:
            raise RuntimeError(f"{username} could not sign in")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=2000)
    parser.add_argument("--volunteers", type=int, default=10)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (compose ships 3)")
    args = parser.parse_args(argv)
    exit_cleanly_on_sigterm()
    out = ROOT / "bench-out"
    out.mkdir(exist_ok=True)

    database = ScratchDatabase("calexit_bench_intake")
    database.create()
    server = None
    try:
        port = _free_port()
        env = child_env(
            database.url,
            ALLOWED_HOSTS="127.0.0.1",
            WEB_CONCURRENCY=str(args.workers),
            SITE_URL=f"http://127.0.0.1:{port}",
            STATIC_ROOT=str(out / "intake-static"),
        )
        manage("collectstatic", "--noinput", env=env)  # as the image does at build time
        manage("migrate", "--noinput", env=env)
        printed = manage(
            "shell", "-c", SETUP.format(volunteers=args.volunteers, password=PASSWORD, forms=args.forms), env=env
        ).stdout
        codes = re.findall(r"^F\d{9,}$", printed, flags=re.MULTILINE)
        from tests.compose import native_command

        command = native_command("web", replace={"--bind": f"127.0.0.1:{port}", "--access-logfile": "/dev/null"})
        log = open(out / "intake-gunicorn.log", "w")  # noqa: SIM115 - the server's log while it runs
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)

        random.seed(2026)
        shares = [codes[n :: args.volunteers] for n in range(args.volunteers)]
        latencies: list[float] = []
        outcomes: list[str] = []
        errors: list[str] = []
        start = threading.Barrier(args.volunteers + 1)

        def volunteer(number: int) -> None:
            client = Volunteer(base)
            try:
                client.sign_in(f"volunteer{number}")
                scans = [
                    code for code in shares[number] for code in ([code, code] if random.random() < 0.1 else [code])
                ]
                start.wait()
                for code in scans:
                    began = time.perf_counter()
                    page = client.post("/dashboard/intake/", {"code": code})
                    latencies.append(time.perf_counter() - began)
                    outcome = re.search(r'data-outcome="(\w+)"', page)
                    assert outcome is not None, "the intake page says no outcome"  # reported below, the run fails
                    outcomes.append(outcome.group(1))
            except Exception as exc:  # noqa: BLE001 - reported below, the run fails
                errors.append(f"volunteer{number}: {exc!r}")
                start.abort()

        threads = [threading.Thread(target=volunteer, args=(n,)) for n in range(args.volunteers)]
        for thread in threads:
            thread.start()
        with contextlib.suppress(threading.BrokenBarrierError):  # a volunteer could not start: reported below
            start.wait()
        began = time.monotonic()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - began
        if errors:
            raise RuntimeError("; ".join(errors))

        received, audited = database.query(
            "SELECT (SELECT count(*) FROM petitions_signature WHERE wet_ink_received_at IS NOT NULL),"
            " (SELECT count(*) FROM petitions_auditlog WHERE action = 'form.receive')"
        )[0]
        result = {
            "forms": len(codes),
            "volunteers": args.volunteers,
            "gunicorn_workers": args.workers,
            "scans": len(latencies),
            "seconds": round(seconds, 2),
            "scans_per_second": round(len(latencies) / seconds, 1),
            "latency_ms": {
                "p50": round(1000 * statistics.median(latencies), 1),
                "p95": round(1000 * _percentile(latencies, 0.95), 1),
                "p99": round(1000 * _percentile(latencies, 0.99), 1),
            },
            "outcomes": {name: outcomes.count(name) for name in sorted(set(outcomes))},
            "received_in_database": received,
            "audit_rows": audited,
        }
        print(json.dumps(result, indent=2))
        (out / "intake.json").write_text(json.dumps(result, indent=2))
        if received != len(codes) or audited != len(codes) or result["outcomes"].get("received") != len(codes):
            print("FAILED: every form must be received exactly once")
            return 1
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        database.drop()


if __name__ == "__main__":
    raise SystemExit(main())
