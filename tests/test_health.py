import pytest
from django.urls import reverse

from helpcenter import health

pytestmark = pytest.mark.django_db


def test_it_reports_each_part(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "worker"}


def test_it_says_eager_without_a_broker(client, settings):
    settings.REDIS_URL = None
    body = client.get(reverse("healthz")).json()
    assert body["checks"]["broker"] == body["checks"]["worker"] == "eager"


def test_a_failing_part_makes_it_503(client, monkeypatch):
    def broken() -> str:
        raise ConnectionError("database is down")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "checks": {**response.json()["checks"], "database": "error"},
    }
    assert "down" not in response.content.decode()  # no internals leak to the caller


def test_a_configured_broker_that_is_unreachable_makes_it_503(client, settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    monkeypatch.setattr(health.celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error"
