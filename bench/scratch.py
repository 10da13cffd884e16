"""Scratch PostgreSQL databases, a private Redis database, commands and a Celery
worker for the benchmarks: everything a benchmark starts, it also stops.

- The PostgreSQL server: BENCH_DATABASE_URL, else DATABASE_URL when it points at
  PostgreSQL, else postgres://postgres@127.0.0.1:5432/postgres. Only its host,
  port and credentials are used; scratch databases are created next to it.
  Only databases named calexit_bench_* are ever created or dropped.
- Commands run as `.venv/bin/python manage.py ...` subprocesses with the scratch
  DATABASE_URL and (when given) the benchmark's REDIS_URL, DEBUG off and a
  throw-away SECRET_KEY, as in production, but over plain HTTP on 127.0.0.1
  (INSECURE_LOCAL_HTTP=1: no HTTPS redirect, HSTS or secure cookies).
- The worker is the docker-compose.yml worker command, run natively as
  tests/conftest.py does (tests.compose.native_command), with a node name of its
  own; it is stopped (TERM, then KILL after 20 s) however the benchmark ends.
"""

from __future__ import annotations

import os
import re
import resource
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SCRATCH_PREFIX = "calexit_bench_"
_SECRET_KEY = secrets.token_urlsafe(50)


def server_url() -> str:
    for name in ("BENCH_DATABASE_URL", "DATABASE_URL"):
        value = os.environ.get(name, "")
        if value.startswith(("postgres://", "postgresql://", "pgsql://")):
            return value
    return "postgres://postgres@127.0.0.1:5432/postgres"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@contextmanager
def _connect(url: str):
    """An autocommit connection, closed on leaving (psycopg2's own `with` only ends a transaction)."""
    import psycopg2

    parts = urlsplit(url)
    connection = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname=(parts.path or "/postgres").lstrip("/") or "postgres",
    )
    connection.autocommit = True
    try:
        yield connection
    finally:
        connection.close()


def statement_label(query: str | None) -> str:
    """What a database connection is running, in a few words: 'CREATE INDEX voter_address_key',
    'ADD CONSTRAINT <name>', else the statement's first word ('COPY', 'ANALYZE'); '' for nothing."""
    if not query or not query.strip():
        return ""
    if match := re.match(r"\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(\S+)", query, re.IGNORECASE):
        return f"CREATE INDEX {match[1]}"
    if match := re.search(r"ADD\s+CONSTRAINT\s+(\S+)", query, re.IGNORECASE):
        return f"ADD CONSTRAINT {match[1].strip(chr(34))}"
    return query.split()[0].upper()


class ScratchDatabase:
    """A PostgreSQL database made for one benchmark and dropped after it."""

    def __init__(self, name: str, *, server: str | None = None):
        if not name.startswith(SCRATCH_PREFIX) or not name.replace("_", "").isalnum():
            raise ValueError(f"scratch databases are named {SCRATCH_PREFIX}<letters/digits>, not {name!r}")
        self.name = name
        self.server = server or server_url()
        self.url = _with_database(self.server, name)
        self.created = False

    def _admin(self):
        return _connect(_with_database(self.server, "postgres"))

    def create(self) -> None:
        """Create the database; one left behind by an interrupted run is dropped
        first, unless someone is connected to it (another run in progress)."""
        with self._admin() as connection, connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.name])
            if cursor.fetchone():
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [self.name])
                if cursor.fetchone()[0]:
                    raise RuntimeError(f"database {self.name} exists and is in use: is another benchmark running?")
                cursor.execute(f'DROP DATABASE "{self.name}"')
            cursor.execute(f'CREATE DATABASE "{self.name}"')
        self.created = True

    def drop(self) -> None:
        if not self.created:
            return
        with self._admin() as connection, connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.created = False

    @contextmanager
    def statement_watch(self) -> Iterator[Callable[[], str]]:
        """A function that says, in a few words, what another connection to this database is
        running (statement_label), over one connection of its own."""
        with _connect(self.url) as connection, connection.cursor() as cursor:

            def watch() -> str:
                cursor.execute(
                    "SELECT query FROM pg_stat_activity WHERE datname = current_database() "
                    "AND backend_type = 'client backend' AND state = 'active' AND pid <> pg_backend_pid() "
                    "ORDER BY backend_start LIMIT 1"
                )
                row = cursor.fetchone()
                return statement_label(row[0] if row else None)

            yield watch

    def query(self, sql: str, params: list | tuple = ()) -> list[tuple]:
        with _connect(self.url) as connection, connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []


