"""Each signer's email goes out exactly once, with a lease and a back-off (services.outbox): a failed
send is tried again when due, a send whose worker died is tried again when its lease expires, and
the sweep stops at the first failure instead of hammering a server that is down."""

from __future__ import annotations

import smtplib
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import OperationalError
from django.utils import timezone

from petitions import tasks
from petitions.models import Signature
from petitions.services import outbox, signing
from tests.factories import SignatureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_down(monkeypatch):
    """The SMTP server refuses every message until `smtp_down.up()`."""

    class Server:
        refused = 0

        def send(self, *args, **kwargs):
            Server.refused += 1
            raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")

        def up(self):
            monkeypatch.setattr(signing, "send_mail", original)

    original = signing.send_mail
    server = Server()
    monkeypatch.setattr(signing, "send_mail", server.send)
    return server


def waiting(**fields):
    """An unconfirmed online signature whose confirmation email is due for the sweep."""
    signature = SignatureFactory(status="unconfirmed", **fields)
    Signature.objects.filter(pk=signature.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    return signature


def state(signature: Signature) -> tuple:
    signature.refresh_from_db()
    return signature.confirmation_sent_at is not None, signature.confirmation_attempts


def test_a_failed_send_backs_off_and_is_sent_once_when_due(calexit, smtp_down, settings):
    settings.EMAIL_RETRY_BASE = 30
    signature = waiting()

    assert tasks.send_confirmation_email(signature.pk) is False  # refused: the task does not raise or retry
    assert state(signature) == (False, 1)
    assert signature.confirmation_retry_at > timezone.now() + timedelta(seconds=25)

    # Not due yet: neither the task again nor the sweep tries.
    assert tasks.send_confirmation_email(signature.pk) is False
    assert tasks.sweep_stuck_work()["emails"] == 0
    assert smtp_down.refused == 1

    smtp_down.up()
    Signature.objects.filter(pk=signature.pk).update(confirmation_retry_at=timezone.now() - timedelta(seconds=1))
    assert tasks.sweep_stuck_work()["emails"] == 1
    assert state(signature) == (True, 2)
    assert tasks.sweep_stuck_work()["emails"] == 0
    assert signing.signature_send_confirmation(signature_id=signature.pk) is False
    assert [m.to for m in mail.outbox] == [[signature.email]]


def test_a_send_whose_worker_died_is_sent_when_its_lease_expires(calexit, settings):
    settings.EMAIL_SEND_LEASE = 120
    signature = waiting()
    # A worker took the lease and died before sending (no outcome was recorded).
    Signature.objects.filter(pk=signature.pk).update(
        confirmation_retry_at=timezone.now() + timedelta(seconds=120), confirmation_attempts=1
    )
    assert tasks.sweep_stuck_work()["emails"] == 0
    assert signing.signature_send_confirmation(signature_id=signature.pk) is False  # a redelivered task
    assert mail.outbox == []

    Signature.objects.filter(pk=signature.pk).update(confirmation_retry_at=timezone.now() - timedelta(seconds=1))
    assert tasks.sweep_stuck_work()["emails"] == 1
    assert state(signature) == (True, 2)
    assert len(mail.outbox) == 1


def test_during_an_outage_a_sweep_makes_one_attempt_not_one_per_signer(calexit, smtp_down):
    signatures = [waiting() for _ in range(5)]

    result = tasks.sweep_stuck_work()

    assert (result["emails"], result["email_failures"]) == (0, 1)
    assert smtp_down.refused == 1
    assert sorted(state(s)[1] for s in signatures) == [0, 0, 0, 0, 1]
    # The next sweep tries one never tried before the one that just failed.
    tasks.sweep_stuck_work()
    assert sorted(state(s)[1] for s in signatures) == [0, 0, 0, 1, 1]


class DatabaseAway:
    """An UPDATE that fails `times` times as on a restarting database, then runs."""

    def __init__(self, times: int):
        self.times, self.calls = times, 0

    def __call__(self) -> None:
        self.calls += 1
        if self.calls <= self.times:
            raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # outside a transaction, as in a worker
def test_recording_a_sent_email_waits_for_a_restarting_database(monkeypatch):
    monkeypatch.setattr(outbox, "RECORD_RETRY", 0)
    update = DatabaseAway(times=2)
    outbox.record_sent(update, time.monotonic() + 60, "signature 1: confirmation email")
    assert update.calls == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_recording_a_sent_email_gives_up_when_the_lease_would_end(monkeypatch):
    """After the lease the sweep may send the email again: waiting longer would hide that."""
    monkeypatch.setattr(outbox, "RECORD_RETRY", 0.5)
    update = DatabaseAway(times=5)
    with pytest.raises(OperationalError):
        outbox.record_sent(update, time.monotonic() + 0.2, "signature 1: confirmation email")
    assert update.calls == 1


def test_recording_a_sent_email_inside_a_transaction_is_not_retried():
    """The transaction is lost with the connection: the caller's own retry has to redo it."""
    update = DatabaseAway(times=1)
    with pytest.raises(OperationalError):
        outbox.record_sent(update, time.monotonic() + 60, "notification x")
    assert update.calls == 1


def test_the_back_off_doubles_up_to_its_ceiling(settings):
    settings.EMAIL_RETRY_BASE = 30
    settings.EMAIL_RETRY_MAX = 3600
    assert [outbox.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 8, 20)] == [30, 60, 120, 240, 3600, 3600]


def test_the_sweep_requeues_stuck_validations_only_when_their_queue_is_empty(calexit, monkeypatch, settings):
    settings.SWEEP_GRACE = 60
    stuck = SignatureFactory(status="pending")
    Signature.objects.filter(pk=stuck.pk).update(updated_at=timezone.now() - timedelta(minutes=10))
    queued = []
    monkeypatch.setattr(tasks, "validation_queue", lambda ids, on_commit: queued.append(list(ids)))

    monkeypatch.setattr(tasks, "queue_length", lambda name: 40 if name == "validation" else 0)
    assert tasks.sweep_stuck_work()["validations"] == 0  # a backlog is not stuck
    monkeypatch.setattr(tasks, "queue_length", lambda name: 0)
    assert tasks.sweep_stuck_work()["validations"] == 1
    assert queued == [[stuck.pk]]
