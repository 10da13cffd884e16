"""The demo login's current 6-digit code (DEBUG only), so the README's walk-through needs no phone."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from petitions.management.commands.load_demo import DEMO_USERNAME


class Command(BaseCommand):
    help = "Print the demo user's current TOTP code (DEBUG only; run load_demo first)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_totp runs only with DEBUG on.", returncode=1)
        device = TOTPDevice.objects.filter(user__username=DEMO_USERNAME, confirmed=True).first()
        if device is None:
            raise CommandError("No demo authenticator: run `manage.py load_demo` first.", returncode=1)
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
        self.stdout.write(f"{code:0{device.digits}d}")
