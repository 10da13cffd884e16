"""Small helpers shared by the management commands."""

from __future__ import annotations

import getpass
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.core.management.base import CommandError

from petitions.models import Petition


def petition_by_slug(slug: str) -> Petition:
    try:
        return Petition.objects.get(slug=slug)
    except Petition.DoesNotExist:
        known = ", ".join(Petition.objects.values_list("slug", flat=True)) or "none"
        raise CommandError(f"No petition with slug {slug!r} (known: {known}).", returncode=1) from None


def command_actor(name: str) -> str:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return f"{name} (os user {who})"


@contextmanager
def output_stream(path: str | None, default: IO[str]):
    """A file opened for writing (written whole or not at all), or the command's stdout."""
    if not path:
        yield default
        return
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    try:
        with partial.open("w", newline="", encoding="utf-8") as handle:
            yield handle
        partial.replace(target)
    except OSError as exc:
        raise CommandError(f"Cannot write {path}: {exc.strerror}", returncode=1) from exc
    finally:
        partial.unlink(missing_ok=True)


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()
