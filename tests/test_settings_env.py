"""A missing or invalid environment variable stops start-up with a message naming it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from helpcenter.env import env_bool, env_database, env_int, env_redis_url

ROOT = Path(__file__).resolve().parent.parent
GOOD = {
    "DEBUG": "0",
    "HTTPS": "0",
    "SECRET_KEY": "subprocess-test-key-0123456789abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "localhost",
    "DATABASE_URL": "sqlite:///:memory:",
}


def start(**overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in GOOD and k != "REDIS_URL"}
    env.update(GOOD)
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_good_settings_start():
    assert start().returncode == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("SECRET_KEY", None),
        ("ALLOWED_HOSTS", ""),
        ("DATABASE_URL", "mysql://root@localhost/helpcenter"),
        ("DATABASE_URL", "not a url"),
        ("REDIS_URL", "localhost:6379"),
        ("AXES_FAILURE_LIMIT", "five"),
        ("SESSION_IDLE_MINUTES", "0"),
        ("HTTPS", "sometimes"),
        ("LOG_LEVEL", "chatty"),
        ("TIME_ZONE", "Mars/Olympus"),
    ],
)
def test_a_bad_variable_stops_start_up_naming_it(name, value):
    result = start(**{name: value})
    assert result.returncode != 0
    assert f"Environment variable {name}" in result.stderr


def test_the_development_key_is_used_only_with_debug_on():
    assert start(DEBUG="1", SECRET_KEY=None).returncode == 0
    assert start(DEBUG="0", SECRET_KEY=None).returncode != 0


def test_helpers_parse_good_values(monkeypatch):
    monkeypatch.setenv("X_BOOL", " Yes ")
    monkeypatch.setenv("X_INT", "15")
    monkeypatch.setenv("X_DB", "postgres://u:p@db:5432/helpcenter")
    monkeypatch.setenv("X_REDIS", "redis://redis:6379/0")
    assert env_bool("X_BOOL", False) is True
    assert env_int("X_INT", 1, minimum=1) == 15
    assert env_database("X_DB", "")["NAME"] == "helpcenter"
    assert env_redis_url("X_REDIS") == "redis://redis:6379/0"
    monkeypatch.setenv("X_INT", "0")
    with pytest.raises(ImproperlyConfigured, match="X_INT"):
        env_int("X_INT", 1, minimum=1)
