"""The 58 counties (from shared/data/ca_counties.csv) and the Calexit petition."""

import csv
from pathlib import Path

from django.db import migrations

COUNTIES_CSV = Path(__file__).resolve().parent.parent / "data" / "ca_counties.csv"

CALEXIT = {
    "slug": "calexit",
    "title": "California independence initiative",
    "question": "Should California separate from the United States and establish itself as a free and independent nation?",
    "summary": (
        "An initiative statute (Attorney General file 25-0010). If it passes, the United States flag comes down "
        "from state buildings and the state flag replaces it; the state sets up a diverse commission to study and "
        "report on sovereignty and independence; and the state names a representative to make the case for "
        "secession to Congress."
    ),
    "kind": "statute",
    "required_signatures": 546651,
    "online_counts_directly": False,
    "featured": True,
}


def load(apps, schema_editor):
    County = apps.get_model("petitions", "County")
    Petition = apps.get_model("petitions", "Petition")
    with COUNTIES_CSV.open(newline="") as handle:
        for row in csv.DictReader(handle):
            County.objects.update_or_create(code=row["code"], defaults={"name": row["name"], "fips": row["fips"]})
    if not Petition.objects.filter(slug=CALEXIT["slug"]).exists():
        Petition.objects.create(**CALEXIT)


class Migration(migrations.Migration):
    dependencies = [("petitions", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
