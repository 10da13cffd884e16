"""Retention: personal data goes when it is no longer needed, the counts stay;
confirmation links stop working after a week or once the petition closes."""

import io
import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from petitions import tasks
from petitions.models import AuditLog, Circulator, KeyedLine, PetitionSection, Signature
from petitions.selectors import petition_counts
from petitions.services.paper import KeyedLineInput, paper_lines_create
from petitions.services.retention import PURGED_SIGNATURE_FIELDS
from petitions.services.tallies import tallies_count, tallies_recount
from petitions.validation.revalidate import signatures_revalidate
from petitions.validation.validate import signatures_validate
from tests.factories import SIGN_FORM, SignatureFactory, VoterFactory

pytestmark = pytest.mark.django_db


def purge(*args) -> str:
    out = io.StringIO()
    call_command("purge_personal_data", "--petition", "calexit", *args, stdout=out)
    return out.getvalue()


def numbers(petition) -> tuple:
    counts = petition_counts(petition)
    return (vars(counts.statewide), [vars(row) for row in counts.by_county], counts.online)


@pytest.fixture
def campaign(calexit, django_user_model, run_on_commit):
    """A closed petition with every kind of signature: a counted pledge and its
    duplicate, an unregistered person twice, paper lines by a circulator, a
    double-entry keyed line, one in review."""
    maria = VoterFactory()
    VoterFactory(first_name="Jose", last_name="Ruiz", address_number="5", street_name="K")
    VoterFactory(first_name="Jose", last_name="Ruiz", address_number="5", street_name="K", registrant_id="X1")
    online = [
        SignatureFactory(dob=date(1980, 1, 2), ip_hash="ab" * 32, confirm_nonce="n" * 32),
        SignatureFactory(middle_name="Elena", unit="4"),
        SignatureFactory(first_name="Nobody", last_name="Known", address="9 Z St"),
        SignatureFactory(first_name="Nobody", last_name="Known", address="9 Z St"),
        SignatureFactory(first_name="Jose", last_name="Ruiz", address="5 K St"),
    ]
    circulator = Circulator.objects.create(
        petition=calexit,
        name="Ana Ruiz",
        address="9 P St",
        city="Sacramento",
        zip="95814",
        phone="916-555-0100",
        email="ana@example.org",
    )
    section = PetitionSection.objects.create(petition=calexit, number="S-1", county_id="34", circulator=circulator)
    KeyedLine.objects.create(
        section=section,
        line=1,
        entry=1,
        name="Maria Garcia",
        address="1200 J St",
        keyed_by=django_user_model.objects.create_user("keyer"),
    )
    with run_on_commit():
        paper_lines_create(
            lines=[
                KeyedLineInput(
                    section=section, line=1, name="Maria Garcia", address="1200 J St", city="Sacramento", zip="95814"
                )
            ]
        )
    signatures_validate(signature_ids=[s.pk for s in online])
    SignatureFactory(status="unconfirmed", email="late@example.com")
    tallies_count()
    statuses = set(Signature.objects.values_list("status", flat=True))
    assert {"valid", "duplicate", "invalid", "review", "unconfirmed"} <= statuses, statuses
    assert maria.signatures.count() == 3  # two online, one paper line
    calexit.is_open = False
    calexit.deadline = timezone.localdate() - timedelta(days=calexit.retention_days + 1)
    calexit.save()
    return calexit


