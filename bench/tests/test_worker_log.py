"""The throughput benchmark reads each validation task's timing from the worker's log, in either format."""

from bench.throughput import worker_tasks

CELERY_FORMAT = """\
[2026-11-28 10:00:00,100: INFO/MainProcess] Task petitions.tasks.validate_signatures[a1] received
[2026-11-28 10:00:00,600: INFO/ForkPoolWorker-1] Task petitions.tasks.validate_signatures[a1] succeeded in 0.45s: 500
"""
PROJECT_FORMAT = """\
2026-12-04 08:48:43,631 INFO celery.worker.strategy: Task petitions.tasks.validate_signatures[b2] received
2026-12-04 08:48:44,031 INFO celery.app.trace: Task petitions.tasks.validate_signatures[b2] succeeded in 0.39s: 500
2026-12-04 08:48:44,100 INFO celery.app.trace: Task petitions.tasks.count_signatures[c3] succeeded in 0.01s: 0
"""


def test_a_task_is_read_from_celerys_own_log_format(tmp_path):
    log = tmp_path / "worker.log"
    log.write_text(CELERY_FORMAT)
    (task,) = worker_tasks(log)
    assert (task["seconds"], task["validated"]) == (0.45, 500)
    assert (task["succeeded"] - task["received"]).total_seconds() == 0.5


def test_a_task_is_read_from_the_projects_log_format_and_other_tasks_are_left_out(tmp_path):
    log = tmp_path / "worker.log"
    log.write_text(PROJECT_FORMAT)
    (task,) = worker_tasks(log)
    assert (task["seconds"], task["validated"]) == (0.39, 500)
    assert (task["succeeded"] - task["received"]).total_seconds() == 0.4
