"""The production shape: docker-compose.yml and the Dockerfile.

No Docker engine runs in CI, so these tests read the two files and run the
compose commands natively, from the virtualenv, on CI's PostgreSQL and Redis:
the commands CI runs are the commands the containers run.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.compose import (
    compose_command,
    compose_services,
    database_url,
    dockerfile_base_image,
    dockerfile_cmd,
    http_get,
    production_env,
    running_web,
    worker_services,
)
from tests.conftest import ROOT, celery_commands

APP_SERVICES = ("web", "worker", "worker-email", "worker-counting", "beat")


def _long_running(service: dict) -> bool:
    return service.get("restart", "no") != "no"


def test_the_compose_file_has_web_worker_beat_db_and_redis():
    services = compose_services()
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)


def test_web_worker_beat_and_migrate_are_built_from_one_image():
    services = compose_services()
    built = {name: (services[name]["build"], services[name]["image"]) for name in (*APP_SERVICES, "migrate")}
    assert len(set(built.values())) == 1, built
    build, image = built["web"]
    assert build == "."
    assert image == "calexit:latest"


def test_every_command_is_in_exec_form():
    for name, service in compose_services().items():
        if "command" in service:
            assert compose_command(name)


def test_the_database_is_postgresql_16_on_a_volume():
    db = compose_services()["db"]
    assert db["image"] == "postgres:16"
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in db["volumes"])


def test_the_database_server_is_sized_for_the_voter_file():
    db = compose_services()["db"]
    settings = dict(arg.split("=", 1) for arg in db["command"][1:] if arg != "-c")
    assert db["command"][0] == "postgres"
    assert settings["shared_buffers"] == "${PG_SHARED_BUFFERS:-1GB}"  # not the stock 128 MB
    assert {"effective_cache_size", "maintenance_work_mem"} <= set(settings)
    assert db["shm_size"] == "1gb"


def test_redis_is_redis_7():
    assert compose_services()["redis"]["image"] == "redis:7"


def test_every_long_running_service_has_a_healthcheck():
    services = compose_services()
    long_running = [name for name, service in services.items() if _long_running(service)]
    assert set(long_running) == {"web", "worker", "worker-email", "worker-counting", "beat", "db", "redis"}
    for name in long_running:
        test = services[name].get("healthcheck", {}).get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL"), f"{name} has no healthcheck"


def test_the_database_and_redis_healthchecks_ask_the_server():
    services = compose_services()
    assert services["db"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_the_worker_healthcheck_pings_its_own_node():
    test = compose_services()["worker"]["healthcheck"]["test"]
    # A shell form, so that $HOSTNAME expands; `$$` is compose's escape for `$`.
    assert test[0] == "CMD-SHELL"
    assert test[1].startswith("celery -A calexit inspect ping ")
    assert "-d celery@$$HOSTNAME" in test[1]


def test_application_services_start_once_the_database_redis_and_migrations_are_ready():
    services = compose_services()
    for name in APP_SERVICES:
        assert services[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }, name
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert not _long_running(services["migrate"])


def test_application_services_take_their_settings_from_the_environment():
    services = compose_services()
    for name in (*APP_SERVICES, "migrate"):
        environment = services[name]["environment"]
        assert environment["SECRET_KEY"] == "${SECRET_KEY:?set SECRET_KEY}", name
        assert environment["DATABASE_URL"].startswith("postgres://") and environment["DATABASE_URL"].endswith(
            "@db:5432/calexit"
        )
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert environment["DEBUG"] == "0"
        # The web healthcheck asks 127.0.0.1, which must stay an allowed host.
        assert environment["ALLOWED_HOSTS"].startswith("127.0.0.1,${ALLOWED_HOSTS")
        assert "SITE_URL" in environment


def test_application_services_are_configured_for_https_behind_a_proxy_and_real_smtp():
    for name in (*APP_SERVICES, "migrate"):
        environment = compose_services()[name]["environment"]
        assert environment["SITE_URL"].startswith("${SITE_URL:?"), name  # no http:// default to fall back on
        assert environment["TRUSTED_PROXIES"] == "${TRUSTED_PROXIES:-}", name
        assert environment["EMAIL_BACKEND"] == "${EMAIL_BACKEND:-django.core.mail.backends.smtp.EmailBackend}", name
        assert environment["EMAIL_HOST"].startswith("${EMAIL_HOST:?"), name
        smtp = (
            "EMAIL_PORT",
            "EMAIL_USE_TLS",
            "EMAIL_USE_SSL",
            "EMAIL_HOST_USER",
            "EMAIL_HOST_PASSWORD",
            "EMAIL_TIMEOUT",
        )
        assert all(environment[variable].startswith(f"${{{variable}:-") for variable in smtp), name
        assert "CLIENT_IP_HEADER" not in environment and "SECURE_COOKIES" not in environment, name


def test_the_image_has_the_python_ci_tests_with():
    image = dockerfile_base_image()
    match = re.fullmatch(r"python:(\d+)\.(\d+)\.(\d+)-slim-bookworm", image)
    assert match, image
    assert tuple(int(part) for part in match.groups()) == sys.version_info[:3]


def test_the_image_runs_as_a_user_and_serves_the_web_command_by_default():
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert dockerfile_cmd() == compose_command("web")
    instructions = re.sub(r"\\\n", " ", dockerfile)  # a RUN continued over several lines is one instruction
    assert re.search(r"^RUN .*collectstatic --noinput", instructions, flags=re.MULTILINE)
    assert re.search(r"^RUN .*compilemessages", instructions, flags=re.MULTILINE)


def test_the_docker_context_leaves_out_local_state():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", "db.sqlite3", "var", ".git"} <= ignored
    assert "__pycache__" in ignored or "**/__pycache__" in ignored


def test_the_tests_run_the_compose_worker_and_beat_commands(tmp_path):
    schedule = tmp_path / "schedule"
    workers, beat = celery_commands(schedule=schedule)
    venv_celery = [sys.executable, "-m", "celery"]

    assert len(workers) == len(worker_services()) >= 3
    for service, worker in zip(worker_services(), workers, strict=True):
        compose_worker = compose_command(service)
        assert compose_worker[0] == "celery"
        assert worker[:3] == venv_celery
        # The compose command, then only test-local options.
        assert worker[3 : 3 + len(compose_worker) - 1] == compose_worker[1:]
        local = worker[3 + len(compose_worker) - 1 :]
        assert local == (["--concurrency", "2"] if service == "worker" else ["--hostname", f"{service}@%h"])

    compose_beat = compose_command("beat")
    assert compose_beat[0] == "celery"
    assert beat[:3] == venv_celery
    # The same command with only the schedule file moved into the test's folder.
    expected = [*venv_celery, *compose_beat[1:]]
    expected[expected.index("--schedule") + 1] = str(schedule)
    assert beat == expected


def _queues(service: str) -> set[str]:
    command = compose_command(service)
    return set(command[command.index("-Q") + 1].split(","))


def test_every_queue_has_a_worker_and_every_task_a_queue_and_a_time_limit():
    from celery import current_app

    from petitions.queue import QUEUES

    consumed = [queue for service in worker_services() for queue in _queues(service)]
    assert sorted(consumed) == sorted(QUEUES), "each queue is consumed by exactly one compose worker"
    assert settings.CELERY_TASK_DEFAULT_QUEUE in QUEUES
    ours = {name: task for name, task in current_app.tasks.items() if name.startswith("petitions.tasks.")}
    assert ours
    for name, task in ours.items():
        queue = current_app.amqp.router.route({}, name)["queue"].name
        assert queue in QUEUES, name
        assert task.time_limit and task.soft_time_limit and task.soft_time_limit < task.time_limit, name
    # A backlog of validations never holds up the count, the emails or the sweep.
    assert _queues("worker") == {"validation"}
    for name in ("count_signatures", "recount_signatures", "project_signatures"):
        assert current_app.amqp.router.route({}, f"petitions.tasks.{name}")["queue"].name == "counting"
    for name in ("send_confirmation_email", "send_form_email", "sweep_stuck_work"):
        assert current_app.amqp.router.route({}, f"petitions.tasks.{name}")["queue"].name == "email"


def test_periodic_tasks_expire_rather_than_pile_up():
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        expires = entry.get("options", {}).get("expires")
        assert expires, f"{name} has no expiry"
        interval = entry["schedule"].total_seconds() if hasattr(entry["schedule"], "total_seconds") else None
        assert interval is None or expires <= interval, name


def test_every_service_restarts_when_its_process_exits():
    # A Celery worker exits when it loses Redis in the middle of acknowledging a task.
    for name, service in compose_services().items():
        if name != "migrate":
            assert service["restart"] == "unless-stopped", name


# --- The web command, run natively ------------------------------------------


@pytest.fixture
def web_server(tmp_path):
    """The compose web command in production mode (over local plain HTTP) on a free port."""
    with running_web(production_env(tmp_path / "staticfiles"), tmp_path / "gunicorn.log") as server:
        yield server


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_web_command_serves_the_site_and_its_static_files_in_production_mode(web_server):
    base, port = web_server

    status, _, body = http_get(f"{base}/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": "ok", "broker": "ok"}

    status, _, page = http_get(f"{base}/p/calexit/")
    assert status == 200
    # DEBUG is off: the page links the hashed name from collectstatic's manifest.
    match = re.search(rb'href="(/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]{12}\.css)"', page)
    assert match, page[:2000]

    status, headers, css = http_get(f"{base}{match.group(1).decode()}")
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert "immutable" in headers["Cache-Control"]
    assert b"Bootstrap" in css[:500]
    assert len(css) == len((ROOT / "static/vendor/bootstrap/bootstrap.min.css").read_bytes())

    # The container's own healthcheck, pointed at this port, passes.
    healthcheck = compose_services()["web"]["healthcheck"]["test"]
    assert healthcheck[:2] == ["CMD", "python"]
    command = [sys.executable, *[part.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for part in healthcheck[2:]]]
    assert subprocess.run(command, timeout=30).returncode == 0


@pytest.mark.services
def test_the_worker_healthcheck_answers_for_the_running_worker(celery_worker_process):
    test = compose_services()["worker"]["healthcheck"]["test"]
    shell_command = test[1].replace("$$", "$")
    env = {
        **os.environ,
        "HOSTNAME": socket.gethostname(),  # as in a container, where it names the worker's node
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
    }
    result = subprocess.run(["sh", "-c", shell_command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pong" in result.stdout

    # A node that does not run answers nothing: the check can fail.
    absent = shell_command.replace("celery@$HOSTNAME", "celery@no-such-host").replace("--timeout 10", "--timeout 2")
    result = subprocess.run(["sh", "-c", absent], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
