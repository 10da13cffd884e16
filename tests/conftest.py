"""Shared fixtures.

Tests marked `services` need the real PostgreSQL and Redis (DATABASE_URL and
REDIS_URL) and start a real Celery worker. Without them they are skipped on a
developer's machine; with REQUIRE_SERVICES=1 (CI) the run fails instead.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from calexit.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _services_problem() -> str | None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "DATABASE_URL does not point at PostgreSQL"
    if not settings.REDIS_URL:
        return "REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at {settings.REDIS_URL} does not answer: {exc}"
    return None


def pytest_collection_modifyitems(config, items):
    if not any(item.get_closest_marker("services") for item in items):
        return
    problem = _services_problem()
    if problem is None:
        return
    if REQUIRE_SERVICES:
        pytest.exit(f"REQUIRE_SERVICES=1 but the real services are not usable: {problem}", returncode=3)
    skip = pytest.mark.skip(reason=f"needs PostgreSQL and Redis: {problem}")
    for item in items:
        if item.get_closest_marker("services"):
            item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def _flush_survives_a_deadlock():
    """A transactional test ends with a TRUNCATE of every table (pytest-django's
    flush). A test's gunicorn may still use the test database meanwhile: PostgreSQL
    may break a lock cycle between them by failing the TRUNCATE. That is this
    harness's race, not the product's, so the flush is tried again.

    After the flush the migrations' rows (counties, the petition, roles) are put back, as
    serialized_rollback puts them back before such a test: each test process of `make test`
    (tests/lanes.py) takes whole files, so a file's plain tests may come after another
    file's transactional ones."""
    from django.core.management.base import CommandError
    from django.db import connections
    from django.test import TransactionTestCase

    original = TransactionTestCase._fixture_teardown

    def teardown(self):
        for attempt in range(5):
            try:
                original(self)
                break
            except CommandError as exc:
                # flush's own message does not say why: the database's error is its cause.
                if "deadlock detected" not in str(exc.__cause__) or attempt == 4:
                    raise
                time.sleep(0.5)
        if self.serialized_rollback:
            for name in self._databases_names(include_mirrors=False):
                contents = getattr(connections[name], "_test_serialized_contents", None)
                if contents is not None:
                    connections[name].creation.deserialize_db_from_string(contents)

    TransactionTestCase._fixture_teardown = teardown
    yield
    TransactionTestCase._fixture_teardown = original


@pytest.fixture(autouse=True)
def _language_of_a_new_thread():
    """Each test starts in the default language: a request through LocaleMiddleware leaves its
    language active on the thread, which the next test in this thread would otherwise inherit."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _quiet_rate_limit(settings):
    """Tests sign many times from one address and one email, and the Redis cache
    outlives a test run; the signing-limit tests turn the limits back on."""
    settings.SIGN_RATE_LIMIT = None
    settings.SIGN_EMAIL_RATE_LIMIT = None
    settings.CONFIRMATION_EMAIL_LIMIT = None


@pytest.fixture(autouse=True)
def _counts_cache_of_this_test(monkeypatch, request):
    """The public counts' cache entries (selectors.petition_counts_cached) outlive a
    test's rolled-back transaction: each test reads and writes entries of its own.
    A test with the real worker shares the worker's entries: they are emptied first."""
    from petitions import selectors

    if request.node.get_closest_marker("services"):
        from django.core.cache import cache

        client = cache._cache.get_client(write=True)  # the Redis cache's client: no pattern delete in Django's API
        for key in client.scan_iter(match=cache.make_key(selectors.counts_cache_key("*"))):
            client.delete(key)
        selectors.public_memo_clear()
        return
    monkeypatch.setattr(selectors, "COUNTS_CACHE_PREFIX", f"petition-counts-test-{uuid.uuid4().hex}")


