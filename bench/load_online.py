"""Sign online from a CSV, through what the site itself uses.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python -m bench.load_online online.csv --petition calexit

Each row (bench.generate's online.csv) is checked by the signing form
(petitions.forms.SignatureForm, as the sign view does), saved by
`signature_create_online` (which queues the confirmation email) and confirmed
by `signature_confirm` (what the confirmation page's POST calls), which queues
its validation. A row the form refuses is reported and the command exits 1:
the generator must only write what a person could submit.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Create and confirm online signatures from a CSV.")
    parser.add_argument("path")
    parser.add_argument("--petition", default="calexit")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calexit.settings")
    import django

    django.setup()
    from petitions.forms import SignatureForm
    from petitions.models import Petition
    from petitions.services.abuse import client_ip_hash
    from petitions.services.signing import OnlineSignatureInput, signature_confirm, signature_create_online

    petition = Petition.objects.get(slug=args.petition)
    started = time.monotonic()
    created = 0
    refused: list[str] = []
    with open(args.path, newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            form = SignatureForm({**row, "attest": "on"})
            if not form.is_valid():
                refused.append(f"line {number}: {form.errors.as_json()}")
                continue
            data = OnlineSignatureInput(**{k: v for k, v in form.cleaned_data.items() if k != "attest"})
            # Documentation addresses (RFC 5737), a few hundred distinct clients.
            ip_hash = client_ip_hash(f"198.51.100.{number % 250}")
            signature = signature_create_online(petition=petition, data=data, ip_hash=ip_hash)
            signature_confirm(signature=signature)
            created += 1
    for line in refused[:20]:
        print(line, file=sys.stderr)
    print(
        f"Signed online: {created:,} signatures created and confirmed in {time.monotonic() - started:.1f} s"
        + (f"; {len(refused):,} refused by the form" if refused else "")
    )
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
