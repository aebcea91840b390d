"""docker-compose.yml and the Dockerfile agree with each other and with the settings.

Plain file parsing: no Django, no database, no Docker.
"""

import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ["web", "worker", "reports", "beat", "migrate"]
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def service(name: str) -> dict:
    return compose()["services"][name]


def interpolate(value: str) -> str:
    """What compose would substitute, with "placeholder" for required variables."""

    def substitute(match: re.Match) -> str:
        return match["arg"] if match["op"] in {"-", ":-"} else "placeholder"

    return INTERPOLATION.sub(substitute, str(value))


def environment(name: str) -> dict[str, str]:
    env = service(name).get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: interpolate(value) for key, value in env.items()}


def command_words(name: str) -> list[str]:
    command = service(name).get("command") or []
    return shlex.split(command) if isinstance(command, str) else [str(w) for w in command]


def dependencies(name: str) -> set[str]:
    """The services `name` waits for, directly or through the services it waits for."""
    found: set[str] = set()
    pending = [name]
    while pending:
        depends_on = service(pending.pop()).get("depends_on") or []
        for dependency in depends_on:  # a list of names or a mapping name -> condition
            if dependency not in found:
                found.add(dependency)
                pending.append(dependency)
    return found


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")


def dockerfile_instructions(keyword: str) -> list[str]:
    return [
        line.split(None, 1)[1]
        for line in dockerfile().splitlines()
        if line.split(None, 1)[:1] == [keyword] and len(line.split(None, 1)) == 2
    ]


def test_it_defines_every_service():
    assert {"db", "redis", "web", "worker", "beat", "migrate"} <= set(compose()["services"])


def test_it_has_no_obsolete_version_key():
    assert "version" not in compose()


def test_web_worker_and_beat_run_the_same_image():
    images = {
        (json.dumps(service(name).get("build"), sort_keys=True), service(name).get("image"))
        for name in ["web", "worker", "beat", "migrate"]
    }
    assert len(images) == 1
    build, image = images.pop()
    assert build != "null" or image


def test_worker_runs_a_celery_worker():
    assert command_words("worker")[:4] == ["celery", "-A", "helpcenter", "worker"]


def test_the_queues_have_their_workers():
    """Reports are routed to their own queue (settings.CELERY_TASK_ROUTES): a worker must take
    it, one report at a time, and the other worker the default queue."""
    from django.conf import settings

    assert settings.CELERY_TASK_ROUTES["reports.build"]["queue"] == "reports"
    words = command_words("reports")
    assert words[:4] == ["celery", "-A", "helpcenter", "worker"]
    assert words[words.index("-Q") + 1] == "reports"
    assert "--prefetch-multiplier=1" in words and "--concurrency=1" in words
    default = command_words("worker")
    assert default[default.index("-Q") + 1] == "celery"
    # Redis must not hand a running report to a second worker before the hard limit kills it.
    assert (
        settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
        > settings.REPORT_TIME_LIMIT
        > settings.REPORT_SOFT_TIME_LIMIT
    )
    assert service("reports")["volumes"] == service("worker")["volumes"][:1]


def test_beat_runs_celery_beat():
    assert command_words("beat")[:4] == ["celery", "-A", "helpcenter", "beat"]


def test_migrate_applies_migrations():
    assert command_words("migrate")[:3] == ["python", "manage.py", "migrate"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_use_postgres_on_db(name):
    url = urlsplit(environment(name)["DATABASE_URL"])
    assert url.scheme in {"postgres", "postgresql"}
    assert url.hostname == "db"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_use_redis_on_redis(name):
    url = urlsplit(environment(name)["REDIS_URL"])
    assert url.scheme == "redis"
    assert url.hostname == "redis"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_get_secret_key_and_allowed_hosts(name):
    env = environment(name)
    assert env["SECRET_KEY"]
    assert env["ALLOWED_HOSTS"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_run_with_debug_off(name):
    assert environment(name)["DEBUG"] == "0"


@pytest.mark.parametrize("name", ["web", "worker"])
def test_web_and_worker_wait_for_redis_and_the_database(name):
    assert {"redis", "db"} <= dependencies(name)


def test_migrate_waits_for_the_database():
    assert "db" in dependencies("migrate")


def test_beat_runs_at_most_one_replica():
    beat = service("beat")
    assert int((beat.get("deploy") or {}).get("replicas", 1)) <= 1
    assert int(beat.get("scale", 1)) <= 1


def test_dockerfile_installs_cjk_fonts_and_pango():
    text = dockerfile()
    assert "fonts-noto-cjk" in text
    assert "libpango" in text


def test_dockerfile_runs_gunicorn_with_helpcenter_wsgi():
    command = " ".join(dockerfile_instructions("CMD") + dockerfile_instructions("ENTRYPOINT"))
    assert "gunicorn" in command
    assert "helpcenter.wsgi" in command


def test_every_variable_passed_to_the_app_is_one_the_project_reads():
    settings_source = "".join(
        (ROOT / "helpcenter" / module).read_text(encoding="utf-8")
        for module in ["settings.py", "env.py"]
    )
    dockerfile_source = dockerfile()
    passed = {variable for name in APP_SERVICES for variable in environment(name)}
    unread = {
        variable
        for variable in passed
        if f'"{variable}"' not in settings_source
        # A process setting the image's CMD reads, such as ${WEB_CONCURRENCY:-3}:
        and "${" + variable not in dockerfile_source
    }
    assert not unread, f"docker-compose.yml passes variables nothing reads: {sorted(unread)}"


@pytest.mark.parametrize("name", ["web", "worker"])
def test_web_and_worker_mount_a_volume_at_backup_dir(name):
    """The worker writes the daily backup there; web's /healthz/ reports its age."""
    backup_dir = environment(name)["BACKUP_DIR"]
    mounted = {str(volume).split(":")[1] for volume in service(name).get("volumes") or []}
    assert backup_dir in mounted


def test_the_image_has_postgresql_clients_of_the_db_servers_major_version():
    """pg_dump refuses to dump a server newer than itself."""
    server = re.fullmatch(r"postgres:(\d+)(?:[.-].*)?", service("db")["image"])
    clients = re.findall(r"postgresql-client-(\d+)", dockerfile())
    assert server and clients == [server[1]]
