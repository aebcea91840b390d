"""The daily backup (celery beat), its retention rule and BACKUP_* settings."""

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from helpcenter import backup, tasks
from helpcenter.env import env_directory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, time: str = "01:30") -> datetime:
    return datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=SHANGHAI)


def test_it_keeps_every_backup_of_the_last_days_and_the_first_of_each_month():
    taken = [at("2026-01-01"), at("2026-01-15"), at("2026-02-01"), at("2026-02-02")]
    taken += [at("2026-03-01"), at("2026-03-09"), at("2026-03-10"), at("2026-03-10", "14:00")]
    kept = backup.backups_to_keep(taken, keep_daily=2, keep_monthly=2)
    assert kept == {
        at("2026-03-10"),  # the last two days, both of the 10th's backups
        at("2026-03-10", "14:00"),
        at("2026-03-09"),
        at("2026-03-01"),  # the first of March and of February
        at("2026-02-01"),
    }


def test_no_monthly_copies_when_keep_monthly_is_zero():
    taken = [at("2026-01-01"), at("2026-02-01"), at("2026-02-02")]
    assert backup.backups_to_keep(taken, keep_daily=1, keep_monthly=0) == {at("2026-02-02")}


def a_backup(directory: Path, name: str) -> Path:
    (directory / name).mkdir()
    (directory / name / "manifest.json").write_text("{}")
    return directory / name


def test_prune_deletes_what_the_rule_does_not_keep(settings, tmp_path):
    settings.TIME_ZONE = "Asia/Shanghai"
    old = a_backup(tmp_path, "helpcenter-20260101-013000")
    kept = [a_backup(tmp_path, f"helpcenter-202603{day:02}-013000") for day in (1, 9, 10)]
    stray = tmp_path / "holiday-photos"
    stray.mkdir()
    died = tmp_path / ".partial-helpcenter-20260308-013000"  # a backup that died half-way
    died.mkdir()
    os.utime(died, (0, 0))
    (tmp_path / ".partial-helpcenter-20260310-093000").mkdir()  # one being written now
    deleted = backup.backups_prune(directory=tmp_path, keep_daily=2, keep_monthly=1)
    assert deleted == [old, died]
    kept.append(tmp_path / ".partial-helpcenter-20260310-093000")
    assert sorted(tmp_path.iterdir()) == sorted([*kept, stray])


@pytest.mark.django_db(transaction=True)
def test_the_daily_task_backs_up_into_backup_dir_and_prunes(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path
    settings.BACKUP_KEEP_DAILY = 1
    settings.BACKUP_KEEP_MONTHLY = 0
    old = a_backup(tmp_path, "helpcenter-20200101-013000")
    folder = Path(tasks.backup_daily())  # called, not queued: a CI worker has other settings
    assert folder.parent == tmp_path
    assert backup.backup_verify(folder=folder)["product"] == "helpcenter"
    assert not old.exists()


def test_the_daily_task_does_nothing_without_backup_dir(settings, tmp_path):
    settings.BACKUP_DIR = None
    assert tasks.backup_daily() is None


def test_beat_sends_the_daily_backup():
    tasks_scheduled = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "helpcenter.backup_daily" in tasks_scheduled


def test_backup_dir_must_be_an_absolute_path(monkeypatch):
    monkeypatch.setenv("BACKUP_DIR", "backups")
    with pytest.raises(ImproperlyConfigured, match="BACKUP_DIR"):
        env_directory("BACKUP_DIR")
    monkeypatch.setenv("BACKUP_DIR", "/srv/backups")
    assert env_directory("BACKUP_DIR") == Path("/srv/backups")
    monkeypatch.delenv("BACKUP_DIR")
    assert env_directory("BACKUP_DIR") is None


def test_a_bad_keep_count_stops_start_up():
    from tests.test_settings_env import start

    result = start(BACKUP_KEEP_DAILY="0")
    assert result.returncode != 0
    assert "BACKUP_KEEP_DAILY" in result.stderr
