"""The production shape (docker-compose.yml, Dockerfile) as data for the tests.

No Docker engine runs in CI: the tests read these files and run the compose
commands natively, from the virtualenv, against CI's PostgreSQL and Redis.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"


def compose_services() -> dict:
    """The `services` of docker-compose.yml, YAML anchors and merge keys resolved."""
    with COMPOSE_FILE.open() as handle:
        return yaml.safe_load(handle)["services"]


def compose_command(service: str) -> list[str]:
    """A service's command, which the compose file writes in exec form (a list)."""
    command = compose_services()[service]["command"]
    if not isinstance(command, list) or not all(isinstance(part, str) for part in command):
        raise ValueError(f"the {service} command must be a list of strings (exec form), not {command!r}")
    return list(command)


def native_command(service: str, *, replace: dict[str, str] | None = None, extra: list[str] = ()) -> list[str]:
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
