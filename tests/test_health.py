from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from helpcenter import health

pytestmark = pytest.mark.django_db


def test_it_reports_each_part(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "worker", "backup"}


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


def a_backup_taken(directory, *, ago: timedelta) -> None:
    name = "helpcenter-" + timezone.localtime(timezone.now() - ago).strftime("%Y%m%d-%H%M%S")
    (directory / name).mkdir(parents=True)
    (directory / name / "manifest.json").write_text("{}")


@pytest.fixture
def without_broker(settings):
    settings.REDIS_URL = None  # the backup check alone decides the status code


def test_without_a_backup_folder_it_says_so_and_stays_healthy(client, settings, without_broker):
    settings.BACKUP_DIR = None
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["checks"]["backup"] == "not configured"


def test_it_reports_the_age_of_the_newest_backup(client, settings, tmp_path, without_broker):
    settings.BACKUP_DIR = tmp_path
    a_backup_taken(tmp_path, ago=timedelta(days=9))
    a_backup_taken(tmp_path, ago=timedelta(hours=5, minutes=10))
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["checks"]["backup"] == "ok (5 h old)"


def test_a_backup_older_than_two_days_makes_it_503(client, settings, tmp_path, without_broker):
    settings.BACKUP_DIR = tmp_path
    a_backup_taken(tmp_path, ago=timedelta(hours=50))
    (tmp_path / ".partial-helpcenter-20991231-000000").mkdir()  # an unfinished one counts not
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["backup"] == "error (50 h old)"


def test_a_backup_folder_without_a_backup_makes_it_503(client, settings, tmp_path, without_broker):
    settings.BACKUP_DIR = tmp_path / "not-yet-created"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["backup"] == "error (no backup)"