class RedisInUse(RuntimeError):
    pass


class RedisClaim:
    """The benchmark's own Redis database, claimed for the length of a run.

    Celery's queue is a list in one Redis database: two runs (or a test session)
    sharing it take each other's tasks, and a task run against the wrong
    database is simply lost. So a run refuses a database that holds keys of
    someone else, marks it as its own while it runs, and empties it at the end.
    A claim left by a process that no longer exists on this host is taken over.
    """

    KEY = "calexit-bench:owner"

    def __init__(self, url: str, purpose: str):
        import redis

        self.url = url
        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, decode_responses=True)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{purpose}:{time.strftime('%Y-%m-%dT%H:%M:%S')}"
        self.held = False

    def _stale(self, owner: str) -> bool:
        host, _, rest = owner.partition(":")
        pid = rest.partition(":")[0]
        if host != socket.gethostname() or not pid.isdigit():
            return False
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    def acquire(self) -> None:
        owner = self.client.get(self.KEY)
        assert not isinstance(owner, bytes)  # decode_responses=True
        if owner and not self._stale(owner):
            raise RedisInUse(
                f"Redis {self.url} is in use by another benchmark ({owner}); wait for it, or choose "
                f"a free database with BENCH_REDIS_URL=redis://127.0.0.1:6379/<n>"
            )
        if not owner and self.client.dbsize():
            raise RedisInUse(
                f"Redis {self.url} holds {self.client.dbsize()} keys of someone else (a test run, "
                f"`make run`?); choose a free database with BENCH_REDIS_URL=redis://127.0.0.1:6379/<n>"
            )
        self.client.flushdb()
        self.client.set(self.KEY, self.owner)
        self.held = True

    def flush(self) -> None:
        """Drop everything queued (keeping the claim)."""
        if self.held:
            self.client.flushdb()
            self.client.set(self.KEY, self.owner)

    def release(self) -> None:
        if self.held and self.client.get(self.KEY) == self.owner:
            self.client.flushdb()
        self.held = False


