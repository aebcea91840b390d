"""`check --deploy` with production values is clean, on HTTPS and on a documented plain-HTTP
intranet."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "Zq8wX3vN1rT6yB9mK2pL5sD7fG4hJ0cVbN8mQ1wE3rT5yU7iO9pA",
    "ALLOWED_HOSTS": "helpcenter.example.org",
}


def deploy_check(**extra) -> subprocess.CompletedProcess:
    env = {**os.environ, **PRODUCTION, **extra}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("https", ["1", "0"])
def test_the_deploy_check_is_clean(https):
    result = deploy_check(HTTPS=https)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_plain_http_silences_only_the_https_warnings():
    from django.conf import settings

    assert settings.HTTPS is False  # the suite runs on plain HTTP
    assert set(settings.SILENCED_SYSTEM_CHECKS) == {
        "security.W004",
        "security.W008",
        "security.W012",
        "security.W016",
    }


def test_a_weak_key_is_reported():
    result = deploy_check(SECRET_KEY="short")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
