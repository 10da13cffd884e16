"""`make test` runs the suite in two processes (pytest-xdist, one a core); this plugin gives each
its own Redis database, the one REDIS_URL names plus the process's number (gw0 keeps it, gw1 the
next), so that each process's Celery worker takes only its own tasks and the caches stay apart.
Each PostgreSQL test database is already its own (pytest-django adds gw0, gw1 to the name).

Loaded by pytest.ini's `-p tests.lanes`, before pytest-django reads the settings; without xdist
it changes nothing."""

from __future__ import annotations

import os
import re

REDIS_DATABASES = 16  # redis-server's default `databases`


def lane_redis_url(url: str, worker: str) -> str:
    """REDIS_URL for the xdist worker `worker` ("gw0", "gw1", ...): its database number moved on by
    the worker's number. The URL's database must be given (redis://host:port/N, or rediss://)."""
    lane = int(worker.removeprefix("gw"))
    match = re.fullmatch(r"(rediss?://[^/]+/)(\d+)", url)
    if match is None:
        raise ValueError(f"REDIS_URL must end in a database number to run in parallel, not {url!r}")
    database = int(match.group(2)) + lane
    if database >= REDIS_DATABASES:
        raise ValueError(f"{url} has no database {database} for test process {worker}: use a lower one")
    return f"{match.group(1)}{database}"


_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = lane_redis_url(os.environ["REDIS_URL"], _worker)
