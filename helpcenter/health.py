"""/healthz/: the database, the cache, the broker and (with a broker) a Celery worker."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from helpcenter.access import public
from helpcenter.celery import app as celery_app

logger = logging.getLogger("helpcenter.health")


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_cache() -> str:
    cache.set("healthz", "ok", timeout=10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return what was stored")
    return "ok"


def check_broker() -> str:
    if not settings.REDIS_URL:
        return "eager"  # no broker configured: tasks run in the web process
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def check_worker() -> str:
    if not settings.REDIS_URL:
        return "eager"
    replies = celery_app.control.ping(timeout=1.0)
    if not replies:
        raise RuntimeError("no Celery worker answered")
    return f"ok ({len(replies)})"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "worker": check_worker,
}


@public
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    results = {}
    healthy = True
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as error:  # a health check reports every failure, whatever it is
            logger.warning("health check %s failed: %s", name, type(error).__name__)
            results[name] = "error"
            healthy = False
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": results},
        status=200 if healthy else 503,
    )
