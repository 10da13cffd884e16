"""Demo data for `make run`: roles, a staff login, a deadline, a small synthetic voter file.

Only with DEBUG on: the demo login has a known password and a printed TOTP secret.
The demo user is an Organizer, never a superuser."""

import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

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
    help = "Load the demo: roles, a demo organizer login, the Calexit deadline and a synthetic voter file."

    def add_arguments(self, parser):
        parser.add_argument("--voters", type=int, default=2000, help="size of the synthetic voter file")
        parser.add_argument(
            "--deadline", help="Calexit circulation deadline, YYYY-MM-DD (default: 180 days from today, if unset)"
        )

    def handle(self, *args, voters, deadline, **options):
        if not settings.DEBUG:
            raise CommandError(
                "load_demo makes a login with a known password: it runs only with DEBUG on.", returncode=1
            )
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
