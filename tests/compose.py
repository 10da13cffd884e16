"""The production shape (docker-compose.yml, Dockerfile) as data for the tests.

No Docker engine runs in CI: the tests read these files and run the compose
commands natively, from the virtualenv, against CI's PostgreSQL and Redis.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"


def compose_services() -> dict:
    """The `services` of docker-compose.yml, YAML anchors and merge keys resolved."""
    with COMPOSE_FILE.open() as handle:
        return yaml.safe_load(handle)["services"]


def worker_services() -> list[str]:
    """The compose services that run a Celery worker, in the file's order."""
    return [name for name, service in compose_services().items() if service.get("command", [])[3:4] == ["worker"]]


def compose_command(service: str) -> list[str]:
    """A service's command, which the compose file writes in exec form (a list)."""
    command = compose_services()[service]["command"]
    if not isinstance(command, list) or not all(isinstance(part, str) for part in command):
        raise ValueError(f"the {service} command must be a list of strings (exec form), not {command!r}")
    return list(command)


def stop_process(process: subprocess.Popen, *, timeout: float = 20) -> None:
    """SIGTERM, then SIGKILL if the process has not exited within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def native_command(service: str, *, replace: dict[str, str] | None = None, extra: Sequence[str] = ()) -> list[str]:
    """The service's command as run outside the container, from this virtualenv.

    The program (`celery`, `gunicorn`) runs as `python -m <program>` with the
    running interpreter; `replace` swaps the value of options the command
    already has (e.g. {"--bind": "127.0.0.1:8123"}); `extra` appends options."""
    command = compose_command(service)
    if command[0] in ("celery", "gunicorn"):
        command = [sys.executable, "-m", command[0], *command[1:]]
    elif command[0] == "python":
        command = [sys.executable, *command[1:]]
    for option, value in (replace or {}).items():
        if option not in command:
            raise ValueError(f"the {service} command has no {option} to replace: {command!r}")
        command[command.index(option) + 1] = value
    return [*command, *extra]


def dockerfile_base_image() -> str:
    """The image of the Dockerfile's last FROM line (the final stage)."""
    images = re.findall(r"^FROM\s+(?:--platform=\S+\s+)?(\S+)", DOCKERFILE.read_text(), flags=re.MULTILINE)
    if not images:
        raise ValueError("the Dockerfile has no FROM line")
    return images[-1]


def dockerfile_cmd() -> list[str]:
    """The Dockerfile's last CMD, which must be in exec (JSON) form."""
    commands = re.findall(r"^CMD\s+(\[.*\])\s*$", DOCKERFILE.read_text(), flags=re.MULTILINE)
    if not commands:
        raise ValueError("the Dockerfile has no CMD in exec form")
    return json.loads(commands[-1])


# --- The web command, run natively ------------------------------------------


def database_url() -> str:
    """The test database as a DATABASE_URL for a child process."""
    db = settings.DATABASES["default"]
    credentials = db["USER"] or "postgres"
    if db.get("PASSWORD"):
        credentials += f":{db['PASSWORD']}"
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET without following redirects; an error status is returned, not raised."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def production_env(static_root: Path, **overrides: str) -> dict[str, str]:
    """The environment of the compose file's application services, pointed at the test
    database and Redis, with the static files collected as the image build does.

    Plain HTTP on 127.0.0.1 (INSECURE_LOCAL_HTTP=1) unless `overrides` say otherwise."""
    assert settings.REDIS_URL, "the application services need Redis: set REDIS_URL"
    env = {
        **{key: value for key, value in os.environ.items() if key not in ("DEBUG", "STATIC_ROOT")},
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": "test-production-shape-secret-key-0123456789",
        "DEBUG": "0",
        "INSECURE_LOCAL_HTTP": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": str(static_root),
        "WEB_CONCURRENCY": "2",
        "CONN_MAX_AGE": "0",
        **overrides,
    }
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if collect.returncode != 0:
        raise RuntimeError(f"collectstatic failed:\n{collect.stderr}")
    return env


@contextmanager
def running_web(env: dict[str, str], log_path: Path) -> Iterator[tuple[str, int]]:
    """The compose web command (gunicorn) bound to a free local port instead of 0.0.0.0:8000,
    once it answers /healthz over plain HTTP; yields its base URL and port."""
    port = free_port()
    command = native_command("web", replace={"--bind": f"127.0.0.1:{port}"})
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                if http_get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer /healthz within 30 s:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield base, port
    finally:
        stop_process(process)
