"""On PostgreSQL with Redis and a Celery worker (CI's second pass; `.ci/run` starts them).

These are skipped on SQLite. Where PostgreSQL is configured they run, and a missing Redis or
worker fails them: CI must never pass by skipping what it was meant to prove.
"""

import threading

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.urls import reverse

from helpcenter import services
from helpcenter.models import Role, StaffRole
from helpcenter.tasks import ping

pytestmark = pytest.mark.services


def test_the_database_is_postgresql():
    assert connection.vendor == "postgresql"


def test_redis_is_the_cache_and_the_broker():
    assert settings.REDIS_URL, "REDIS_URL must be set for the service pass"
    assert "RedisCache" in settings.CACHES["default"]["BACKEND"]
    cache.set("services-test", "ok", timeout=5)
    assert cache.get("services-test") == "ok"
    assert settings.CELERY_TASK_ALWAYS_EAGER is False


def test_a_real_worker_runs_a_task():
    result = ping.delay()
    answer = result.get(timeout=20)
    assert answer["host"]
    assert result.successful()


@pytest.mark.django_db
def test_health_reports_every_part_up(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200, response.content
    checks = response.json()["checks"]
    assert checks["database"] == checks["cache"] == checks["broker"] == "ok"
    assert checks["worker"].startswith("ok")


@pytest.mark.django_db(transaction=True)
def test_granting_the_same_role_at_once_from_two_sessions_leaves_one_grant(people):
    """Two administrators grant one role at the same moment: one row, no error."""
    user = people.caseworker_a
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def grant() -> None:
        try:
            barrier.wait(timeout=5)
            services.staff_grant_roles(user=user, roles=[Role.SUPERVISOR])
        except BaseException as error:  # collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=grant) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert StaffRole.objects.filter(user=user, role=Role.SUPERVISOR).count() == 1
