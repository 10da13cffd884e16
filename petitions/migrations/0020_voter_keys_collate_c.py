"""The voter table's keys compare byte by byte, and an index no query reads goes.

- PostgreSQL: the RegistrantID and the matching keys take COLLATE "C". They are upper-case ASCII,
  compared for equality and, for the street, a prefix range: "C" gives the answers Python gives
  (validation/blocks.py), and sorts without the locale's rules and with abbreviated keys. SQLite
  compares bytes already. Django's state does not record the collation: an AlterField of one of
  these columns must say db_collation="C", or PostgreSQL resets it to the default.
- voter_name_key goes: no query reads it (idx_scan 0 after a validation run).
Both shorten the index builds after a full import (BENCHMARKS.md). The ALTER rebuilds the indexes
on these columns (minutes at 22.6 M voters) but not the table.
"""

from django.db import migrations

COLUMNS = {
    "registrant_id": 20,
    "key_last": 100,
    "key_first": 100,
    "key_house": 20,
    "key_street": 100,
    "key_last_phonetic": 20,
    "key_first_initial": 1,
    "key_zip": 5,
}


def _collate(collation: str):
    def alter(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        columns = ", ".join(
            f'ALTER COLUMN {name} TYPE varchar({length}) COLLATE "{collation}"' for name, length in COLUMNS.items()
        )
        schema_editor.execute(f"ALTER TABLE petitions_voter {columns}")

    return alter


class Migration(migrations.Migration):
    dependencies = [("petitions", "0019_zip_counties")]

    operations = [
        migrations.RemoveIndex(model_name="voter", name="voter_name_key"),
        migrations.RunPython(_collate("C"), _collate("default")),
    ]
