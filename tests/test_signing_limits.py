"""Signing abuse, handled as the UK petitions site learned: a signature over a
limit is accepted and quietly held; it counts only once a reviewer accepts it."""

from __future__ import annotations

import logging
import uuid

import pytest
from django.core import mail
from django.db.models import Sum

from petitions.models import AuditLog, Signature, Tally
from petitions.services.signing import signature_confirm, signature_send_confirmation
from petitions.services.tallies import tallies_count, tallies_recount
from petitions.validation.validate import signature_validate, signatures_validate
from tests.conftest import login_verified
from tests.factories import SignatureFactory, VoterFactory

pytestmark = pytest.mark.django_db

SIGN_URL = "/p/calexit/sign/"
SIGNERS = [("Maria", "Garcia"), ("Ana", "Lopez"), ("Rosa", "Diaz"), ("Lucia", "Perez")]


@pytest.fixture(autouse=True)
def own_cache(settings):
    """The real cache (Redis when REDIS_URL is set) in a namespace of this test's own:
    the limits' counters outlive a test run."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}


def form(first: str = "Maria", last: str = "Garcia", email: str = "maria@example.com") -> dict:
    return {
        "first_name": first,
        "middle_name": "",
        "last_name": last,
        "suffix": "",
        "address": "1200 J St",
        "unit": "",
        "city": "Sacramento",
        "zip": "95814",
        "county": "34",
        "email": email,
        "dob": "",
        "attest": "on",
    }


def sign(client, *, address: str = "198.51.100.7", **fields) -> Signature:
    response = client.post(SIGN_URL, form(**fields), REMOTE_ADDR=address)
    assert response.status_code == 302 and response["Location"] == "/p/calexit/sign/check-email/"
    return Signature.objects.latest("pk")


def confirmed(run_on_commit, signature: Signature) -> Signature:
    """Confirm it; validation runs in-process after commit (the batch path)."""
    with run_on_commit():
        signature_confirm(signature=signature)
    signature.refresh_from_db()
    return signature


def tally(calexit, status: str) -> int:
    """The counted number in a status, after a counting run that a recount from the rows agrees with."""
    tallies_count()
    recount = tallies_recount()
    assert recount is not None, "the counting lock was taken"
    assert recount.drift == []
    return Tally.objects.filter(petition=calexit, status=status).aggregate(n=Sum("count"))["n"] or 0


# --- Over a limit: accepted, held, not counted ------------------------------------


def test_signatures_over_the_address_limit_are_accepted_held_and_not_counted(client, settings, calexit, run_on_commit):
    settings.SIGN_RATE_LIMIT = (2, 3600)
    voters = [VoterFactory(first_name=first, last_name=last) for first, last in SIGNERS[:3]]
    signed = [sign(client, first=first, last=last, email=f"{first}@example.com") for first, last in SIGNERS[:3]]

    assert [s.hold for s in signed] == ["", "", "address_rate"]
    assert len(mail.outbox) == 3  # the held signer is asked to confirm like anyone else

    outcomes = [confirmed(run_on_commit, s) for s in signed]
    assert [s.status for s in outcomes] == ["valid", "valid", "review"]
    assert outcomes[2].match_candidates == [{"voter": voters[2].pk, "score": outcomes[2].match_score}]
    assert tally(calexit, "valid") == 2
    assert tally(calexit, "review") == 1


def test_signatures_over_the_email_limit_are_held_whatever_the_address_and_however_the_email_is_written(
    client, settings
):
    settings.SIGN_EMAIL_RATE_LIMIT = (2, 86400)
    sign(client, email="maria@example.com", address="198.51.100.1")
    sign(client, email="Maria@Example.com", address="198.51.100.2")

    third = sign(client, email=" MARIA@example.COM ", address="198.51.100.3")
    other = sign(client, email="ana@example.com", address="198.51.100.4")

    assert (third.hold, other.hold) == ("email_rate", "")


def test_addresses_in_one_ipv6_64_share_the_limit_and_the_next_64_does_not(client, settings):
    settings.SIGN_RATE_LIMIT = (2, 3600)
    sign(client, email="a@example.com", address="2001:db8:1:2::1")
    sign(client, email="b@example.com", address="2001:db8:1:2:ffff:1:2:3")

    same_64 = sign(client, email="c@example.com", address="2001:db8:1:2:abcd::9")
    next_64 = sign(client, email="d@example.com", address="2001:db8:1:3::1")

    assert (same_64.hold, next_64.hold) == ("address_rate", "")
    assert same_64.ip_hash != next_64.ip_hash


def test_a_failed_form_costs_nothing_against_the_limit(client, settings):
    settings.SIGN_RATE_LIMIT = (1, 3600)
    settings.SIGN_EMAIL_RATE_LIMIT = (1, 86400)
    for _ in range(3):
        response = client.post(SIGN_URL, {**form(), "zip": "9581"}, REMOTE_ADDR="198.51.100.7")
        assert response.status_code == 200 and Signature.objects.count() == 0

    assert sign(client).hold == ""
    assert sign(client).hold == "address_rate"


def test_a_held_signature_validated_on_its_own_goes_to_review_not_valid(calexit):
    voter = VoterFactory()
    held = SignatureFactory(hold="address_rate")

    assert signature_validate(signature_id=held.pk).status == "review"
    held.refresh_from_db()
    assert [c["voter"] for c in held.match_candidates] == [voter.pk]
    assert tally(calexit, "valid") == 0
    assert tally(calexit, "review") == 1


def test_a_held_signature_validated_in_a_batch_goes_to_review_and_the_unheld_one_counts(calexit):
    VoterFactory()
    VoterFactory(first_name="Ana", last_name="Lopez")
    held = SignatureFactory(hold="email_rate")
    free = SignatureFactory(first_name="Ana", last_name="Lopez")

    signatures_validate(signature_ids=[held.pk, free.pk])

    assert Signature.objects.get(pk=held.pk).status == "review"
    assert Signature.objects.get(pk=free.pk).status == "valid"
    assert (tally(calexit, "valid"), tally(calexit, "review")) == (1, 1)


# --- A person clears or rejects it ----------------------------------------------------


@pytest.fixture
def held(client, settings, run_on_commit) -> Signature:
    """A confirmed signature over the address limit, waiting in the review queue."""
    settings.SIGN_RATE_LIMIT = (1, 3600)
    VoterFactory(first_name="Ana", last_name="Lopez")
    VoterFactory()
    assert confirmed(run_on_commit, sign(client, first="Ana", last="Lopez", email="ana@example.com")).status == "valid"
    signature = confirmed(run_on_commit, sign(client, email="maria@example.com"))
    assert (signature.status, signature.hold) == ("review", "address_rate")
    return signature


def test_the_review_queue_shows_why_a_signature_is_held(client, reviewer, held):
    login_verified(client, reviewer)

    page = client.get("/dashboard/review/?petition=calexit").content.decode()

    assert f'data-signature="{held.pk}"' in page
    assert 'id="review-hold"' in page
    assert "Held: over the signing limit for its address." in page


def test_a_reviewer_who_accepts_a_held_signature_makes_it_count_and_clears_the_hold(client, reviewer, held, calexit):
    assert tally(calexit, "valid") == 1
    login_verified(client, reviewer)

    voter = held.match_candidates[0]["voter"]
    client.post(f"/dashboard/review/{held.pk}/decide/", {"action": "accept", "voter": voter})

    held.refresh_from_db()
    assert (held.status, held.hold, held.decided_by) == ("valid", "", reviewer)
    assert tally(calexit, "valid") == 2
    assert tally(calexit, "review") == 0
    assert AuditLog.objects.get(action="signature.decide").detail["before"]["hold"] == "address_rate"


def test_a_reviewer_who_rejects_a_held_signature_makes_it_invalid_as_fraud(client, reviewer, held, calexit):
    login_verified(client, reviewer)

    client.post(f"/dashboard/review/{held.pk}/decide/", {"action": "reject", "reason": "fraud"})

    held.refresh_from_db()
    assert (held.status, held.reason) == ("invalid", "fraud")
    assert tally(calexit, "valid") == 1
    assert tally(calexit, "invalid") == 1


# --- Failing open -----------------------------------------------------------------


def test_with_the_cache_down_a_signature_is_accepted_unheld_and_a_warning_logged(client, settings, caplog):
    settings.SIGN_RATE_LIMIT = (1, 3600)
    settings.SIGN_EMAIL_RATE_LIMIT = (1, 86400)
    settings.CONFIRMATION_EMAIL_LIMIT = (1, 86400)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }  # nothing listens on port 9

    with caplog.at_level(logging.WARNING, logger="petitions.services.abuse"):
        first, second = sign(client), sign(client)

    assert (first.hold, second.hold) == ("", "")
    assert len(mail.outbox) == 2
    assert "signing limits not checked" in caplog.text


# --- The confirmation email cap -------------------------------------------------------


def test_an_email_address_gets_at_most_its_share_of_confirmation_emails(client, settings, run_on_commit):
    settings.CONFIRMATION_EMAIL_LIMIT = (2, 86400)
    for n in range(4):
        sign(client, email="victim@example.com", address=f"198.51.100.{n + 1}")
    sign(client, email="someone.else@example.com")

    assert Signature.objects.count() == 5
    assert sorted(m.to[0] for m in mail.outbox) == ["someone.else@example.com"] + ["victim@example.com"] * 2
    capped = Signature.objects.filter(email="victim@example.com").order_by("pk")[3]
    assert capped.confirmation_sent_at is not None  # claimed: the sweep does not try it again
    assert signature_send_confirmation(signature_id=capped.pk) is False
    assert len(mail.outbox) == 3