def child_env(database_url: str, redis_url: str | None = None, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        {
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "INSECURE_LOCAL_HTTP": "1",
            "SECRET_KEY": _SECRET_KEY,
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "SIGN_RATE_LIMIT": "off",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


@dataclass
class Run:
    command: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_kib: int  # peak resident memory of the process (ru_maxrss, KiB on Linux)
    user_seconds: float
    system_seconds: float


class CommandFailed(RuntimeError):
    pass


def run(command: list[str], env: dict[str, str], *, check: bool = True, echo: bool = False) -> Run:
    """Run a command to completion; measure its wall time and its own peak memory (wait4)."""
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr, rusage = _communicate(process)
    except BaseException:  # interrupted: do not leave the command running against a database about to be dropped
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        raise
    seconds = time.monotonic() - started
    result = Run(
        command=command,
        returncode=process.returncode,
        stdout=stdout,
        stderr=stderr,
        seconds=seconds,
        max_rss_kib=rusage.ru_maxrss,
        user_seconds=rusage.ru_utime,
        system_seconds=rusage.ru_stime,
    )
    if echo:
        for line in stdout.splitlines():
            print(f"    {line}")
    if check and process.returncode != 0:
        raise CommandFailed(f"{' '.join(command)} exited with {process.returncode}:\n{stderr[-4000:]}")
    return result


def _communicate(process: subprocess.Popen) -> tuple[str, str, resource.struct_rusage]:
    """Read both pipes to the end, then reap the child with wait4 to get its rusage."""
    import threading

    chunks: dict[str, list[str]] = {"out": [], "err": []}

    def drain(stream, name):
        for line in stream:
            chunks[name].append(line)

    readers = [
        threading.Thread(target=drain, args=(process.stdout, "out")),
        threading.Thread(target=drain, args=(process.stderr, "err")),
    ]
    for reader in readers:
        reader.start()
    _, status, rusage = os.wait4(process.pid, 0)
    for reader in readers:
        reader.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    return "".join(chunks["out"]), "".join(chunks["err"]), rusage


def manage(*args: str, env: dict[str, str], check: bool = True, echo: bool = False) -> Run:
    return run([sys.executable, "manage.py", *args], env, check=check, echo=echo)


class _Service:
    """A long-running process started from a docker-compose.yml command."""

    command: list[str]

    def __init__(self, env: dict[str, str], *, log_path: Path):
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self._log: IO[str] | None = None

    def _spawn(self) -> subprocess.Popen:
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )
        return self.process

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None


class Beat(_Service):
    """The compose file's Celery beat, with its schedule file in `schedule`.

    With it the periodic sweep resends validations whose message never reached
    the worker, as in production."""

    def __init__(self, env: dict[str, str], *, log_path: Path, schedule: Path):
        from tests.compose import native_command

        super().__init__(env, log_path=log_path)
        self.command = native_command("beat", replace={"--schedule": str(schedule)})

    def start(self) -> None:
        process = self._spawn()
        time.sleep(1.0)
        if process.poll() is not None:
            raise RuntimeError(f"Celery beat exited with {process.returncode}; see {self.log_path}")


class Worker(_Service):
    """The compose file's validation worker, started natively with a node name of its own, on
    every queue (a benchmark runs one worker: its counting and emails are part of the work)."""

    def __init__(self, env: dict[str, str], *, log_path: Path, node: str, concurrency: int | None = None):
        from tests.compose import native_command

        super().__init__(env, log_path=log_path)
        extra = ["--hostname", f"{node}@%h"]
        if concurrency:
            extra += ["--concurrency", str(concurrency)]
        from petitions.queue import QUEUES

        self.command = native_command("worker", replace={"-Q": ",".join(QUEUES)}, extra=extra)

    def start(self, *, timeout: float = 60.0) -> None:
        from celery import Celery

        process = self._spawn()
        control = Celery(broker=self.env["REDIS_URL"]).control
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the Celery worker exited with {process.returncode}; see {self.log_path}")
            if control.ping(timeout=0.5):
                return
        raise RuntimeError(f"the Celery worker did not answer within {timeout:.0f} s; see {self.log_path}")


def exit_cleanly_on_sigterm() -> None:
    """SIGTERM (e.g. from a CI timeout) unwinds like Ctrl-C, so `finally:` cleans up."""

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)


def code_state() -> dict[str, str]:
    """Which code was measured: the commit, whether the tree differs from it, and a
    fingerprint of the matching engine and the services it runs through (the
    engine changes under active development; two runs are comparable when their
    fingerprints agree)."""
    import hashlib

    state: dict[str, str] = {}
    try:
        state["commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "petitions", "calexit"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\n")
        state["uncommitted_changes"] = str(sum(1 for line in changed if line.strip()))
    except (OSError, subprocess.CalledProcessError):
        state["commit"] = os.environ.get("BENCH_CODE_LABEL", "unknown (not a git checkout)")
    digest = hashlib.sha256()
    files = (
        sorted((ROOT / "petitions" / "matching").glob("*.py"))
        + sorted((ROOT / "petitions" / "validation").glob("*.py"))
        + [ROOT / "petitions" / "services" / "voter_import.py"]
    )
    for path in files:
        if path.exists():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    state["engine_fingerprint"] = digest.hexdigest()[:12]
    return state


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    info: dict[str, str] = {"nproc": str(os.cpu_count())}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory"] = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    info["python"] = sys.version.split()[0]
    try:
        with _connect(_with_database(server_url(), "postgres")) as connection, connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            info["postgresql"] = cursor.fetchone()[0]
    except Exception as exc:  # noqa: BLE001 - informational only
        info["postgresql"] = f"unknown ({exc.__class__.__name__})"
    try:
        import redis

        info["redis"] = redis.Redis.from_url(
            os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"), socket_connect_timeout=2
        ).info("server")["redis_version"]
    except Exception as exc:  # noqa: BLE001 - informational only
        info["redis"] = f"unknown ({exc.__class__.__name__})"
    info["load_average"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return info
