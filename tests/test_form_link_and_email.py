"""The signer's way to their wet-ink form: the thank-you page links to it at
once, the "Your petition form" email links to it once validation has run, and
the link is unguessable, safe on GET and good for the circulation period."""

import html
import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from petitions import tasks
from petitions.codes import form_code
from petitions.documents.wet_ink_form import wet_ink_form_text
from petitions.models import Signature
from petitions.services import wet_ink
from tests.factories import SIGN_FORM, SignatureFactory, VoterFactory, validated

pytestmark = pytest.mark.django_db


def confirmed(**fields) -> Signature:
    return validated(confirm_nonce="0123456789abcdef0123456789abcdef", **fields)


def form_emails() -> list:
    return [m for m in mail.outbox if "Your petition form" in m.subject or "already signed" in m.subject]


def test_the_thank_you_page_links_to_the_signers_form_at_once(client):
    VoterFactory()
    client.post("/p/calexit/sign/", SIGN_FORM)
    confirm_path = re.search(r"http://[^/\s]+(/p/calexit/confirm/\S+/)", mail.outbox[0].body).group(1)
    thanks = client.get(client.post(confirm_path)["Location"]).content.decode()
    form_path = re.search(r'id="form-download" href="([^"]+)"', thanks).group(1)
    assert "/p/calexit/form/" in form_path
    response = client.get(form_path)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_thank_you_page_without_a_valid_form_token_shows_no_link(client):
    page = client.get("/p/calexit/thanks/?form=1-deadbeef").content.decode()
    assert "form-download" not in page and "Thank you" in page


def test_getting_the_form_changes_nothing(client):
    VoterFactory()
    signature = confirmed()
    before = Signature.objects.filter(pk=signature.pk).values().get()
    assert client.get(wet_ink.form_path(signature)).status_code == 200
    assert Signature.objects.filter(pk=signature.pk).values().get() == before


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-1] + ("0" if token[-1] != "0" else "1"),  # one character of the hash changed
        lambda token: "9" + token,  # another signature's id
        lambda token: "\u0661" + token[1:],  # an Arabic-Indic digit for the id
        lambda token: "",
    ],
)
def test_a_tampered_form_link_is_not_found(client, mangle):
    VoterFactory()
    signature = confirmed()
    path = wet_ink.form_path(signature).replace(wet_ink.form_token(signature), mangle(wet_ink.form_token(signature)))
    response = client.get(path)
    assert response.status_code == 404


def test_an_unconfirmed_signature_has_no_form(client):
    signature = SignatureFactory(status="unconfirmed", confirm_nonce="0123456789abcdef0123456789abcdef")
    assert client.get(wet_ink.form_path(signature)).status_code == 404


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_form_as_text_says_what_the_pdf_says_in_reading_order(client):
    """The PDF's text alternative: every piece of the page's form text is printed on the PDF,
    in the same order, the pre-filled boxes with their values and the ink boxes marked blank."""
    VoterFactory()
    signature = confirmed(first_name="Maria", last_name="Garcia")
    thanks = client.get(f"/p/calexit/thanks/?form={wet_ink.form_token(signature)}").content.decode()
    assert f'id="form-text" href="{wet_ink.form_text_path(signature)}"' in thanks

    response = client.get(wet_ink.form_text_path(signature))
    assert response.status_code == 200 and response["X-Robots-Tag"] == "noindex"
    page = html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    pdf = _words(
        " ".join(
            p.extract_text() for p in PdfReader(io.BytesIO(client.get(wet_ink.form_path(signature)).content)).pages
        )
    )
    _title, blocks = wet_ink_form_text(signature)
    position = 0
    for block in blocks:
        for words in filter(None, [block.label, block.value]):
            assert _words(words) in _words(page), words
            if block.kind != "code":
                found = pdf.replace(" ", "").find(words.replace(" ", ""), position)
                assert found >= 0, f"{words!r} is not on the PDF after what comes before it"
                position = found
    fields = {block.label: block.value for block in blocks if block.kind == "field"}
    assert fields["PRINT YOUR NAME"] == "Maria Garcia"
    assert fields["YOUR SIGNATURE AS REGISTERED TO VOTE (IN INK)"] == ""
    assert "(left blank: write it in ink on the printed form)" in page
    assert "DECLARATION OF CIRCULATOR" in [block.value for block in blocks if block.kind == "heading"]
    assert [block.value for block in blocks if block.kind == "code"] == [form_code(signature.pk)]


