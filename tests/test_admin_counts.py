"""The admin cannot corrupt the counts or leak personal data unseen: the fields a
tally reads are read-only, signatures cannot be deleted, a change of the
counting rule recounts, listing personal data is audited; exports are 0600 and
audited before their first row."""

from __future__ import annotations

import os
import stat

import pytest
from django.core.management import call_command

from petitions.models import AuditLog, CountingRun, Signature
from petitions.selectors import petition_counts
from petitions.services.staff import staff_create
from petitions.services.tallies import tallies_count, tallies_recount
from tests.conftest import login_verified
from tests.factories import SignatureFactory, VoterFactory

pytestmark = pytest.mark.django_db

TALLY_FIELDS = [
    "petition",
    "channel",
    "county",
    "section",
    "line",
    "status",
    "reason",
    "voter",
    "duplicate_of",
    "hold",
    "wet_ink_received_at",
    "wet_ink_received_by",
]


@pytest.fixture
def admin_client(client, roles):
    login_verified(client, staff_create(username="root", role="admin", password="a long and unusual passphrase 7"))
    return client


def _valid_pledge():
    voter = VoterFactory()
    return SignatureFactory(status="valid", voter=voter)


def test_the_fields_a_tally_reads_cannot_be_edited_in_the_admin(admin_client, calexit):
    signature = _valid_pledge()
    page = admin_client.get(f"/admin/petitions/signature/{signature.pk}/change/").content.decode()
    editable = [name for name in TALLY_FIELDS if f'name="{name}"' in page]
    assert editable == []
    assert 'name="first_name"' in page  # a typo in a name can still be corrected

    admin_client.post(
        f"/admin/petitions/signature/{signature.pk}/change/",
        {
            "first_name": "Maria",
            "last_name": "Garcia",
            "address": "1200 J St",
            "city": "Sacramento",
            "zip": "95814",
            "email": signature.email,
            "status": "invalid",
            "county": "01",
            "channel": "paper",
            "_save": "Save",
        },
    )
    signature.refresh_from_db()
    assert (signature.status, signature.county_id, signature.channel) == ("valid", "34", "online")


def test_signatures_cannot_be_deleted_from_the_admin(admin_client, calexit):
    signature = _valid_pledge()
    assert admin_client.get(f"/admin/petitions/signature/{signature.pk}/delete/").status_code == 403
    changelist = admin_client.get("/admin/petitions/signature/").content.decode()
    assert "delete_selected" not in changelist
    admin_client.post(
        "/admin/petitions/signature/", {"action": "delete_selected", "_selected_action": [signature.pk], "post": "yes"}
    )
    assert Signature.objects.filter(pk=signature.pk).exists()


def _petition_form(petition, **changes) -> dict:
    data = {
        "slug": petition.slug,
        "title": petition.title,
        "question": petition.question,
        "summary": petition.summary,
        "kind": petition.kind,
        "required_signatures": petition.required_signatures,
        "summary_date": petition.summary_date or "",
        "deadline": petition.deadline or "",
        "measure_text": petition.measure_text,
        "return_address": petition.return_address,
        "retention_days": petition.retention_days,
        "_save": "Save",
    }
    for flag in ("online_counts_directly", "featured", "is_open"):
        if changes.get(flag, getattr(petition, flag)):
            data[flag] = "on"
    return data


def test_changing_the_counting_rule_in_the_admin_recounts_and_is_audited(admin_client, calexit):
    _valid_pledge()
    tallies_count()
    before = petition_counts(calexit).statewide
    assert (before.raw, before.valid, before.pledged) == (0, 0, 1)

    response = admin_client.post(
        f"/admin/petitions/petition/{calexit.pk}/change/", _petition_form(calexit, online_counts_directly=True)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    calexit.refresh_from_db()
    assert calexit.online_counts_directly

    after = petition_counts(calexit).statewide
    assert (after.raw, after.valid, after.pledged) == (1, 1, 0)  # the online signature now counts directly
    assert CountingRun.objects.filter(kind="recount").exists()
    assert tallies_recount().drift == []  # the tallies follow the rows
    audit = AuditLog.objects.get(action="petition.counting_rule_change")
    assert audit.detail["online_counts_directly"] is True and audit.user.username == "root"


def test_other_petition_changes_do_not_recount(admin_client, calexit):
    response = admin_client.post(
        f"/admin/petitions/petition/{calexit.pk}/change/", _petition_form(calexit, featured=True)
    )
    assert response.status_code == 302
    assert not CountingRun.objects.filter(kind="recount").exists()
    assert not AuditLog.objects.filter(action="petition.counting_rule_change").exists()


@pytest.mark.parametrize("model", ["signature", "voter", "circulator"])
def test_listing_personal_data_in_the_admin_is_audited(admin_client, calexit, model):
    assert admin_client.get(f"/admin/petitions/{model}/?q=garcia").status_code == 200
    audit = AuditLog.objects.get(action=f"{model}.list")
    assert audit.user.username == "root" and "garcia" in audit.detail["query"]


def test_the_signatures_export_is_readable_by_its_owner_only_and_audited_before_its_first_row(
    calexit, tmp_path, monkeypatch
):
    _valid_pledge()
    from petitions.management.commands import export_signatures
    from petitions.services.exports import signatures_rows

    audited_first = []

    def rows(petition):
        audited_first.append(AuditLog.objects.filter(action="signatures.export").exists())
        yield from signatures_rows(petition)

    monkeypatch.setattr(export_signatures, "signatures_rows", rows)
    output = tmp_path / "signatures.csv"
    call_command("export_signatures", "--petition", "calexit", "--output", str(output))
    assert audited_first == [True]
    assert stat.S_IMODE(os.stat(output).st_mode) == 0o600
    assert output.read_text().count("\n") == 2
