"""`manage.py backup` and `manage.py restore`: a restore brings back every row and every file the
manifest lists, and a bad backup is refused without changing anything.

Transactional tests on purpose: pg_dump and psql work outside the test's transaction. They run
on SQLite in CI's first pass and on PostgreSQL (the test database test_<name>) in the second.
"""

import errno
import hashlib
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from helpcenter import backup
from households.models import Household, Member
from tests.factories import household_for

pytestmark = pytest.mark.django_db(transaction=True)

UPLOADS = {
    "documents/2026/01/proof.pdf": b"%PDF-1.4 proof of income\n",
    "visits/2026/01/visit.jpg": b"\xff\xd8\xff\xe0 a visit photo",
    "notices/2026/notice-0001.pdf": b"%PDF-1.4 archived notice\n",
    "imports/plan-1.json": '{"rows": ["张三"]}'.encode(),
}


def media_checksums() -> dict[str, str]:
    root = Path(settings.MEDIA_ROOT)
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def manifest_media(manifest: dict) -> dict[str, str]:
    return {
        name.removeprefix("media/"): entry["sha256"]
        for name, entry in manifest["files"].items()
        if name.startswith("media/")
    }


def upload(files: dict[str, bytes]) -> None:
    for name, content in files.items():
        path = Path(settings.MEDIA_ROOT) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def take_backup(tmp_path: Path) -> Path:
    call_command("backup", out=str(tmp_path / "backups"), stdout=StringIO())
    (folder,) = (tmp_path / "backups").iterdir()
    return folder


def read_manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def write_manifest(folder: Path, manifest) -> None:
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.fixture
def backed_up(people, tmp_path) -> Path:
    """A backup of named people, one household and the uploads; then the live data moves on
    (another household, another file), so that a restore would change something."""
    household_for(people.union_a, actor=people.caseworker_a, name="张三")
    upload(UPLOADS)
    folder = take_backup(tmp_path)
    household_for(people.union_b, actor=people.caseworker_b, name="李四")
    upload({"documents/2026/02/later.pdf": b"%PDF-1.4 uploaded after the backup"})
    return folder


def test_a_restore_brings_back_every_row_and_file(tmp_path):
    call_command("seed_demo", households=6, allow_production=True, stdout=StringIO())
    upload(UPLOADS)
    folder = take_backup(tmp_path)
    manifest = read_manifest(folder)
    assert manifest["row_counts"] == backup.row_counts()
    assert manifest["row_counts"]["households.Household"] == Household.objects.count() > 0
    assert manifest_media(manifest) == media_checksums()
    assert set(UPLOADS) < set(manifest_media(manifest))  # the demo uploads some of its own
    assert manifest["migrations"]["households"][0] == "0001_initial"
    renamed = Household.objects.order_by("pk").first()
    # Change and delete: households and members, uploaded files.
    Household.objects.filter(pk=renamed.pk).update(work_unit="改过的单位")
    relatives = Member.objects.exclude(pk__in=Household.objects.values("head"))
    Member.objects.filter(pk__in=list(relatives.values_list("pk", flat=True)[:3])).delete()
    deleted = Household.objects.filter(applications__isnull=True).order_by("-pk").first()
    Household.objects.filter(pk=deleted.pk).update(head=None)
    deleted.delete()
    (Path(settings.MEDIA_ROOT) / "visits/2026/01/visit.jpg").unlink()
    (Path(settings.MEDIA_ROOT) / "notices/2026/notice-0001.pdf").write_bytes(b"overwritten")
    upload({"documents/2026/03/new.pdf": b"new"})
    assert backup.row_counts() != manifest["row_counts"]

    output = StringIO()
    call_command("restore", str(folder), yes=True, stdout=output)

    assert backup.row_counts() == manifest["row_counts"]
    assert media_checksums() == manifest_media(manifest)
    assert Household.objects.get(pk=renamed.pk).work_unit == renamed.work_unit
    assert "households.Household" in output.getvalue()
    assert "≠" not in output.getvalue()
    assert not (Path(settings.MEDIA_ROOT) / backup.STAGING_OLD).exists()


def test_a_backup_holds_no_secret(people, tmp_path, settings, monkeypatch):
    settings.SECRET_KEY = "never-in-a-backup-" + "k" * 40
    # Trust authentication ignores a password, so a made-up one shows where it would travel.
    password = connection.settings_dict.get("PASSWORD") or "never-in-a-backup-password"
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", password)
    upload(UPLOADS)
    folder = take_backup(tmp_path)
    for path in folder.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert settings.SECRET_KEY.encode() not in content, path
            assert password.encode() not in content, path
    manifest = (folder / "manifest.json").read_text(encoding="utf-8")
    assert "SECRET_KEY" not in manifest
    if connection.vendor == "postgresql":
        assert connection.settings_dict["NAME"] not in manifest  # no database address either