def test_the_form_as_text_in_spanish_and_its_bad_links(client):
    VoterFactory()
    signature = confirmed()
    page = client.get(wet_ink.form_text_path(signature) + "?lang=es").content.decode()
    assert '<html lang="es"' in page and "DECLARACIÓN DEL CIRCULADOR" in page
    assert f'href="{wet_ink.form_path(signature)}?lang=es"' in page  # the PDF in the same language
    bad = wet_ink.form_text_path(signature).replace(wet_ink.form_token(signature), "1-nothing")
    assert client.get(bad).status_code == 404


def test_the_form_link_ends_with_the_circulation_period(client, calexit):
    VoterFactory()
    signature = confirmed()
    calexit.deadline = timezone.localdate()
    calexit.save()
    assert client.get(wet_ink.form_path(signature)).status_code == 200
    calexit.deadline = timezone.localdate() - timedelta(days=1)
    calexit.save()
    assert client.get(wet_ink.form_path(signature)).status_code == 410


def test_a_found_signer_gets_the_form_email_once_with_the_link(run_on_commit):
    VoterFactory()
    with run_on_commit():
        signature = confirmed()
    (message,) = form_emails()
    assert message.subject.startswith("Your petition form") and message.to == [signature.email]
    assert "We found you" in message.body and wet_ink.form_url(signature) in message.body
    signature.refresh_from_db()
    assert signature.form_email_sent_at is not None
    assert tasks.send_form_email(signature.pk) is False  # sent once
    assert len(form_emails()) == 1


def test_a_signer_not_found_is_told_how_to_check_their_registration_and_can_still_print(run_on_commit):
    with run_on_commit():
        signature = confirmed(first_name="Nobody", last_name="Known")
    assert (signature.status, signature.reason) == ("invalid", "not_registered")
    (message,) = form_emails()
    assert "could not find you" in message.body and wet_ink.REGISTRATION_CHECK_URL in message.body
    assert wet_ink.form_url(signature) in message.body


def test_a_signer_who_already_signed_is_asked_not_to_mail_another_form(run_on_commit):
    VoterFactory()
    with run_on_commit():
        confirmed()
        again = confirmed()
    assert again.status == "duplicate"
    subjects = sorted(m.subject.split(":")[0] for m in form_emails())
    assert subjects == ["You have already signed", "Your petition form"]
    message = next(m for m in form_emails() if m.to == [again.email])
    assert "/form/" not in message.body and "do not print or mail another form" in message.body


def test_a_signature_waiting_for_review_gets_no_form_email_yet(run_on_commit):
    VoterFactory(first_name="Mario", last_name="Rossi", address_number="9", street_name="Pine")
    VoterFactory(first_name="Maria", last_name="Rossi", address_number="9", street_name="Pine")
    with run_on_commit():
        signature = confirmed(first_name="Mari", last_name="Rossi", address="9 Pine St")
    assert signature.status == "review" and form_emails() == []


def test_the_sweep_sends_a_form_email_that_never_went_out(settings):
    VoterFactory()
    signature = confirmed()  # outside run_on_commit: the email was never queued
    assert form_emails() == []
    Signature.objects.filter(pk=signature.pk).update(validated_at=timezone.now() - timedelta(hours=1))
    assert tasks.sweep_stuck_work()["form_emails"] == 1
    assert len(form_emails()) == 1
    assert tasks.sweep_stuck_work()["form_emails"] == 0
