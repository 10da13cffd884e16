"""Background work for the embedded mode (no broker): tasks already run
in-process after commit; this thread plays Celery beat's part."""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections

from petitions import tasks

logger = logging.getLogger(__name__)


def _run_forever(stop: threading.Event) -> None:
    schedule = [
        (settings.COUNT_INTERVAL, tasks.count_signatures),
        (settings.SWEEP_INTERVAL, tasks.sweep_stuck_work),
        (settings.PROJECTION_INTERVAL, tasks.project_signatures),
        (settings.ODDS_INTERVAL, tasks.compute_qualification_odds),
        (settings.EXPORT_EXPIRE_INTERVAL, tasks.export_expire),
    ]
    next_run = [0.0 for _ in schedule]
    while not stop.is_set():
        now = time.monotonic()
        for index, (interval, task) in enumerate(schedule):
            if now >= next_run[index]:
                next_run[index] = now + interval
                try:
                    task.apply()
                except Exception:
                    logger.exception("embedded beat: %s failed", task.name)
                finally:
                    close_old_connections()
        stop.wait(0.5)


def embedded_beat_start() -> threading.Event:
    stop = threading.Event()
    threading.Thread(target=_run_forever, args=(stop,), name="embedded-beat", daemon=True).start()
    logger.info(
        "embedded beat: counting every %s s, sweeping every %s s", settings.COUNT_INTERVAL, settings.SWEEP_INTERVAL
    )
    return stop
