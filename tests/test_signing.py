"""Signing online: the form, the confirmation email, confirming with a POST."""

import re
import uuid

import pytest
from django.core import mail

from petitions.models import Signature
from tests.factories import SIGN_FORM, VoterFactory

SIGN_URL = "/p/calexit/sign/"

pytestmark = pytest.mark.django_db


def confirmation_path(message) -> str:
    match = re.search(r"http://[^/\s]+(/p/calexit/confirm/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_a_voter_signs_and_is_asked_to_check_their_email(client):
    response = client.post(SIGN_URL, SIGN_FORM)

    assert response.status_code == 302
    assert response["Location"] == "/p/calexit/sign/check-email/"
    signature = Signature.objects.get()
    assert signature.status == "unconfirmed"
    assert (signature.first_name, signature.county_id, signature.email) == ("Maria", "34", "maria@example.com")
    assert "Check your email" in client.get(response["Location"]).content.decode()


def test_the_confirmation_email_is_sent_once_with_one_confirm_link(client):
    client.post(SIGN_URL, SIGN_FORM)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["maria@example.com"]
    assert len(re.findall(r"/confirm/", mail.outbox[0].body)) == 1
    assert Signature.objects.get().confirmation_sent_at is not None


def test_opening_the_link_changes_nothing_and_the_post_confirms(client):
    VoterFactory()
    client.post(SIGN_URL, SIGN_FORM)
    path = confirmation_path(mail.outbox[0])

    page = client.get(path)
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    assert Signature.objects.get().status == "unconfirmed"

    response = client.post(path)
    assert response.status_code == 302 and response["Location"].startswith("/p/calexit/thanks/?form=")
    signature = Signature.objects.get()
    assert signature.confirmed_at is not None
    assert signature.status == "valid"  # validated in-process after commit
    assert "What happens next" in client.get(response["Location"]).content.decode()


def test_confirming_twice_counts_once(client):
    client.post(SIGN_URL, SIGN_FORM)
    path = confirmation_path(mail.outbox[0])
    client.post(path)
    client.post(path)

    from petitions.models import TallyChange

    assert TallyChange.objects.filter(delta=1, status="pending").count() == 1


def test_a_tampered_link_is_refused(client):
    client.post(SIGN_URL, SIGN_FORM)
    path = confirmation_path(mail.outbox[0])
    broken = path[:-3] + ("0" if path[-3] != "0" else "1") + "/"

    assert client.get(broken).status_code == 404
    assert client.post(broken).status_code == 404
    assert client.post("/p/calexit/confirm/not-a-token/").status_code == 404
    assert Signature.objects.get().status == "unconfirmed"


def test_the_client_ip_is_stored_only_as_a_keyed_hash(client):
    client.post(SIGN_URL, SIGN_FORM, REMOTE_ADDR="203.0.113.9")

    signature = Signature.objects.get()
    assert len(signature.ip_hash) == 64
    assert "203.0.113.9" not in str(Signature.objects.values().get())


def test_too_many_signatures_from_one_address_are_accepted_and_quietly_held(client, settings):
    settings.SIGN_RATE_LIMIT = (2, 3600)
    address = f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::9"  # the cache (Redis) outlives a test run
    for n in range(2):
        signed = client.post(SIGN_URL, {**SIGN_FORM, "email": f"s{n}@example.com"}, REMOTE_ADDR=address)
        assert signed.status_code == 302

    third = client.post(SIGN_URL, {**SIGN_FORM, "email": "s3@example.com"}, REMOTE_ADDR=address)

    assert third.status_code == 302 and third["Location"] == "/p/calexit/sign/check-email/"
    assert list(Signature.objects.order_by("pk").values_list("hold", flat=True)) == ["", "", "address_rate"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "", "This field is required."),
        ("first_name", "M4ria", "Use letters only"),
        ("last_name", "", "This field is required."),
        ("last_name", "=cmd()", "Use letters only"),
        ("middle_name", "J3", "Use letters only"),
        ("suffix", "Esq", "Select a valid choice"),
        ("address", "", "This field is required."),
        ("address", "J Street", "Start with the street number"),
        ("city", "", "This field is required."),
        ("zip", "", "This field is required."),
        ("zip", "9581", "Enter a 5-digit ZIP code"),
        ("zip", "10001", "not a California ZIP code"),
        ("county", "", "This field is required."),
        ("county", "59", "Choose your county from the list."),
        ("email", "", "This field is required."),
        ("email", "maria@", "Enter a valid email address."),
        ("dob", "12/31/1980", "Enter the date as YYYY-MM-DD."),
        ("dob", "2999-01-01", "cannot be in the future"),
        ("dob", "2015-01-01", "You must be 18 or older"),
        ("dob", "1850-01-01", "Check the year"),
        ("attest", "", "Please confirm that you are a registered California voter"),
        ("first_name", "x" * 101, "Ensure this value has at most 100 characters"),
    ],
)
def test_each_bad_field_gets_a_clear_message_and_nothing_is_stored(client, field, value, message):
    data = {**SIGN_FORM, field: value}
    if field == "attest" and not value:
        del data["attest"]

    response = client.post(SIGN_URL, data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in " ".join(errors[field])
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert Signature.objects.count() == 0
    assert len(mail.outbox) == 0


def test_a_closed_petition_takes_no_signatures(client, calexit):
    calexit.is_open = False
    calexit.save()

    assert client.get(SIGN_URL).status_code == 410
    assert client.post(SIGN_URL, SIGN_FORM).status_code == 410
    assert Signature.objects.count() == 0


def test_the_signing_page_is_never_cached_but_the_petition_page_is(client, settings):
    assert "no-cache" in client.get(SIGN_URL)["Cache-Control"]
    assert client.get("/p/calexit/")["Cache-Control"] == f"public, max-age={settings.COUNT_INTERVAL}"