@pytest.fixture(autouse=True)
def _close_candidate_helper():
    """Validation outside a transaction fetches candidates on a helper thread's
    own connection; close it after each test, or the test database cannot be
    dropped at the end."""
    yield
    from petitions.validation.candidates import ahead_close

    ahead_close()


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Outside the `services` tests, tasks run in-process as in the embedded mode."""
    if request.node.get_closest_marker("services"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def private_cache(settings):
    """An empty in-memory cache of this test's own, emptied again afterwards.

    Reviewers' leases live in the cache, so the review tests use it to see no
    leases from other tests (clearing the Redis cache instead would also empty
    the Celery broker's database)."""
    from django.core.cache import cache

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "review-tests"}
    }
    cache.clear()
    yield cache
    cache.clear()


@pytest.fixture
def calexit(db):
    from petitions.models import Petition

    return Petition.objects.get(slug="calexit")


@pytest.fixture
def roles(db):
    from petitions.services.roles import roles_ensure

    return roles_ensure()


def _user_in(group_name: str, username: str, roles):
    from django.contrib.auth.models import User

    user = User.objects.create_user(username=username, password="correct horse battery staple")
    user.groups.add(roles[group_name])
    return user


@pytest.fixture
def volunteer(roles):
    return _user_in("Volunteer", "volunteer", roles)


@pytest.fixture
def reviewer(roles):
    return _user_in("Reviewer", "reviewer", roles)


@pytest.fixture
def organizer(roles):
    return _user_in("Organizer", "organizer", roles)


def celery_commands(*, schedule: Path) -> tuple[list[list[str]], list[str]]:
    """The worker commands (one per compose worker service: each queue has its worker) and the beat
    command of docker-compose.yml, run from the virtualenv, plus only what a test run needs: a small
    pool, node names of their own beside `worker`'s default one, and a temporary schedule file."""
    from tests.compose import native_command, worker_services

    workers = [
        native_command(
            service, extra=["--concurrency", "2"] if service == "worker" else ["--hostname", f"{service}@%h"]
        )
        for service in worker_services()
    ]
    beat = native_command("beat", replace={"--schedule": str(schedule)})
    return workers, beat


def _purge_queues() -> None:
    """Empty every queue in the broker (app.control.purge knows only the queues this process routed to)."""
    from petitions.queue import QUEUES

    with celery_app.connection_for_write() as connection:
        for name in QUEUES:
            connection.default_channel.queue_purge(name)


@pytest.fixture(scope="session")
def _celery_workers(django_db_setup, django_db_blocker, tmp_path_factory):
    """The real Celery workers, started once per test process with the compose file's commands,
    on the test database and the real Redis. They take only the tasks a test sends: beat runs
    for the tests that ask for it (celery_worker_process).

    Yields (the environment of the workers and beat, the folder of their logs, the folder where
    the workers' email backend writes messages)."""
    problem = _services_problem()
    if problem:
        pytest.skip(problem)
    db = settings.DATABASES["default"]
    database_url = (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    mail_dir = tmp_path_factory.mktemp("worker-mail")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "COUNT_INTERVAL": "1",
        "SWEEP_INTERVAL": "2",
        "SWEEP_GRACE": "3",
        "DEBUG": "1",
        "CONN_MAX_AGE": "0",
        "CONFIRMATION_EMAIL_LIMIT": "off",  # the worker's cache (Redis) outlives a test run
    }
    _purge_queues()
    worker_commands, _ = celery_commands(schedule=Path("beat-schedule"))  # (beat: celery_worker_process)
    log_dir = tmp_path_factory.mktemp("worker-log")
    logs = [open(log_dir / f"worker-{n}.log", "w") for n in range(len(worker_commands))]  # noqa: SIM115
    workers = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        for command, log in zip(worker_commands, logs, strict=True)
    ]

    def stop() -> None:
        for process in workers:
            process.terminate()
        for process in workers:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in logs:
            log.close()

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for worker, log in zip(workers, logs, strict=True):
            if worker.poll() is not None:
                stop()
                raise RuntimeError(f"a Celery worker exited with {worker.returncode}; see {log.name}")
        if len(celery_app.control.ping(timeout=0.5)) >= len(workers):
            break
    else:
        stop()
        raise RuntimeError(f"the Celery workers did not all answer within 60 s; see {log_dir}")
    _running_workers[:] = [len(workers), log_dir]
    yield env, log_dir, mail_dir
    _running_workers.clear()
    stop()


_running_workers: list = []  # [how many, their log folder] while the session's workers run


