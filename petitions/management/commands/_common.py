"""Small helpers shared by the management commands."""

from __future__ import annotations

import getpass
import os
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
    """A file opened for writing (written whole or not at all), or the command's stdout.

    The file is created readable by its owner only (0600): exports can hold personal data."""
    if not path:
        yield default
        return
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    try:
        partial.unlink(missing_ok=True)  # a leftover of a killed run may have other modes
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", newline="", encoding="utf-8") as handle:
            yield handle
        partial.replace(target)
    except OSError as exc:
        raise CommandError(f"Cannot write {path}: {exc.strerror}", returncode=1) from exc
    finally:
        partial.unlink(missing_ok=True)


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()
