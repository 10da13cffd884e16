"""Demo data for `make run`: roles, a staff login, a deadline, a synthetic voter file, and a demo
campaign about 60 days in (petitions.demo.campaign) in a petition of its own, `demo`.

Only with DEBUG on: the demo login has a known password and a printed TOTP secret.
The demo user is an Organizer, never a superuser. A demo campaign already loaded is kept
(signatures made while trying the site stay); `--reset` loads it afresh, `--remove` removes it.
Neither touches the real petition's signatures."""

import os
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from petitions.demo.campaign import (
    DEFAULT_SIGNATURES,
    DEMO_SLUG,
    demo_campaign_load,
    demo_campaign_loaded,
    demo_campaign_remove,
    demo_campaign_unfeature,
)
from petitions.demo.voters import DEMO_VOTERS, write_synthetic_voter_file
from petitions.models import Petition
from petitions.services.roles import roles_ensure
from petitions.services.staff import DEVICE_NAME, totp_secret
from petitions.services.voter_import import voters_import

DEMO_USERNAME = "demo"
DEMO_RETURN_ADDRESS = "Calexit Petition (demo)\nPO Box 0000\nSacramento, CA 95814"
DEMO_MEASURE_TEXT = (
    "[Demo text: the full text of the measure as filed with the Attorney General goes here. "
    "Enter it in the admin under Petitions before printing forms for a real campaign.]\n\n"
    "SECTION 1. Title. This measure shall be known as the California Independence Act.\n\n"
    "SECTION 2. Findings. The people of California find that questions of self-government "
    "deserve study by a commission that reflects the diversity of the state.\n\n"
    "SECTION 3. Flag. The flag of the State of California shall be flown in the place of honor "
    "at every state building.\n\n"
    "SECTION 4. Commission. The Governor shall appoint a commission to study and report on "
    "sovereignty and independence.\n\n"
    "SECTION 5. Representative. The state shall name a representative to make the case to Congress."
)


class Command(BaseCommand):
    help = (
        "Load the demo: roles, a demo organizer login, the Calexit deadline, a synthetic voter file and a demo "
        "campaign about 60 days in (petition `demo`)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--voters", type=int, default=42_000, help="size of the synthetic voter file")
        parser.add_argument(
            "--deadline", help="Calexit circulation deadline, YYYY-MM-DD (default: 180 days from today, if unset)"
        )
        parser.add_argument(
            "--signatures",
            type=int,
            default=DEFAULT_SIGNATURES,
            help="signatures of the demo campaign (at most about 70 %% of the voters); 0: no campaign",
        )
        parser.add_argument(
            "--reset", action="store_true", help="remove the demo campaign's signatures and load it afresh"
        )
        parser.add_argument(
            "--remove",
            action="store_true",
            help="only remove the demo campaign's data and feature the real petition again",
        )

    def handle(self, *args, voters, deadline, signatures, reset, remove, **options):
        if not settings.DEBUG:
            raise CommandError(
                "load_demo makes a login with a known password: it runs only with DEBUG on.", returncode=1
            )
        if signatures < 0 or voters < 0:
            raise CommandError("--signatures and --voters cannot be negative.", returncode=2)
        if remove:
            self._remove()
            return
        roles = roles_ensure()
        petition = Petition.objects.get(slug="calexit")
        if deadline:
            petition.deadline = deadline
        elif petition.deadline is None:
            petition.summary_date = timezone.localdate()
            petition.deadline = petition.summary_date + timedelta(days=180)
        # The wet-ink form prints these; a real campaign enters its own in the admin.
        if not petition.return_address:
            petition.return_address = DEMO_RETURN_ADDRESS
        if not petition.measure_text:
            petition.measure_text = DEMO_MEASURE_TEXT
        petition.save()

        password = os.environ.get("DEMO_PASSWORD", "calexit-demo")
        user, _ = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
        user.is_staff = False
        user.is_superuser = False
        user.set_password(password)
        user.save()
        user.groups.add(roles["Organizer"])
        # Organizers need a second factor: the demo's authenticator is set up already (demo_totp prints its code).
        device, _ = TOTPDevice.objects.get_or_create(user=user, name=DEVICE_NAME, defaults={"confirmed": True})
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])

        path = Path(settings.BASE_DIR) / "var" / "demo_voters.tsv"
        path.parent.mkdir(exist_ok=True)
        write_synthetic_voter_file(path, count=voters, seed=2026)
        summary = voters_import(path)
        self.stdout.write(f"Demo voter file: {summary.rows_read:,} voters loaded from {path}")
        self._campaign(signatures=signatures, reset=reset, user=user)
        self.stdout.write("Sign as one of these demo voters (or any row of the file):")
        for voter in DEMO_VOTERS:
            self.stdout.write(f"  {voter.describe()}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Dashboard: http://127.0.0.1:8000/dashboard/  login: {DEMO_USERNAME}  password: {password}"
            )
        )
        self.stdout.write(
            f"Then the 6-digit code: `.venv/bin/python manage.py demo_totp` prints the current one, or add the "
            f"secret {totp_secret(device)} to an authenticator app ({device.config_url})."
        )

    def _campaign(self, *, signatures: int, reset: bool, user) -> None:
        loaded = demo_campaign_loaded()
        if not signatures:
            if reset and loaded is not None:
                self._remove()
            return
        if loaded is not None and not reset:
            self.stdout.write(
                f"Demo campaign: kept as it was (petition `{DEMO_SLUG}`); `load_demo --reset` loads it afresh."
            )
            return
        started = time.monotonic()
        campaign = demo_campaign_load(signatures=signatures, user=user)
        statuses = ", ".join(f"{count:,} {status}" for status, count in campaign.by_status.most_common())
        self.stdout.write(
            f"Demo campaign (petition `{DEMO_SLUG}`, featured, {campaign.petition.summary_date:%b %-d} to "
            f"{campaign.petition.deadline:%b %-d, %Y}): {campaign.signatures:,} signatures ({statuses}), "
            f"{campaign.sections:,} sections, {campaign.circulators:,} circulators, 60 days of history; "
            f"{time.monotonic() - started:.1f} s."
        )

    def _remove(self) -> None:
        petition = Petition.objects.filter(slug=DEMO_SLUG).first()
        removed = demo_campaign_remove(petition, keep_petition=False) if petition is not None else 0
        demo_campaign_unfeature()
        self.stdout.write(f"Demo campaign removed ({removed:,} signatures); the real petition is featured again.")