@pytest.fixture(autouse=True)
def _workers_idle_after_a_services_test(request):
    """A `services` test sends its tasks to the broker: once the session's workers run, they take
    them, maybe after the test (a retry seconds later). Such a test ends when they are done,
    before its database is emptied (its database fixture, if it has one, is set up first, so it
    is torn down after this one)."""
    if not request.node.get_closest_marker("services") and "celery_worker_process" not in request.fixturenames:
        yield
        return
    if request.node.get_closest_marker("django_db") or "_django_db_helper" in request.fixturenames:
        request.getfixturevalue("_django_db_helper")
    yield
    if _running_workers:
        _wait_until_the_workers_are_idle(*_running_workers)


@pytest.fixture
def celery_worker_process(_celery_workers, tmp_path):
    """The real Celery workers with beat running for this test only: beat's counting run every
    second writes to the database (tallies, daily snapshots), which a later test must not find.
    At the end beat stops, and _workers_idle_after_a_services_test waits for the workers.

    Yields the folder where the workers' email backend writes messages."""
    from tests.compose import stop_process

    env, log_dir, mail_dir = _celery_workers
    _, beat_command = celery_commands(schedule=tmp_path / "beat-schedule")
    with open(log_dir / "beat.log", "a") as beat_log:
        beat = subprocess.Popen(beat_command, cwd=ROOT, env=env, stdout=beat_log, stderr=subprocess.STDOUT)
        try:
            yield mail_dir
        finally:
            stop_process(beat)
    if beat.returncode not in (0, -signal.SIGTERM):
        raise RuntimeError(f"Celery beat exited with {beat.returncode}; see {log_dir / 'beat.log'}")


def _wait_until_the_workers_are_idle(worker_count: int, log_dir: Path, *, timeout: float = 60) -> None:
    """No task queued, running, held by a worker or waiting for its retry's time (a task has a
    time limit and a few retries, so this ends)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _purge_queues()
        inspect = celery_app.control.inspect(timeout=1.0, limit=worker_count)
        replies = [inspect.active() or {}, inspect.reserved() or {}, inspect.scheduled() or {}]
        if all(len(reply) == worker_count for reply in replies) and not any(
            tasks for reply in replies for tasks in reply.values()
        ):
            return
        time.sleep(0.2)
    raise RuntimeError(f"the Celery workers were still busy {timeout:.0f} s after the test; see {log_dir}")


def wait_for(condition, *, timeout: float = 30.0, interval: float = 0.2, what: str = "condition"):
    """Poll until condition() is truthy; return its value or fail saying what never happened."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def chromium_path() -> str | None:
    return shutil.which("chromium") or (os.path.exists("/usr/bin/chromium") and "/usr/bin/chromium") or None


@pytest.fixture
def client(client, django_capture_on_commit_callbacks):
    """The test client, with after-commit work (emails, validation) run as each
    request's transaction would commit: tests wrapped in a transaction never commit."""
    original = client.request

    def request(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original(**kwargs)

    client.request = request
    return client


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """`with run_on_commit(): service(...)` runs the service's after-commit work."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def otp_device(user):
    """The user's confirmed TOTP device (an authenticator app set up), created if missing."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def otp_token(device) -> str:
    """The code the user's authenticator app shows now."""
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def login_verified(client, user) -> None:
    """`client.force_login(user)` plus the TOTP step done, as after a real sign-in
    (what django_otp.login does to the session)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    device = otp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def browser_sign_in(page, user, password: str, *, next_path: str = "") -> None:
    """Sign in through the real pages: the password, then (for roles that need it) the TOTP code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = otp_device(user) if _needs_second_factor(user) else TOTPDevice.objects.filter(user=user).first()
    page.goto("/accounts/login/" + (f"?next={next_path}" if next_path else ""))
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if device is not None and "/accounts/otp/" in page.url:
        page.fill("#id_token", otp_token(device))
        page.get_by_role("button", name="Verify").click()
        page.wait_for_load_state()


def _needs_second_factor(user) -> bool:
    from petitions.services.staff import staff_needs_second_factor

    return staff_needs_second_factor(user)
