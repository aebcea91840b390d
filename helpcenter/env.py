"""Read settings from the environment, failing loudly on a bad value.

Every helper names the variable in its error, so a misconfigured deployment stops at start-up
with a message that says which variable to fix, never later with a confusing traceback.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_MISSING = object()


def env_str(name: str, default: str | object = _MISSING) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is _MISSING:
            raise ImproperlyConfigured(f"Environment variable {name} is required but not set.")
        return default  # type: ignore[return-value]
    return value.strip()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"Environment variable {name}={value!r} is not a boolean: "
        "use 1/0, true/false, yes/no or on/off."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(
            f"Environment variable {name}={value!r} is not a whole number."
        ) from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"Environment variable {name}={number} is below {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_database(name: str, default: str) -> dict:
    """Parse a database URL (postgres://… or sqlite:///…) with dj-database-url."""
    import dj_database_url

    url = env_str(name, default)
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"Environment variable {name} is not a database URL this product supports "
            f"(postgres://user:password@host:5432/name or sqlite:///path): {error}"
        ) from None
    engine = config.get("ENGINE", "")
    if engine not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
        raise ImproperlyConfigured(
            f"Environment variable {name} names {engine or 'an unknown engine'}; "
            "use PostgreSQL in production or SQLite for the demo."
        )
    if engine.endswith("sqlite3"):
        config["CONN_MAX_AGE"] = 0
        config.pop("CONN_HEALTH_CHECKS", None)
    return config


def env_directory(name: str) -> Path | None:
    """An absolute folder path, or None when the variable is unset or empty."""
    value = env_str(name, "")
    if not value:
        return None
    if not Path(value).is_absolute():
        raise ImproperlyConfigured(
            f"Environment variable {name}={value!r} is not an absolute path (e.g. /srv/backups)."
        )
    return Path(value)


def env_redis_url(name: str) -> str | None:
    url = env_str(name, "")
    if not url:
        return None
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"Environment variable {name}={url!r} is not a Redis URL (redis://host:6379/0)."
        )
    return url


def env_choice(name: str, default: str, choices: list[str]) -> str:
    value = env_str(name, default).upper()
    if value not in choices:
        raise ImproperlyConfigured(
            f"Environment variable {name}={value!r} is not one of {', '.join(choices)}."
        )
    return value


def env_time_zone(name: str, default: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    value = env_str(name, default)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"Environment variable {name}={value!r} is not a time zone (e.g. Asia/Shanghai)."
        ) from None
    return value