def test_a_purge_removes_every_signers_personal_data_and_the_counts_do_not_change(campaign):
    before = numbers(campaign)
    voters_before = dict(Signature.objects.values_list("pk", "voter_id"))
    kept_before = list(
        Signature.objects.order_by("pk").values_list(
            "channel", "county_id", "status", "reason", "section_id", "line", "duplicate_of_id"
        )
    )

    out = purge()

    assert "Purged the personal data of 7 signatures, 1 circulators and 1 keyed lines of calexit" in out
    for signature in Signature.objects.all():
        assert signature.purged_at is not None
        assert all(getattr(signature, name) == empty for name, empty in PURGED_SIGNATURE_FIELDS.items()), signature
    assert (
        list(
            Signature.objects.order_by("pk").values_list(
                "channel", "county_id", "status", "reason", "section_id", "line", "duplicate_of_id"
            )
        )
        == kept_before
    )
    assert dict(Signature.objects.values_list("pk", "voter_id")) == voters_before
    circulator = Circulator.objects.get()
    assert (circulator.name, circulator.address, circulator.phone, circulator.email) == ("", "", "", "")
    assert KeyedLine.objects.get().name == ""

    tallies_count()
    assert numbers(campaign) == before
    run = tallies_recount()
    assert run.drift == []  # the rows still make the same counts
    assert numbers(campaign) == before

    audit = AuditLog.objects.get(action="signatures.purge_personal_data")
    assert audit.object_id == str(campaign.pk) and audit.detail["signatures"] == 7
    assert audit.actor.startswith("purge_personal_data")


def test_purging_twice_changes_nothing_the_second_time(campaign):
    purge()
    first = {s.pk: (s.purged_at, s.status) for s in Signature.objects.all()}

    out = purge()

    assert "Purged the personal data of 0 signatures, 0 circulators and 0 keyed lines" in out
    assert {s.pk: (s.purged_at, s.status) for s in Signature.objects.all()} == first


def test_a_purge_is_refused_before_the_retention_period_is_over(campaign):
    campaign.deadline = timezone.localdate() - timedelta(days=campaign.retention_days - 1)
    campaign.save()

    with pytest.raises(CommandError) as refused:
        purge()

    assert refused.value.returncode == 1
    ends = campaign.deadline + timedelta(days=campaign.retention_days + 1)
    assert f"may be purged from {ends.isoformat()}" in str(refused.value)
    assert not Signature.objects.filter(purged_at__isnull=False).exists()
    assert Signature.objects.exclude(address="").count() == 7
    assert not AuditLog.objects.filter(action="signatures.purge_personal_data").exists()


def test_a_purge_is_refused_while_the_petition_is_open(campaign):
    campaign.is_open = True
    campaign.deadline = None
    campaign.save()

    with pytest.raises(CommandError, match="still open"):
        purge()
    assert not Signature.objects.filter(purged_at__isnull=False).exists()


def test_a_dry_run_says_what_it_would_purge_and_changes_nothing(campaign):
    out = purge("--dry-run")

    assert "Would purge the personal data of 7 signatures" in out
    assert not Signature.objects.filter(purged_at__isnull=False).exists()
    assert not AuditLog.objects.filter(action="signatures.purge_personal_data").exists()


def test_a_purge_works_in_batches(campaign):
    from petitions.services.retention import signatures_purge_personal_data

    summary = signatures_purge_personal_data(petition=campaign, actor="test", batch=2)

    assert summary.signatures == 7
    assert not Signature.objects.filter(purged_at__isnull=True).exists()


def test_a_new_voter_file_does_not_send_purged_signatures_back_to_validation(campaign):
    purge()
    assert signatures_revalidate() == 0


def test_unconfirmed_signatures_lose_their_personal_data_after_the_retention_days(calexit, settings):
    settings.UNCONFIRMED_RETENTION_DAYS = 7
    old = SignatureFactory(status="unconfirmed", confirm_nonce="x" * 32)
    recent = SignatureFactory(status="unconfirmed")
    confirmed_long_ago = SignatureFactory(status="pending")
    Signature.objects.filter(pk__in=[old.pk, confirmed_long_ago.pk]).update(
        created_at=timezone.now() - timedelta(days=8)
    )

    assert tasks.purge_unconfirmed_signatures.delay().get() == 1

    old.refresh_from_db()
    assert old.purged_at is not None and (old.email, old.first_name, old.confirm_nonce) == ("", "", "")
    assert old.status == "unconfirmed"
    assert Signature.objects.get(pk=recent.pk).email == recent.email
    assert Signature.objects.get(pk=confirmed_long_ago.pk).email == confirmed_long_ago.email
    assert AuditLog.objects.get(action="signatures.purge_unconfirmed").detail == {"signatures": 1, "older_than_days": 7}


