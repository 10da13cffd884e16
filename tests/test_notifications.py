"""The organizers' notifications (services.notifications): each sent once, even when counting runs
and checks race; switched off sends nothing; a failed send is retried later and sent once; the daily
summary once per day on a controlled clock."""

from __future__ import annotations

import smtplib
import threading
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connections, transaction

from petitions.models import County, DailySnapshot, Notification, Petition, Tally, TallyChange
from petitions.services.notifications import notifications_check, notifications_daily
from petitions.services.roles import roles_ensure
from petitions.services.tallies import tallies_count
from tests.factories import SignatureFactory

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
NOW = datetime(2026, 12, 5, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that refuses everything."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("connection refused")


def _organizer(email: str = "organizer@example.org", username: str = "organizer") -> User:
    groups = roles_ensure()
    user = User.objects.create_user(username=username, email=email, password="correct horse battery staple")
    user.groups.add(groups["Organizer"])
    return user


def _petition(required: int = 100, **fields) -> Petition:
    petition = Petition.objects.get(slug="calexit")
    petition.required_signatures = required
    for name, value in fields.items():
        setattr(petition, name, value)
    petition.save()
    return petition


def _raw(petition: Petition, valid: int, invalid: int = 0) -> None:
    """The tallies as a counting run leaves them: `valid` + `invalid` filed signatures."""
    Tally.objects.filter(petition=petition).delete()
    Tally.objects.create(petition=petition, county_id="34", filed=True, status="valid", count=valid)
    if invalid:
        Tally.objects.create(petition=petition, county_id="34", filed=True, status="invalid", count=invalid)


def _subjects() -> list[str]:
    return [str(message.subject) for message in mail.outbox]


@pytest.mark.django_db
def test_the_notice_and_each_milestone_are_sent_once_each_as_raw_grows(settings):
    settings.EMAIL_BACKEND = LOCMEM
    organizer = _organizer()
    User.objects.create_user(username="inactive", email="gone@example.org", is_active=False).groups.add(
        roles_ensure()["Organizer"]
    )
    petition = _petition(required=100)

    _raw(petition, 24)
    assert notifications_check(petition, now=NOW) == 0
    _raw(petition, 25)
    assert notifications_check(petition, now=NOW) == 1
    assert notifications_check(petition, now=NOW) == 0  # checked again: nothing new
    _raw(petition, 50)
    notifications_check(petition, now=NOW)
    _raw(petition, 70, invalid=5)  # 75 raw, 70 valid: milestones go by raw
    notifications_check(petition, now=NOW)
    _raw(petition, 100)
    notifications_check(petition, now=NOW)
    _raw(petition, 110)
    notifications_check(petition, now=NOW)
    notifications_check(petition, now=NOW + timedelta(hours=1))

    assert _subjects() == [
        f"{petition.title}: 25 % of the requirement collected, the EC 9034 certification is due",
        f"{petition.title}: 50 % of the requirement collected",
        f"{petition.title}: 75 % of the requirement collected",
        f"{petition.title}: 100 % of the requirement collected",
        f"{petition.title}: 110 % of the requirement collected",
    ]
    assert all(message.bcc == [organizer.email] and message.to == [] for message in mail.outbox)
    assert "Elections Code 9034" in mail.outbox[0].body and "25 raw of 100 required" in mail.outbox[0].body
    assert "Raw:      75 (75.0 % of 100; this milestone: 75)" in mail.outbox[2].body
    keys = dict(Notification.objects.filter(petition=petition).values_list("key", "recipients"))
    assert keys == {"notice-25": 1, "milestone-50": 1, "milestone-75": 1, "milestone-100": 1, "milestone-110": 1}


@pytest.mark.django_db
def test_milestones_crossed_at_once_send_only_the_highest(settings):
    settings.EMAIL_BACKEND = LOCMEM
    _organizer()
    petition = _petition(required=100)
    _raw(petition, 80)
    notifications_check(petition, now=NOW)
    assert sorted(_subjects()) == sorted(
        [
            f"{petition.title}: 25 % of the requirement collected, the EC 9034 certification is due",
            f"{petition.title}: 75 % of the requirement collected",
        ]
    )
    skipped = dict(Notification.objects.filter(petition=petition).values_list("key", "skipped"))
    assert skipped == {"notice-25": "", "milestone-50": "superseded", "milestone-75": ""}


@pytest.mark.django_db
def test_pace_behind_is_sent_at_most_once_a_day(settings):
    settings.EMAIL_BACKEND = LOCMEM
    _organizer()
    today = NOW.date()
    petition = _petition(required=1000, summary_date=today - timedelta(days=30), deadline=today + timedelta(days=30))
    # 2 valid a day over the last week; 900 more are needed in 30 days (30 a day): behind.
    for n in range(1, 9):
        DailySnapshot.objects.create(
            petition=petition, county_id="34", day=today - timedelta(days=n), raw=100 - 2 * n, valid=100 - 2 * n,
            recorded_at=NOW,
        )  # fmt: skip
    _raw(petition, 100)

    notifications_check(petition, now=NOW)
    notifications_check(petition, now=NOW + timedelta(hours=8))
    assert _subjects() == [f"{petition.title}: the pace has fallen behind"]
    body = mail.outbox[0].body
    assert "Valid signatures per day, last 7 days: 2.0" in body
    assert "Needed per day to reach 1000 valid by the circulation deadline" in body and ": 30.0" in body

    notifications_check(petition, now=NOW + timedelta(days=1))  # still behind the next day: one more
    assert _subjects().count(f"{petition.title}: the pace has fallen behind") == 2
    assert list(Notification.objects.filter(kind="pace").order_by("key").values_list("key", flat=True)) == [
        "pace-2026-12-05",
        "pace-2026-12-06",
    ]


@pytest.mark.django_db
def test_the_daily_summary_goes_once_per_day_with_numbers_only(settings):
    settings.EMAIL_BACKEND = LOCMEM
    _organizer()
    petition = _petition(required=1000)
    SignatureFactory(petition=petition, first_name="Zebulon", last_name="Quixote", email="zq@example.org")
    _raw(petition, 120, invalid=30)
    Petition.objects.exclude(pk=petition.pk).update(notifications_off=list(Notification.Kind.values))

    assert notifications_daily(now=NOW) == 1
    assert notifications_daily(now=NOW) == 0  # the beat entry again the same day (a retry, a restart)
    assert notifications_daily(now=NOW + timedelta(hours=14)) == 0  # 23:00, the same day
    assert notifications_daily(now=NOW + timedelta(days=1)) == 1
    assert _subjects() == [
        f"{petition.title}: daily summary for 2026-12-05",
        f"{petition.title}: daily summary for 2026-12-06",
    ]
    body = mail.outbox[0].body
    assert "Raw:         150 (15.0 %)" in body and "Valid:       120 (12.0 %)" in body and "Invalid:     30" in body
    for personal in ("Zebulon", "Quixote", "zq@example.org", "Sacramento"):
        assert personal not in body


@pytest.mark.django_db
def test_switched_off_sends_nothing_and_switching_back_on_sends_no_old_news(settings):
    settings.EMAIL_BACKEND = LOCMEM
    _organizer()
    petition = _petition(required=100, notifications_off=["notice", "milestone", "pace", "daily"])
    _raw(petition, 60)
    assert notifications_check(petition, now=NOW, daily=True) == 0
    assert mail.outbox == []
    assert set(Notification.objects.values_list("key", "skipped")) == {
        ("notice-25", "switched_off"),
        ("milestone-50", "switched_off"),
        ("daily-2026-12-05", "switched_off"),
    }

    petition.notifications_off = ["daily"]  # milestones back on; the daily summary still off
    petition.save()
    notifications_check(petition, now=NOW + timedelta(hours=1), daily=True)
    assert mail.outbox == []  # the notice and the 50 % milestone were news an hour ago
    _raw(petition, 75)
    notifications_check(petition, now=NOW + timedelta(days=1), daily=True)
    assert _subjects() == [f"{petition.title}: 75 % of the requirement collected"]


@pytest.mark.django_db
def test_a_failed_send_is_retried_by_a_later_check_and_sent_once(settings):
    settings.EMAIL_BACKEND = "tests.test_notifications.RefusingBackend"
    settings.EMAIL_RETRY_BASE = 30
    _organizer()
    petition = _petition(required=100)
    _raw(petition, 30)

    assert notifications_check(petition, now=NOW) == 0
    notice = Notification.objects.get(key="notice-25")
    assert notice.sent_at is None and notice.attempts == 1 and notice.retry_at == NOW + timedelta(seconds=30)

    settings.EMAIL_BACKEND = LOCMEM  # the server is back
    assert notifications_check(petition, now=NOW + timedelta(seconds=10)) == 0  # still backing off
    assert notifications_check(petition, now=NOW + timedelta(seconds=30)) == 1
    assert notifications_check(petition, now=NOW + timedelta(seconds=60)) == 0
    notice.refresh_from_db()
    assert (notice.sent_at, notice.attempts, notice.recipients) == (NOW + timedelta(seconds=30), 2, 1)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_counting_run_queues_the_check_after_it_commits(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = LOCMEM
    _organizer()
    petition = _petition(required=100)
    TallyChange.objects.create(petition=petition, county_id="34", filed=True, status="valid", delta=26)
    with django_capture_on_commit_callbacks(execute=True):
        assert tallies_count() == 1
    assert _subjects() == [f"{petition.title}: 25 % of the requirement collected, the EC 9034 certification is due"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_counting_runs_racing_send_each_notification_once(settings):
    """Two counting threads (own connections) fold changes and publish, each publish queuing the
    check (run in-process); two more threads check at the same moment. Each email goes once."""
    settings.EMAIL_BACKEND = LOCMEM
    organizer = _organizer()
    petition = _petition(required=100)
    assert County.objects.filter(code="34").exists()
    TallyChange.objects.create(petition=petition, county_id="34", filed=True, status="valid", delta=60)
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def counter() -> None:
        try:
            start.wait(timeout=30)
            for _ in range(5):
                with transaction.atomic():
                    TallyChange.objects.create(petition=petition, county_id="34", filed=True, status="valid", delta=1)
                tallies_count()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def checker() -> None:
        try:
            start.wait(timeout=30)
            for _ in range(5):
                notifications_check(Petition.objects.get(pk=petition.pk))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=counter) for _ in range(2)]
    threads += [threading.Thread(target=checker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    tallies_count()
    assert sum(Tally.objects.filter(petition=petition).values_list("count", flat=True)) == 70
    subjects = Counter(_subjects())
    assert subjects == {
        f"{petition.title}: 25 % of the requirement collected, the EC 9034 certification is due": 1,
        f"{petition.title}: 50 % of the requirement collected": 1,
    }
    rows = list(Notification.objects.filter(petition=petition).values_list("key", "recipients", "attempts"))
    assert sorted(rows) == [("milestone-50", 1, 1), ("notice-25", 1, 1)]
    assert all(message.bcc == [organizer.email] for message in mail.outbox)


@pytest.mark.django_db
def test_the_admin_form_switches_notifications_off_with_checkboxes():
    from django.forms import modelform_factory

    from petitions.admin import PetitionAdminForm

    petition = _petition(required=100)
    form_class = modelform_factory(Petition, form=PetitionAdminForm, fields=["notifications_off"])
    assert 'value="daily"' in str(form_class(instance=petition)["notifications_off"])
    form = form_class({"notifications_off": ["daily", "pace"]}, instance=petition)
    assert form.is_valid(), form.errors
    form.save()
    petition.refresh_from_db()
    assert petition.notifications_off == ["daily", "pace"]
    assert not form_class({"notifications_off": ["everything"]}, instance=petition).is_valid()