def test_restore_without_yes_only_checks(backed_up):
    counts, files = backup.row_counts(), media_checksums()
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(backed_up), stdout=StringIO())
    assert backup.row_counts() == counts
    assert media_checksums() == files


def truncate_database(folder: Path) -> None:
    dump = next(folder.glob("database.*"))
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])


def tamper_file(folder: Path) -> None:
    (folder / "media/documents/2026/01/proof.pdf").write_bytes(b"%PDF-1.4 forged proof\n")


def remove_file(folder: Path) -> None:
    (folder / "media/visits/2026/01/visit.jpg").unlink()


def add_file(folder: Path) -> None:
    (folder / "media/documents/smuggled.pdf").write_bytes(b"not in the manifest")


def remove_manifest(folder: Path) -> None:
    (folder / "manifest.json").unlink()


def truncate_manifest(folder: Path) -> None:
    text = (folder / "manifest.json").read_text(encoding="utf-8")
    (folder / "manifest.json").write_text(text[: len(text) // 2], encoding="utf-8")


def another_product(folder: Path) -> None:
    write_manifest(folder, {**read_manifest(folder), "format": "other-product-backup"})


def random_json(folder: Path) -> None:
    write_manifest(folder, {"name": "photos", "items": [1, 2, 3]})


def a_list(folder: Path) -> None:
    write_manifest(folder, [1, 2, 3])


def newer_schema(folder: Path) -> None:
    manifest = read_manifest(folder)
    manifest["migrations"]["households"].append("9999_from_the_future")
    write_manifest(folder, manifest)


def escaping_path(folder: Path) -> None:
    manifest = read_manifest(folder)
    manifest["files"]["media/../../outside.txt"] = manifest["files"].popitem()[1]
    write_manifest(folder, manifest)


def linked_file(folder: Path) -> None:
    """A listed file replaced by a link to a file elsewhere with the same content."""
    proof = folder / "media/documents/2026/01/proof.pdf"
    elsewhere = folder.parent / "elsewhere.pdf"
    elsewhere.write_bytes(proof.read_bytes())
    proof.unlink()
    proof.symlink_to(elsewhere)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (truncate_database, "checksum"),
        (tamper_file, "checksum"),
        (remove_file, "lacks a file"),
        (add_file, "does not list"),
        (remove_manifest, "no manifest.json"),
        (truncate_manifest, "truncated or damaged"),
        (another_product, "not a helpcenter backup"),
        (random_json, "not a helpcenter backup"),
        (a_list, "not a helpcenter backup"),
        (newer_schema, "newer version"),
        (escaping_path, "garbled"),
        (linked_file, "is a link or lies outside"),
    ],
)
def test_a_bad_backup_is_refused_and_changes_nothing(backed_up, damage, message):
    damage(backed_up)
    counts, files = backup.row_counts(), media_checksums()
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(backed_up), yes=True, stdout=StringIO())
    assert backup.row_counts() == counts
    assert media_checksums() == files


def test_a_missing_backup_folder_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="No backup folder"):
        call_command("restore", str(tmp_path / "nowhere"), yes=True, stdout=StringIO())


def disk_full(source: Path, target: Path) -> str:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_fails_the_backup_and_leaves_no_backup(people, tmp_path, monkeypatch):
    upload(UPLOADS)
    counts, files = backup.row_counts(), media_checksums()
    monkeypatch.setattr(backup, "_copy_file", disk_full)
    with pytest.raises(CommandError, match="disk is full"):
        call_command("backup", out=str(tmp_path / "backups"), stdout=StringIO())
    assert list((tmp_path / "backups").iterdir()) == []
    assert backup.row_counts() == counts
    assert media_checksums() == files


def test_a_full_disk_fails_the_restore_and_changes_nothing(backed_up, monkeypatch):
    counts, files = backup.row_counts(), media_checksums()
    monkeypatch.setattr(backup, "_copy_file", disk_full)
    with pytest.raises(CommandError, match="disk is full"):
        call_command("restore", str(backed_up), yes=True, stdout=StringIO())
    assert backup.row_counts() == counts
    assert media_checksums() == files
    assert not (Path(settings.MEDIA_ROOT) / backup.STAGING_NEW).exists()


def test_a_restore_refuses_a_backup_of_another_database_engine(backed_up):
    manifest = read_manifest(backed_up)
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    old_file = manifest["database"]["file"]
    new_file = backup.DATABASE_FILES[other]
    (backed_up / old_file).rename(backed_up / new_file)
    manifest["database"] = {"engine": other, "file": new_file}
    manifest["files"][new_file] = manifest["files"].pop(old_file)
    write_manifest(backed_up, manifest)
    counts = backup.row_counts()
    with pytest.raises(CommandError, match="configured database"):
        call_command("restore", str(backed_up), yes=True, stdout=StringIO())
    assert backup.row_counts() == counts
