"""How services send work to the Celery workers: after the transaction commits, by the task's name,
and never failing the caller when the broker is down (the sweep, `tasks.sweep_stuck_work`, resends).

Tasks are named rather than imported: `petitions.tasks` calls the services, so a service that imported
it would make a cycle. `PetitionsConfig.ready` registers the tasks in every process."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from functools import partial

from celery import Task, current_app
from django.conf import settings
from django.db import connection, transaction

from petitions.models import Signature

logger = logging.getLogger(__name__)

#: The Celery queues (settings.CELERY_TASK_ROUTES says which task goes where; docker-compose.yml runs a
#: worker for each): a backlog in one never stalls another.
QUEUES = ("validation", "email", "counting", "exports", "maintenance")

VALIDATE_BATCH = 500  # signatures per validation task: their candidates fetched together, outcomes written at once


def _task(name: str) -> Task:
    return current_app.tasks[f"petitions.tasks.{name}"]  # a KeyError here is a typo in a task's name


def _send(task: Task, args: tuple) -> None:
    try:
        task.delay(*args)
    except Exception as exc:  # noqa: BLE001 - any broker failure: the row is saved, the sweep resends
        logger.warning("could not queue %s%r (%s); the sweep will pick it up", task.name, args, exc)


def enqueue_on_commit(name: str, *args: object) -> None:
    """Run the task `petitions.tasks.<name>(*args)` once the current transaction commits."""
    task = _task(name)
    transaction.on_commit(partial(_send, task, args))


def confirmation_email_send(signature_id: int) -> None:
    enqueue_on_commit("send_confirmation_email", signature_id)


def form_email_send(signature_id: int) -> None:
    enqueue_on_commit("send_form_email", signature_id)


def form_emails_queue(signatures: Iterable[Signature]) -> None:
    """After commit, send the form email of each decided online signature that has not had it."""
    for signature in signatures:
        if (
            signature.form_email_sent_at is None
            and signature.wet_ink_received_at is None
            and signature.form_email_kind is not None
        ):
            form_email_send(signature.pk)


def export_queue(job_id: int) -> None:
    """After commit, run the background export `job_id` (task `export_run`, queue `exports`). Without a
    broker (tasks run in the process that sends them: EXPORT_ON_A_THREAD) it runs on a thread of its own
    rather than inside the request that asked for it, so that the exports page answers at once and shows
    its progress."""
    task = _task("export_run")
    if settings.EXPORT_ON_A_THREAD and current_app.conf.task_always_eager:
        transaction.on_commit(partial(_on_a_thread, task, (job_id,)))
    else:
        transaction.on_commit(partial(_send, task, (job_id,)))


def _on_a_thread(task: Task, args: tuple) -> None:
    def run() -> None:
        try:
            task.apply(args)
        finally:
            connection.close()  # the thread's own connection

    threading.Thread(target=run, name=f"embedded-{task.name}", daemon=True).start()


def validation_queue(signature_ids: Sequence[int], *, on_commit: bool = True) -> None:
    """Send signatures to validation in batches of VALIDATE_BATCH: after the transaction commits when
    `on_commit`, else now, raising when the broker is down (the sweep and the `validate_signatures`
    command, which report it)."""
    task = _task("validate_signatures")
    for start in range(0, len(signature_ids), VALIDATE_BATCH):
        chunk = list(signature_ids[start : start + VALIDATE_BATCH])
        if on_commit:
            transaction.on_commit(partial(_send, task, (chunk,)))
        else:
            task.delay(chunk)


def queue_length(name: str) -> int:
    """Messages waiting in a queue (not those a worker holds); 0 when the broker cannot say."""
    try:
        with current_app.connection_for_read() as connection:
            return connection.default_channel.queue_declare(queue=name, passive=True).message_count
    except Exception as exc:  # noqa: BLE001 - the broker is down or the queue never existed: nothing waits in it
        logger.info("length of queue %s unknown (%s)", name, exc)
        return 0
