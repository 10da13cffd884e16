"""Create a staff user in a role (or move one to it with a new password)."""

import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from petitions.management.commands._common import command_actor
from petitions.services.roles import ROLES, SECOND_FACTOR_ROLES
from petitions.services.staff import WeakPassword, staff_create


class Command(BaseCommand):
    help = (
        "Create a staff user: USERNAME --role volunteer|reviewer|organizer|admin. The password is asked twice "
        "on the terminal, or read from --password-file (its first line). Only admin gets the Django admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[name.lower() for name in ROLES])
        parser.add_argument("--password-file", help="a file whose first line is the password")

    def handle(self, *args, username, role, password_file, **options):
        if password_file:
            try:
                lines = Path(password_file).read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise CommandError(f"Cannot read {password_file}: {exc.strerror}", returncode=1) from None
            password = lines[0] if lines else ""
        else:
            password = getpass.getpass(f"Password for {username}: ")
            if getpass.getpass("Again: ") != password:
                raise CommandError("The two passwords differ; nothing was changed.", returncode=1)
        if not password:
            raise CommandError("An empty password; nothing was changed.", returncode=1)
        try:
            user = staff_create(username=username, role=role, password=password, actor=command_actor("create_staff"))
        except WeakPassword as weak:
            raise CommandError("Password refused: " + " ".join(weak.messages), returncode=1) from None
        role_name = user.groups.get().name
        self.stdout.write(f"{username}: {role_name}" + (" (Django admin)" if user.is_staff else ""))
        if role_name in SECOND_FACTOR_ROLES:
            self.stdout.write(
                f"A second factor is required: at first sign-in {username} sets up an authenticator "
                "app (QR code) and then types its 6-digit code at every sign-in."
            )
