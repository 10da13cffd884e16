"""The whole path on the real stack: PostgreSQL, Redis and a real Celery worker with beat.

Sign, get the email, open the link (nothing happens), confirm with the POST,
validated by the worker, counted by the beat's counting run, visible in the API
and on the dashboard; and when Redis is down, nothing is lost."""

import re
from pathlib import Path

import pytest

from calexit.celery import app as celery_app
from petitions.models import Signature
from tests.conftest import wait_for
from tests.factories import VoterFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SIGNER = {
    "first_name": "Maria",
    "last_name": "Garcia",
    "address": "1200 J St",
    "unit": "",
    "city": "Sacramento",
    "zip": "95814",
    "county": "34",
    "email": "maria.e2e@example.com",
    "attest": "on",
}


def emailed_link(mail_dir: Path, address: str) -> str | None:
    for message in sorted(mail_dir.glob("*.log")):
        text = message.read_text()
        if f"To: {address}" in text:
            found = re.search(r"http://[^/\s]+(/p/calexit/confirm/\S+/)", text)
            if found:
                return found.group(1)
    return None


def api_counts(client) -> dict:
    return client.get("/api/petitions/calexit.json").json()


def sacramento_row(payload: dict) -> dict:
    return next(row for row in payload["by_county"] if row["code"] == "34")


def test_sign_confirm_validate_count_and_show(client, celery_worker_process, volunteer):
    mail_dir = celery_worker_process
    voter = VoterFactory()

    response = client.post("/p/calexit/sign/", SIGNER)
    assert response.status_code == 302
    signature = Signature.objects.get(email=SIGNER["email"])

    link = wait_for(lambda: emailed_link(mail_dir, SIGNER["email"]), what="the confirmation email from the worker")

    assert client.get(link).status_code == 200
    # Nothing to wait for: confirming is the request's own write (the worker only validates
    # what is confirmed), so had the GET confirmed, it would show as soon as the GET returned.
    signature.refresh_from_db()
    assert signature.status == "unconfirmed"  # a GET (an email scanner) confirms nothing
    assert signature.confirmed_at is None

    assert client.post(link).status_code == 302
    wait_for(
        lambda: Signature.objects.filter(pk=signature.pk, status="valid").exists(), what="validation by the worker"
    )
    signature.refresh_from_db()
    assert signature.voter == voter

    payload = wait_for(
        lambda: (p := api_counts(client))["counts"]["pledged"] == 1 and p, what="the beat's counting run"
    )
    # Per county the API shows the hourly snapshot, and one signature is too few to show there.
    assert sacramento_row(payload)["pledged"] is None
    assert payload["by_county_as_of"] and payload["suppressed_below"] == 10
    assert payload["counts"]["raw"] == 0  # a wet-ink petition: online signatures are pledged until the ink returns
    assert payload["updated_at"]

    client.force_login(volunteer)
    page = client.get("/dashboard/").content.decode()
    row = re.search(r'<tr data-county="34"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r">(\d+)<", row)[-1] == "1"  # the pledged column


def emailed_form_link(mail_dir: Path, address: str) -> str | None:
    for message in sorted(mail_dir.glob("*.log")):
        text = message.read_text()
        if f"To: {address}" in text and "Your petition form" in text:
            found = re.search(r"http://[^/\s]+(/p/calexit/form/\S+/)", text)
            if found:
                return found.group(1)
    return None


def test_the_wet_ink_form_is_emailed_printed_scanned_at_intake_and_counts(client, celery_worker_process, volunteer):
    """Sign, confirm, the worker emails the form, the PDF carries the code, a volunteer
    scans it: the county's raw count grows by one and pledged falls by one."""
    from io import BytesIO

    from pypdf import PdfReader

    mail_dir = celery_worker_process
    VoterFactory(first_name="Rosa", last_name="Diaz")
    signer = {**SIGNER, "first_name": "Rosa", "last_name": "Diaz", "email": "rosa.ink@example.com"}
    assert client.post("/p/calexit/sign/", signer).status_code == 302
    link = wait_for(lambda: emailed_link(mail_dir, signer["email"]), what="the confirmation email")
    thanks = client.post(link)
    assert "/thanks/?form=" in thanks["Location"]
    assert "/form/" in client.get(thanks["Location"]).content.decode()  # the thank-you page links to the form at once

    form_link = wait_for(lambda: emailed_form_link(mail_dir, signer["email"]), what="the 'Your petition form' email")
    response = client.get(form_link)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    code = re.search(r"Code:\s*(F\d+)", text).group(1)
    assert "Rosa Diaz" in text and "Sacramento" in text

    payload = wait_for(lambda: (p := api_counts(client))["counts"]["pledged"] == 1 and p, what="the pledge counted")
    assert (payload["counts"]["raw"], payload["counts"]["pledged"]) == (0, 1)  # statewide: live

    client.force_login(volunteer)
    assert client.post("/dashboard/intake/", {"code": code}).status_code == 302
    assert "Received" in client.get("/dashboard/intake/").content.decode()
    payload = wait_for(lambda: (p := api_counts(client))["counts"]["raw"] == 1 and p, what="the form counted as raw")
    counts = payload["counts"]
    assert (counts["raw"], counts["valid"], counts["pledged"]) == (1, 1, 0)
    page = client.get("/dashboard/").content.decode()
    cells = re.findall(r"<td[^>]*>(.*?)</td>", re.search(r'<tr data-county="34"[^>]*>(.*?)</tr>', page, re.S).group(1))
    assert (cells[2], cells[8]) == ("1", "0")  # the raw and pledged columns


def _broker_down():
    """Point this process's Celery producer at a port where nothing listens."""
    good = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:9/0"
    celery_app._pool = None
    return good


def _broker_up(url):
    celery_app.conf.broker_url = url
    celery_app._pool = None


def test_with_redis_down_signatures_are_saved_and_the_sweep_catches_up(client, celery_worker_process):
    mail_dir = celery_worker_process
    VoterFactory(first_name="Ana", last_name="Lopez")
    signer = {**SIGNER, "first_name": "Ana", "last_name": "Lopez", "email": "ana.down@example.com"}

    good = _broker_down()
    try:
        response = client.post("/p/calexit/sign/", signer)
    finally:
        _broker_up(good)
    assert response.status_code == 302  # the signer sees no error
    signature = Signature.objects.get(email=signer["email"])
    assert signature.confirmation_sent_at is None

    link = wait_for(lambda: emailed_link(mail_dir, signer["email"]), timeout=60, what="the sweep to send the email")

    good = _broker_down()
    try:
        assert client.post(link).status_code == 302
    finally:
        _broker_up(good)
    signature.refresh_from_db()
    assert signature.status == "pending"
    wait_for(
        lambda: Signature.objects.filter(pk=signature.pk, status="valid").exists(),
        timeout=60,
        what="the sweep to validate the pending signature",
    )
