"""export_counts and export_signatures as INTERFACES.md specifies."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from petitions.models import AuditLog
from petitions.services.exports import csv_safe
from petitions.services.tallies import tallies_count
from petitions.validation.validate import signature_validate
from tests.factories import SignatureFactory, VoterFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def counted(calexit):
    calexit.online_counts_directly = True
    calexit.save()
    VoterFactory()
    for name in ["Maria", "Maria", "Nobody"]:
        signature = SignatureFactory(first_name=name)
        signature_validate(signature_id=signature.pk)
    SignatureFactory(county_id="19", status="pending")
    tallies_count()
    return calexit


def test_counts_csv_has_one_row_per_county_in_code_order_then_statewide(counted):
    rows = list(csv.reader(io.StringIO(run("export_counts", "--petition", "calexit"))))

    assert rows[0][:9] == [
        "county_code",
        "county",
        "raw",
        "valid",
        "invalid",
        "duplicate",
        "review",
        "pending",
        "pledged",
    ]
    assert [r[0] for r in rows[1:59]] == [f"{n:02d}" for n in range(1, 59)]
    assert rows[1][:2] == ["01", "Alameda"] and rows[58][:2] == ["58", "Yuba"]
    assert rows[34][:9] == ["34", "Sacramento", "3", "1", "1", "1", "0", "0", "0"]
    assert rows[19][:9] == ["19", "Los Angeles", "1", "0", "0", "0", "0", "1", "0"]
    assert rows[59][:9] == ["00", "Statewide", "4", "1", "1", "1", "0", "1", "0"]
    assert len(rows) == 60


def test_counts_json_has_the_shape_of_the_public_api(counted, client, tmp_path):
    target = tmp_path / "counts.json"
    run("export_counts", "--petition", "calexit", "--format", "json", "--output", str(target))

    exported = json.loads(target.read_text())
    projection = exported.pop("projection")  # export_counts adds the stored projection to the API's shape
    public = client.get("/api/petitions/calexit.json").json()
    # The public API hides small county counts (an hourly snapshot); the operator's export shows them all.
    assert set(public) - set(exported) == {"by_county_as_of", "suppressed_below"}
    assert {k: v for k, v in exported.items() if k != "by_county"} == {
        k: v for k, v in public.items() if k in exported and k != "by_county"
    }
    assert [set(row) for row in exported["by_county"]] == [set(row) for row in public["by_county"]]
    assert next(row for row in exported["by_county"] if row["code"] == "34")["raw"] == 3
    assert projection["outcome"] is None  # nothing projected yet
    assert exported["counts"] == {
        "raw": 4,
        "valid": 1,
        "invalid": 1,
        "duplicate": 1,
        "review": 0,
        "pending": 1,
        "pledged": 0,
    }


def test_an_unknown_petition_is_a_clear_error():
    with pytest.raises(CommandError, match="No petition with slug 'nope'"):
        run("export_counts", "--petition", "nope")


def test_signatures_export_has_the_interface_header_and_one_row_per_signature(counted, tmp_path):
    target = tmp_path / "signatures.csv"
    run("export_signatures", "--petition", "calexit", "--output", str(target))

    rows = list(csv.DictReader(target.open()))
    header = target.read_text().splitlines()[0]
    assert header.startswith("id,channel,section,line,email,county,status,reason,registrant_id,duplicate_of")
    assert len(rows) == 4
    valid, duplicate, invalid, pending = rows
    assert valid["status"] == "valid" and valid["registrant_id"].startswith("V")
    assert duplicate["status"] == "duplicate" and duplicate["duplicate_of"] == valid["id"]
    assert (invalid["status"], invalid["reason"]) == ("invalid", "not_registered")
    assert (pending["county"], pending["channel"]) == ("19", "online")


def test_exporting_signatures_is_audited(counted, tmp_path):
    run("export_signatures", "--petition", "calexit", "--output", str(tmp_path / "s.csv"))

    entry = AuditLog.objects.get(action="signatures.export")
    assert entry.detail["rows"] == 4
    assert "export_signatures" in entry.actor


def test_a_named_user_without_the_export_permission_is_refused(counted, volunteer, tmp_path):
    with pytest.raises(CommandError, match="may not export"):
        run("export_signatures", "--petition", "calexit", "--user", "volunteer", "--output", str(tmp_path / "s.csv"))
    assert not (tmp_path / "s.csv").exists()


def test_cells_that_would_run_as_spreadsheet_formulas_are_escaped(calexit, tmp_path):
    SignatureFactory(
        first_name='=HYPERLINK("http://x")', last_name="+1", email="@evil@example.com", address="-2 Main St"
    )
    target = tmp_path / "s.csv"
    run("export_signatures", "--petition", "calexit", "--output", str(target))

    row = next(csv.DictReader(target.open()))
    assert row["first_name"] == '\'=HYPERLINK("http://x")'
    assert row["last_name"] == "'+1"
    assert row["email"] == "'@evil@example.com"
    assert row["address"] == "'-2 Main St"
    assert csv_safe("Maria") == "Maria" and csv_safe(-5) == "'-5" and csv_safe(None) == ""
