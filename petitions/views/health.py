"""/healthz: 200 when the database (and the broker, where configured) answers, 503 otherwise."""

from functools import cache

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


@cache
def _broker(url: str) -> redis.Redis:
    """One client (and connection pool) per broker address and process: a ping reuses a connection."""
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def _broker_ok(url: str) -> bool:
    try:
        return bool(_broker(url).ping())
    except redis.RedisError:
        return False


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": "ok" if _database_ok() else "down"}
    if redis_url := settings.REDIS_URL:
        checks["broker"] = "ok" if _broker_ok(redis_url) else "down"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)