def test_the_unconfirmed_purge_runs_daily_from_the_beat_schedule(settings):
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "petitions.tasks.purge_unconfirmed_signatures" in tasks_scheduled


# --- Confirmation links ---------------------------------------------------------


def signed_link(client) -> str:
    assert client.post("/p/calexit/sign/", SIGN_FORM).status_code == 302
    body = str(mail.outbox[-1].body)
    found = re.search(r"http://[^/\s]+(/p/calexit/confirm/[^\s]+/)", body)
    assert found, body
    return found.group(1)


def test_a_confirmation_link_expires_after_the_configured_days(client, settings):
    settings.CONFIRMATION_LINK_DAYS = 7
    link = signed_link(client)
    Signature.objects.update(created_at=timezone.now() - timedelta(days=7, minutes=1))

    page = client.get(link)
    posted = client.post(link)

    assert (page.status_code, posted.status_code) == (410, 410)
    assert "This confirmation link has expired" in page.content.decode()
    assert "Nothing was changed" in posted.content.decode()
    signature = Signature.objects.get()
    assert (signature.status, signature.confirmed_at) == ("unconfirmed", None)


def test_a_confirmation_link_still_works_within_the_days(client, settings):
    settings.CONFIRMATION_LINK_DAYS = 7
    link = signed_link(client)
    Signature.objects.update(created_at=timezone.now() - timedelta(days=6, hours=23))

    assert client.post(link).status_code == 302
    assert Signature.objects.get().confirmed_at is not None


@pytest.mark.parametrize("closing", ["is_open", "deadline"])
def test_a_confirmation_link_does_nothing_once_the_petition_closes(client, calexit, closing):
    link = signed_link(client)
    if closing == "is_open":
        calexit.is_open = False
    else:
        calexit.deadline = timezone.localdate() - timedelta(days=1)
    calexit.save()

    page = client.get(link)
    posted = client.post(link)

    assert (page.status_code, posted.status_code) == (410, 410)
    assert "is closed" in page.content.decode() and "no longer accepts signatures" in posted.content.decode()
    assert Signature.objects.get().status == "unconfirmed"


def test_a_purged_unconfirmed_signatures_link_is_not_valid(client, settings):
    link = signed_link(client)
    Signature.objects.update(created_at=timezone.now() - timedelta(days=30))
    tasks.purge_unconfirmed_signatures.delay()

    assert client.post(link).status_code == 404
    signature = Signature.objects.get()
    assert (signature.status, signature.email, signature.confirmed_at) == ("unconfirmed", "", None)


def test_the_sweep_sends_no_confirmation_email_for_an_expired_or_purged_signature(calexit, settings):
    settings.CONFIRMATION_LINK_DAYS = 7
    expired = SignatureFactory(status="unconfirmed")
    purged = SignatureFactory(status="unconfirmed", email="", purged_at=timezone.now())
    waiting = SignatureFactory(status="unconfirmed")
    Signature.objects.filter(pk=expired.pk).update(created_at=timezone.now() - timedelta(days=8))
    Signature.objects.filter(pk__in=[purged.pk, waiting.pk]).update(created_at=timezone.now() - timedelta(hours=1))

    assert tasks.sweep_stuck_work.delay().get()["emails"] == 1

    assert [message.to for message in mail.outbox] == [[waiting.email]]


def test_the_sweep_sends_no_form_email_to_a_purged_signature(campaign):
    Signature.objects.filter(channel="online").update(
        form_email_sent_at=None, validated_at=timezone.now() - timedelta(hours=1)
    )
    purge()

    assert tasks.sweep_stuck_work.delay().get()["form_emails"] == 0
