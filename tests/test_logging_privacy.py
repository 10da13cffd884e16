"""Signers' personal data never reaches the logs, not even inside a database error."""

import io
import logging

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from petitions.logging import PersonalDataFilter
from petitions.models import Signature

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_output():
    """What the root handler configured in settings.LOGGING writes."""
    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, PersonalDataFilter) for f in h.filters))
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


def integrity_error(create) -> IntegrityError:
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        create()
    return caught.value


def test_a_unique_violation_logged_with_its_text_or_traceback_shows_no_email(log_output):
    User.objects.create_user("ana.lopez@example.org")
    error = integrity_error(lambda: User.objects.create_user("ana.lopez@example.org"))
    assert "ana.lopez@example.org" in str(error) and "DETAIL:" in str(error)  # what PostgreSQL says

    logger = logging.getLogger("petitions.validation.validate")
    logger.warning("batch lost a race to another worker (%s); validating one by one", error)
    try:
        raise error
    except IntegrityError:
        logger.exception("saving failed")

    written = log_output.getvalue()
    assert "batch lost a race to another worker" in written and "saving failed" in written
    assert "Traceback" in written and "IntegrityError" in written
    assert "ana.lopez" not in written and "example.org" not in written
    assert "DETAIL: [removed]" in written


def test_a_check_violation_does_not_log_the_failing_row(log_output, calexit):
    error = integrity_error(
        lambda: Signature.objects.create(
            petition=calexit,
            channel="online",
            county_id="34",
            first_name="Rosalind",
            last_name="Quintero",
            address="77 Elm St",
            email="rq@example.net",
            status="invalid",
            reason="",
        )
    )
    assert "Failing row contains" in str(error) and "Quintero" in str(error)

    logging.getLogger("django.request").error(
        "Internal Server Error: /p/calexit/sign/", exc_info=(type(error), error, error.__traceback__)
    )

    written = log_output.getvalue()
    assert "Internal Server Error" in written
    assert "Quintero" not in written and "77 Elm" not in written and "rq@example.net" not in written


def test_an_email_in_a_plain_message_is_removed():
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "no confirmation email for %s", ("maria@example.com",), None
    )

    PersonalDataFilter().filter(record)

    assert record.getMessage() == "no confirmation email for [email]"


def test_celery_tasks_take_ids_only():
    """Task arguments appear in the broker and in failure logs: never a name or an email."""
    import inspect

    from celery import Task

    from petitions import tasks

    for name, task in vars(tasks).items():
        if isinstance(task, Task):
            params = [p for p in inspect.signature(task.run).parameters.values() if p.name != "self"]
            assert all(p.name.endswith(("_id", "_ids")) for p in params), (name, params)
