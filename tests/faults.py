"""The production shape on services of the test's own, to break them on purpose (tests/test_faults.py).

A private PostgreSQL cluster and Redis server (the shared ones must keep running for the other
tests), a fake SMTP server that can accept, refuse or stall, and the compose file's commands run
natively: gunicorn, every Celery worker, beat. Like compose's `restart: unless-stopped`, a
supervisor starts again any of them that exits, unless the test stopped it.
"""

from __future__ import annotations

import contextlib
import email
import glob
import os
import pwd
import re
import select
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import redis
from celery import Celery

from tests.compose import ROOT, free_port, native_command, worker_services
from tests.factories import SIGN_FORM

SIGN_PATH = "/p/calexit/sign/"


def wait_until(condition: Callable[[], object], *, timeout: float, what: str, interval: float = 0.2) -> object:
    """Poll until condition() is truthy; a failure says what never happened (the timeout only ends a hung test)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# --- PostgreSQL and Redis of the test's own ---------------------------------------------


class PrivatePostgres:
    """A throw-away cluster (initdb) on a free port, run as the postgres user when the tests run as root."""

    def __init__(self, root: Path):
        self.root = root
        self.bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))[-1])
        self.data = root / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/calexit"

    def _run(self, *command: str, timeout: float = 120) -> None:
        if os.geteuid() == 0:
            command = ("runuser", "-u", "postgres", "--", *command)
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)

    def init(self) -> None:
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            os.chown(self.root, postgres.pw_uid, postgres.pw_gid)
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        self.execute("CREATE DATABASE calexit", database="postgres")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "postgres.log"),
                  "-o", options, "-w", "-t", "60", "start")  # fmt: skip

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def execute(self, sql: str, params: tuple = (), *, database: str = "calexit") -> list[tuple]:
        """One statement on a connection of its own (autocommit); the rows it returns."""
        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()

    def answers(self) -> bool:
        try:
            self.execute("SELECT 1")
        except psycopg2.OperationalError:
            return False
        return True

    def connect(self):
        return psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="calexit")


class PrivateRedis:
    def __init__(self, root: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = root / "redis.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        with self.log.open("a") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_until(self.answers, timeout=20, what="Redis to answer")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2)

    def answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False


# --- A fake SMTP server ----------------------------------------------------------------


@dataclass
class Delivered:
    recipients: list[str]
    subject: str
    body: str


class FakeSMTP:
    """Plain SMTP on a free port. `mode`: "accept" delivers; "refuse" answers 421 to every
    connection; "stall" takes the message but holds its reply until the mode changes, and drops
    it if the client goes away first (a client killed mid-send: the server never said 250)."""

    def __init__(self):
        self.mode = "accept"
        self.delivered: list[Delivered] = []
        self.connections = 0
        self.refused = 0
        self.stalled = 0  # messages held right now
        self.lock = threading.Lock()
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                outer._converse(self)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def to(self, address: str, *, subject: str = "Confirm your signature") -> list[Delivered]:
        """The messages delivered to `address` whose subject starts with `subject`."""
        with self.lock:
            return [m for m in self.delivered if address in m.recipients and m.subject.startswith(subject)]

    def _converse(self, handler: socketserver.StreamRequestHandler) -> None:
        with self.lock:
            self.connections += 1
        reply = handler.wfile.write
        if self.mode == "refuse":
            with self.lock:
                self.refused += 1
            reply(b"421 fake.smtp Service not available, try again later\r\n")
            return
        reply(b"220 fake.smtp ESMTP\r\n")
        recipients: list[str] = []
        while line := handler.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                reply(b"250 fake.smtp\r\n")
            elif verb == b"MAIL":
                recipients = []
                reply(b"250 OK\r\n")
            elif verb == b"RCPT":
                recipients.append(line.split(b"<", 1)[1].split(b">", 1)[0].decode())
                reply(b"250 OK\r\n")
            elif verb == b"DATA":
                reply(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                data = b"".join(iter(handler.rfile.readline, b".\r\n"))
                if self.mode == "stall" and not self._held(handler):
                    return  # the client went away before the server said 250: not delivered
                message = email.message_from_bytes(data.replace(b"\r\n..", b"\r\n."))
                body = bytes(message.get_payload(decode=True)).decode()
                with self.lock:
                    self.delivered.append(Delivered(recipients, str(message["Subject"]), body))
                reply(b"250 OK queued\r\n")
            elif verb == b"QUIT":
                reply(b"221 Bye\r\n")
                return
            else:  # RSET, NOOP
                reply(b"250 OK\r\n")

    def _held(self, handler: socketserver.StreamRequestHandler) -> bool:
        """Hold the reply while stalling; False when the client hung up meanwhile."""
        with self.lock:
            self.stalled += 1
        try:
            while self.mode == "stall":
                readable, _, _ = select.select([handler.connection], [], [], 0.1)
                if readable and not handler.connection.recv(1, socket.MSG_PEEK):
                    return False
            return True
        finally:
            with self.lock:
                self.stalled -= 1


# --- The application's processes --------------------------------------------------------


@dataclass
class Process:
    name: str
    command: list[str]
    log: Path
    popen: subprocess.Popen | None = None
    held: bool = False  # stopped by the test: the supervisor leaves it down
    starts: int = 0


@dataclass
class Stack:
    """gunicorn, the Celery workers and beat as compose runs them, on the private services."""

    root: Path
    postgres: PrivatePostgres
    redis: PrivateRedis
    smtp: FakeSMTP
    env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)
    web_port: int = 0
    _stopping: bool = False

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def start(self) -> None:
        from tests.compose import production_env

        self.web_port = free_port()
        self.env = production_env(
            self.root / "static",
            DATABASE_URL=self.postgres.url,
            REDIS_URL=self.redis.url,
            SITE_URL=f"http://127.0.0.1:{self.web_port}",
            CONN_MAX_AGE="60",  # as compose: persistent connections, checked before each request
            WEB_CONCURRENCY="3",
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(self.smtp.port),
            EMAIL_USE_TLS="0",
            EMAIL_TIMEOUT="60",  # longer than a stalled send lasts in the tests
            SIGN_RATE_LIMIT="off",
            SIGN_EMAIL_RATE_LIMIT="off",
            CONFIRMATION_EMAIL_LIMIT="off",
            COUNT_INTERVAL="1",
            SWEEP_INTERVAL="1",
            SWEEP_GRACE="2",
            EMAIL_SEND_LEASE="15",  # long enough for PostgreSQL to stop and start within one send's lease
            EMAIL_RETRY_BASE="2",
            EMAIL_RETRY_MAX="4",
        )
        migrate = self.manage("migrate", "--noinput")
        if migrate.returncode != 0:
            raise RuntimeError(f"migrate failed:\n{migrate.stderr}")
        logs = self.root / "logs"
        logs.mkdir(exist_ok=True)
        commands = {"web": native_command("web", replace={"--bind": f"127.0.0.1:{self.web_port}"})}
        for service in worker_services():
            commands[service] = native_command(service, extra=["--hostname", f"{service}@faults"])
        commands["beat"] = native_command("beat", replace={"--schedule": str(self.root / "beat-schedule")})
        for name, command in commands.items():
            self.processes[name] = Process(name, command, logs / f"{name}.log")
            self._spawn(self.processes[name])
        threading.Thread(target=self._supervise, daemon=True).start()
        wait_until(self.web_answers, timeout=60, what="gunicorn to answer /healthz")
        self.wait_for_workers()

    def _spawn(self, process: Process) -> None:
        with process.log.open("a") as log:
            process.popen = subprocess.Popen(
                process.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        process.starts += 1

    def _supervise(self) -> None:
        """compose's `restart: unless-stopped`."""
        while not self._stopping:
            for process in self.processes.values():
                if not process.held and process.popen is not None and process.popen.poll() is not None:
                    with process.log.open("a") as log:
                        log.write(f"\n== supervisor: exited with {process.popen.returncode}, starting again\n")
                    self._spawn(process)
            time.sleep(0.2)

    def kill(self, name: str, *, hold: bool = False) -> None:
        """SIGKILL a service's whole process group (a Celery worker's pool with it), as `docker kill`
        would. The supervisor starts it again, unless `hold` (then `release` does)."""
        process = self.processes[name]
        assert process.popen is not None
        process.held = hold
        os.killpg(process.popen.pid, signal.SIGKILL)
        process.popen.wait()

    def release(self, name: str) -> None:
        self.processes[name].held = False

    def stop(self) -> None:
        self._stopping = True
        for process in self.processes.values():
            if process.popen is not None and process.popen.poll() is None:
                os.killpg(process.popen.pid, signal.SIGTERM)
        for process in self.processes.values():
            if process.popen is not None:
                try:
                    process.popen.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.popen.pid, signal.SIGKILL)
                    process.popen.wait()

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        """`manage.py <args>` in the services' environment."""
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def web_answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base}/healthz", timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    def wait_for_workers(self, *, timeout: float = 90) -> None:
        names = {f"{service}@faults" for service in worker_services()}
        control = Celery(broker=self.redis.url).control

        def all_answer() -> bool:
            try:
                return names <= {node for reply in control.ping(timeout=1.0) for node in reply}
            except Exception:  # noqa: BLE001 - the broker is still coming back
                return False

        wait_until(all_answer, timeout=timeout, what=f"the workers {sorted(names)} to answer")

    def run_task(self, name: str, *, timeout: float = 60) -> object:
        """Send `petitions.tasks.<name>` through the broker (routed as in production) and wait for its result."""
        from calexit.celery import app

        route = app.amqp.router.route({}, f"petitions.tasks.{name}")["queue"].name
        client = Celery(broker=self.redis.url, backend=None)
        result_key = f"faults-result-{time.monotonic_ns()}"
        client.send_task(f"petitions.tasks.{name}", queue=route, task_id=result_key)
        return wait_until(lambda: self.task_done(result_key), timeout=timeout, what=f"task {name} to run")

    def task_done(self, task_id: str) -> bool:
        return any(task_id in line for line in self.log_lines("worker-counting") if "succeeded" in line)

    def log_lines(self, name: str) -> list[str]:
        return self.processes[name].log.read_text(errors="replace").splitlines()

    def signatures(self) -> list[tuple]:
        """(email, status, confirmation_sent_at, confirmation_attempts) of every signature row."""
        return self.postgres.execute(
            "SELECT email, status, confirmation_sent_at, confirmation_attempts FROM petitions_signature ORDER BY id"
        )


