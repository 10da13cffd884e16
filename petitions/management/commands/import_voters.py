"""`manage.py import_voters PATH [--replace]` (INTERFACES.md).

A progress bar on stderr when stderr is a terminal; each bad row on stderr as
`line N: reason` (the first 50); ONE summary line on stdout. A refused or
missing file: a message on stderr, exit status 1, nothing changed.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from petitions.management.commands._common import command_actor
from petitions.services.voter_import import VoterFileRefused, voters_import

BAD_ROWS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Import the Secretary of State's tab-delimited voter file (plain or .gz): upsert by RegistrantID. "
        "With --replace, voters missing from the file are marked no longer registered."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the voter file (tab-delimited with a header row; plain or gzip)")
        parser.add_argument(
            "--replace",
            action="store_true",
            help=(
                "mark voters absent from this file as no longer registered (the file must be the whole statewide file)"
            ),
        )

    def handle(self, *args, path, replace, verbosity=1, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"{path}: no such file", returncode=1)
        bar = None
        notes = None
        if verbosity > 0 and self.stderr.isatty():
            stream = getattr(self.stderr, "_out", self.stderr)
            bar = tqdm(
                total=source.stat().st_size,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=source.name,
                file=stream,
                leave=False,
            )
            notes = _BarNotes(bar)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            summary = voters_import(
                source,
                replace=replace,
                progress=progress if bar is not None else None,
                stdout=notes,
                actor=command_actor("import_voters"),
            )
        except VoterFileRefused as exc:
            raise CommandError(f"Refused {source.name}, nothing changed: {exc}", returncode=1) from exc
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}", returncode=1) from exc
        finally:
            if bar is not None:
                bar.close()

        for line, reason in summary.bad_rows[:BAD_ROWS_SHOWN]:
            self.stderr.write(f"line {line}: {reason}")
        if summary.bad_row_count > BAD_ROWS_SHOWN:
            self.stderr.write(f"... and {summary.bad_row_count - BAD_ROWS_SHOWN:,} more bad rows")
        self.stdout.write(
            f"{summary.summary_line}, {summary.revalidation_queued:,} signatures queued for re-validation"
        )


class _BarNotes:
    """Phase notes written above the progress bar."""

    def __init__(self, bar):
        self.bar = bar

    def write(self, text: str) -> None:
        if text.strip():
            self.bar.write(text.rstrip("\n"), file=self.bar.fp)

    def flush(self) -> None:
        pass
