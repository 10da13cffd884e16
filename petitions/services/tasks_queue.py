"""Sending work to the workers: only after the transaction commits, and
never failing the caller when the broker is down (the sweep catches up)."""

from __future__ import annotations

import logging

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Task, *args: object) -> None:
    def send() -> None:
        try:
            task.delay(*args)
        except Exception as exc:  # noqa: BLE001 - any broker failure: the row is saved, the sweep resends
            logger.warning("could not queue %s%r (%s); the sweep will pick it up", task.name, args, exc)

    transaction.on_commit(send)