def stack_up(root: Path) -> Stack:
    postgres = PrivatePostgres(root / "postgres")
    postgres.root.mkdir()
    postgres.init()
    private_redis = PrivateRedis(root)
    private_redis.start()
    stack = Stack(root=root, postgres=postgres, redis=private_redis, smtp=FakeSMTP())
    try:
        stack.start()
    except BaseException:
        stack_down(stack)
        raise
    return stack


def stack_down(stack: Stack) -> None:
    stack.stop()
    stack.redis.stop()
    with contextlib.suppress(subprocess.CalledProcessError):  # already down
        stack.postgres.stop()
    stack.smtp.close()


def private_root() -> Path:
    """A folder the postgres user may enter (pytest's tmp folders are root's alone)."""
    root = Path(tempfile.mkdtemp(prefix="calexit-faults-"))
    root.chmod(0o755)
    return root


def remove_root(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)


# --- Signers --------------------------------------------------------------------------------


def _letters(number: int) -> str:
    """A name made of letters only (the form refuses digits in names): 0 -> 'a', 27 -> 'bb'..."""
    out = ""
    number += 26
    while number:
        number, digit = divmod(number, 26)
        out = "abcdefghijklmnopqrstuvwxyz"[digit] + out
    return out


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _request(url: str, data: dict | None = None, headers: dict | None = None) -> tuple[int, dict, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode(errors="replace")


def _found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise AssertionError(f"{pattern!r} not found in {text[:500]!r}")
    return match.group(1)


def _form_post(base: str, path: str, data: dict) -> tuple[int, str]:
    """GET the page for its CSRF token and cookie, then POST the form; (status, body) of the POST."""
    status, headers, page = _request(base + path)
    if status != 200:
        return status, page
    token = _found(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    cookie = _found(r"csrftoken=([^;]+)", headers.get("Set-Cookie", ""))
    status, _, body = _request(
        base + path, {**data, "csrfmiddlewaretoken": token}, headers={"Cookie": f"csrftoken={cookie}"}
    )
    return status, body


def sign(base: str, number: int, prefix: str) -> tuple[str, int, str]:
    """One signer; (their email, the answer's status, its body)."""
    address = f"{prefix}-{number}@signers.example"
    name = _letters(number).capitalize()
    try:
        form = {**SIGN_FORM, "first_name": name, "last_name": f"Fault{name.lower()}", "email": address}
        status, body = _form_post(base, SIGN_PATH, form)
    except OSError as error:  # no answer at all
        return address, 0, str(error)
    return address, status, body


def confirm(base: str, message: Delivered) -> int:
    path = _found(r"(/p/calexit/confirm/[^/\s]+/)", message.body)
    return _form_post(base, path, {})[0]


class Signers:
    """Threads that sign one after another until stopped; every answer is kept."""

    def __init__(self, base: str, prefix: str, *, threads: int = 4):
        self.base, self.prefix, self.threads = base, prefix, threads
        self.answers: list[tuple[str, int, str]] = []
        self.lock = threading.Lock()
        self.counter = 0
        self.running = False
        self.workers: list[threading.Thread] = []

    def __enter__(self) -> Signers:
        self.running = True
        self.workers = [threading.Thread(target=self._sign, daemon=True) for _ in range(self.threads)]
        for worker in self.workers:
            worker.start()
        return self

    def __exit__(self, *exc) -> None:
        self.running = False
        for worker in self.workers:
            worker.join(timeout=60)

    def _sign(self) -> None:
        while self.running:
            with self.lock:
                self.counter += 1
                number = self.counter
            answer = sign(self.base, number, self.prefix)
            with self.lock:
                self.answers.append(answer)

    def accepted(self) -> list[str]:
        with self.lock:
            return [address for address, status, _ in self.answers if status == 302]

    def count(self, status: int) -> int:
        with self.lock:
            return sum(1 for _, answer, _ in self.answers if answer == status)

    def statuses(self) -> set[int]:
        with self.lock:
            return {status for _, status, _ in self.answers}
