from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from petitions.management.commands._common import command_actor, petition_by_slug
from petitions.services.wet_ink import FormIntake, signature_receive_form


class Command(BaseCommand):
    help = (
        "Record returned wet-ink forms from a file of codes, one a line (a mail house's scan list); "
        "each form is recorded once, bad lines are reported by number."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--petition", required=True, help="petition slug, e.g. calexit")

    def handle(self, *args, path, petition, **options):
        target = petition_by_slug(petition)
        actor = command_actor("receive_forms")
        try:
            handle = Path(path).open(encoding="utf-8-sig", errors="replace")  # noqa: SIM115 - closed by the with below
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}", returncode=1) from exc
        outcomes: Counter[str] = Counter()
        with handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                result = signature_receive_form(code=line, petition=target, actor=actor)
                outcomes[result.outcome] += 1
                if result.outcome not in (FormIntake.RECEIVED, FormIntake.ALREADY):
                    self.stderr.write(f"line {number}: {result.message}")
        bad = sum(n for outcome, n in outcomes.items() if outcome not in (FormIntake.RECEIVED, FormIntake.ALREADY))
        self.stdout.write(
            f"Read {Path(path).name}: {outcomes[FormIntake.RECEIVED]:,} forms received, "
            f"{outcomes[FormIntake.ALREADY]:,} already received, {bad:,} bad lines"
        )
