"""Backups a county IT person can trust: one folder holds the database, the uploaded files and a
manifest, and a restore checks all of it before it touches anything.

A backup folder `helpcenter-YYYYMMDD-HHMMSS` (local time) contains:

- `database.pgdump` (PostgreSQL: `pg_dump --format=custom`) or `database.sqlite3` (SQLite: the
  online backup API, safe while the server runs);
- `media/`: a copy of everything under MEDIA_ROOT;
- `manifest.json`: the product and its version, the migrations applied per app and the row
  count of every table of ours, all read from the same snapshot as the dump, and the sha256 of
  every file. Nothing from the environment: no SECRET_KEY, no database address or password.

It is written into a hidden `.partial-…` folder and renamed only when complete, so a failed
backup never looks like one. `backup_restore` verifies the manifest and every checksum, refuses a
backup of a newer schema than the code, stages the files beside MEDIA_ROOT, replaces the
database in one transaction, swaps the files in (keeping the old ones until the end, putting them
back if anything fails), then migrates forward. Messages are bilingual, as the commands print
them to the operator.
"""

import errno
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT = "helpcenter-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PREFIX = "helpcenter-"
PARTIAL_PREFIX = ".partial-"
STAMP = "%Y%m%d-%H%M%S"
DATABASE_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
# Our apps, the accounts and what a login depends on (sessions, lockouts), the admin log and
# the beat schedule: every table of these is counted in the manifest and after a restore.
COUNTED_APPS = (
    "helpcenter",
    "households",
    "cases",
    "relief",
    "auth",
    "contenttypes",
    "sessions",
    "admin",
    "axes",
    "django_celery_beat",
)
# A restore stages the backup's files in, and keeps MEDIA_ROOT's old files in, these folders
# inside MEDIA_ROOT (same file system, so moving is a rename; MEDIA_ROOT may be a mount point).
STAGING_NEW = ".helpcenter-restore-new"
STAGING_OLD = ".helpcenter-restore-old"
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that was refused or failed; the message tells the operator why."""


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict
    row_counts: dict[str, int]  # after the restore (and the forward migration)


# --- Backup ---------------------------------------------------------------------------------


def backup_create(*, out_dir: Path) -> Path:
    """Write one complete backup folder into `out_dir` and return its path."""
    out_dir = Path(out_dir)
    name = PREFIX + timezone.localtime().strftime(STAMP)
    final = out_dir / name
    if final.exists():
        raise BackupError(f"备份已存在 A backup named {name} already exists in {out_dir}.")
    partial = out_dir / (PARTIAL_PREFIX + name)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        partial.mkdir()
        database_file = DATABASE_FILES[_vendor()]
        migrations, row_counts = _dump_database(partial / database_file)
        files = {database_file: _file_entry(partial / database_file)}
        files.update(_copy_media(Path(settings.MEDIA_ROOT), partial / "media"))
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "product": "helpcenter",
            "version": _product_version(),
            "created_at": timezone.now().isoformat(),
            "database": {"engine": _vendor(), "file": database_file},
            "migrations": migrations,
            "row_counts": row_counts,
            "files": files,
        }
        _write_synced(partial / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
        partial.rename(final)
    except BaseException as error:
        shutil.rmtree(partial, ignore_errors=True)
        if isinstance(error, OSError | sqlite3.Error):
            raise BackupError(_io_message("备份失败 The backup failed", error)) from error
        raise
    return final


def _vendor() -> str:
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(
            f"不支持的数据库 Backups support PostgreSQL and SQLite, not {connection.vendor}."
        )
    return connection.vendor


def _dump_database(target: Path) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Dump the database to `target`; return the migrations and row counts of that snapshot."""
    if _vendor() == "sqlite":
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
            return _snapshot_facts(destination.cursor(), quote=_quote_sqlite)
        finally:
            destination.close()
    if connection.in_atomic_block:
        raise BackupError("备份不能在事务中进行 A backup cannot run inside a transaction.")
    # pg_dump reads the snapshot this transaction exports, so the counts and migrations below
    # describe exactly the data in the dump, even while the application keeps writing.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        facts = _snapshot_facts(cursor, quote=connection.ops.quote_name)
        _run_client(
            ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
            what="pg_dump",
        )
    return facts


def _snapshot_facts(cursor, *, quote) -> tuple[dict[str, list[str]], dict[str, int]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    migrations: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        migrations.setdefault(app, []).append(name)
    return migrations, _count_rows(cursor, quote=quote)


def counted_tables() -> dict[str, str]:
    """Model label → table, for every table of COUNTED_APPS (many-to-many tables included)."""
    tables = {}
    for label in COUNTED_APPS:
        try:
            app_config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in app_config.get_models(include_auto_created=True):
            if model._meta.managed and not model._meta.proxy:
                tables[model._meta.label] = model._meta.db_table
    return dict(sorted(tables.items()))


def _count_rows(cursor, *, quote) -> dict[str, int]:
    counts = {}
    for label, table in counted_tables().items():
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 (our table names)
        counts[label] = cursor.fetchone()[0]
    return counts


def row_counts() -> dict[str, int]:
    """The row counts of the live database, as the manifest lists them."""
    with connection.cursor() as cursor:
        return _count_rows(cursor, quote=connection.ops.quote_name)


def _quote_sqlite(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _copy_media(source: Path, target: Path) -> dict[str, dict]:
    files = {}
    target.mkdir()
    if not source.is_dir():
        return files
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if relative.parts[0] in {STAGING_NEW, STAGING_OLD} or path.is_symlink():
            continue
        if path.is_dir():
            (target / relative).mkdir(parents=True, exist_ok=True)
        elif path.is_file():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            digest = _copy_file(path, target / relative)
            files["media/" + relative.as_posix()] = {
                "sha256": digest,
                "size": (target / relative).stat().st_size,
            }
    return files


def _copy_file(source: Path, target: Path) -> str:
    """Copy one file, returning the sha256 of what was copied."""
    digest = hashlib.sha256()
    with source.open("rb") as reader, target.open("wb") as writer:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
            writer.write(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    shutil.copystat(source, target)
    return digest.hexdigest()


def _file_entry(path: Path) -> dict:
    return {"sha256": _sha256(path), "size": path.stat().st_size}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as reader:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _write_synced(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as writer:
        writer.write(text)
        writer.flush()
        os.fsync(writer.fileno())


def _product_version() -> str:
    try:
        return metadata.version("helpcenter")
    except metadata.PackageNotFoundError:  # the image runs the code from /app, uninstalled
        import tomllib

        pyproject = Path(settings.BASE_DIR) / "pyproject.toml"
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]


def _io_message(prefix: str, error: BaseException) -> str:
    full = isinstance(error, OSError) and error.errno == errno.ENOSPC
    full = full or "disk is full" in str(error) or "No space left" in str(error)
    if full:
        return f"{prefix}：磁盘已满 The disk is full. Free space and try again. ({error})"
    return f"{prefix}: {error}"


def _run_client(arguments: list[str], *, what: str, stdin=None) -> None:
    """Run pg_dump/psql against the configured database. The password goes through the
    environment of that one process (PGPASSWORD), never onto a command line or into a file."""
    result = subprocess.run(  # noqa: S603 (fixed programs, our own arguments)
        arguments + _connection_arguments(),
        stdin=stdin,
        capture_output=True,
        env=_client_environment(),
        check=False,
    )
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip()[-2000:]
        raise BackupError(_io_message(f"{what} 失败 {what} failed", OSError(detail)))


def _connection_arguments() -> list[str]:
    config = connection.settings_dict
    arguments = [f"--dbname={config['NAME']}"]
    if config.get("HOST"):
        arguments.append(f"--host={config['HOST']}")
    if config.get("PORT"):
        arguments.append(f"--port={config['PORT']}")
    if config.get("USER"):
        arguments.append(f"--username={config['USER']}")
    return arguments


def _client_environment() -> dict[str, str]:
    config = connection.settings_dict
    environment = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if config.get("PASSWORD"):
        environment["PGPASSWORD"] = str(config["PASSWORD"])
    if (config.get("OPTIONS") or {}).get("sslmode"):
        environment["PGSSLMODE"] = str(config["OPTIONS"]["sslmode"])
    return environment


# --- Verify ---------------------------------------------------------------------------------


def backup_verify(*, folder: Path) -> dict:
    """The manifest of the backup in `folder`, after checking it and every file it lists."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BackupError(f"找不到备份 No backup folder at {folder}.")
    if not (folder / MANIFEST).is_file():
        raise BackupError(
            f"缺少清单 {folder} has no {MANIFEST}: it is not a helpcenter backup, or an "
            "incomplete one."
        )
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise BackupError(
            f"清单已损坏 {MANIFEST} is not readable JSON: the backup is truncated or damaged."
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            f"不是本系统的备份 {folder} is not a helpcenter backup (its manifest comes from "
            "another system)."
        )
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"备份格式版本不符 This backup has format version {manifest.get('format_version')!r}; "
            f"this code reads version {FORMAT_VERSION}."
        )
    _check_shape(manifest)
    inside = folder.resolve()
    for name, entry in manifest["files"].items():
        path = folder / name
        if path.is_symlink() or not path.resolve().is_relative_to(inside):
            raise BackupError(
                f"备份中有链接到别处的文件 {name} is a link or lies outside the backup folder: "
                "a backup holds plain files only."
            )
        if not path.is_file():
            raise BackupError(f"备份缺少文件 The backup lacks a file its manifest lists: {name}")
        if path.stat().st_size != entry["size"] or _sha256(path) != entry["sha256"]:
            raise BackupError(
                f"校验和不符 {name} differs from the manifest's checksum: the backup is "
                "truncated or was changed."
            )
    listed = set(manifest["files"])
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name != MANIFEST and name not in listed:
            raise BackupError(
                f"多出未登记的文件 The backup holds a file its manifest does not list: {name}"
            )
    return manifest


def _check_shape(manifest: dict) -> None:
    def garbled(key: str) -> BackupError:
        return BackupError(f"清单不完整 The manifest's {key!r} is missing or garbled.")

    database = manifest.get("database")
    if not isinstance(database, dict) or database.get("engine") not in DATABASE_FILES:
        raise garbled("database")
    if database.get("file") != DATABASE_FILES[database["engine"]]:
        raise garbled("database")
    migrations = manifest.get("migrations")
    if not isinstance(migrations, dict) or not all(
        isinstance(names, list) and all(isinstance(name, str) for name in names)
        for names in migrations.values()
    ):
        raise garbled("migrations")
    counts = manifest.get("row_counts")
    if not isinstance(counts, dict) or not all(isinstance(n, int) for n in counts.values()):
        raise garbled("row_counts")
    files = manifest.get("files")
    if not isinstance(files, dict) or database["file"] not in files:
        raise garbled("files")
    for name, entry in files.items():
        path = PurePosixPath(name)
        inside = not path.is_absolute() and ".." not in path.parts and "\\" not in name
        if not inside or not (name == database["file"] or path.parts[0] == "media"):
            raise garbled(f"files: {name}")
        if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
            raise garbled(f"files: {name}")
        if not isinstance(entry.get("size"), int):
            raise garbled(f"files: {name}")


def _check_compatible(manifest: dict) -> None:
    engine = manifest["database"]["engine"]
    if engine != _vendor():
        raise BackupError(
            f"数据库类型不同 This is a {engine} backup; the configured database is "
            f"{connection.vendor}."
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [
        f"{app}.{name}"
        for app, names in manifest["migrations"].items()
        for name in names
        if (app, name) not in known
    ]
    if unknown:
        raise BackupError(
            "备份来自更新的版本 The backup comes from a newer version of helpcenter than this "
            f"code (migrations it does not know: {', '.join(unknown[:5])}). Upgrade the code to "
            f"version {manifest.get('version')} or later first, then restore."
        )


# --- Restore --------------------------------------------------------------------------------


def backup_restore(*, folder: Path) -> RestoreResult:
    """Replace the database and MEDIA_ROOT's files with the backup in `folder`, then migrate
    forward. Everything is checked first; a refusal or a failure before the database is
    replaced changes nothing."""
    folder = Path(folder)
    manifest = backup_verify(folder=folder)
    _check_compatible(manifest)
    media_root = Path(settings.MEDIA_ROOT)
    staging, previous = media_root / STAGING_NEW, media_root / STAGING_OLD
    for leftover in (staging, previous):
        if leftover.exists():
            raise BackupError(
                f"上次恢复未完成 {leftover} is left from an interrupted restore: check its "
                "files, move them where they belong, delete it, then restore again."
            )
    try:
        media_root.mkdir(parents=True, exist_ok=True)
        _stage_media(manifest, folder=folder, staging=staging)
        _restore_database(folder / manifest["database"]["file"])
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(error, OSError | sqlite3.Error):
            raise BackupError(
                _io_message("恢复失败，未做任何改动 Restore failed, nothing was changed", error)
            ) from error
        raise
    _swap_media(media_root, staging=staging, previous=previous)
    call_command("migrate", interactive=False, verbosity=0)
    shutil.rmtree(previous)
    return RestoreResult(manifest=manifest, row_counts=row_counts())


def _stage_media(manifest: dict, *, folder: Path, staging: Path) -> None:
    staging.mkdir()
    for name, entry in manifest["files"].items():
        if not name.startswith("media/"):
            continue
        target = staging / PurePosixPath(name).relative_to("media")
        target.parent.mkdir(parents=True, exist_ok=True)
        if _copy_file(folder / name, target) != entry["sha256"]:
            raise BackupError(f"校验和不符 {name} changed while it was being restored.")


def _restore_database(dump: Path) -> None:
    if _vendor() == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(f"{dump.resolve().as_uri()}?mode=ro", uri=True)
        try:
            source.backup(connection.connection)  # one step, under the destination's lock
        finally:
            source.close()
        return
    connection.close()  # no lock of ours may stand in the way of dropping the tables
    # One transaction (psql --single-transaction): drop every table of the schema, including
    # tables a newer migration added since the backup, then load the dump. Any error rolls all
    # of it back and leaves the database as it was.
    drop_all = (
        "DO $$ DECLARE t record; BEGIN "
        "FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP "
        "EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', t.tablename); END LOOP; END $$;"
    )
    with tempfile.TemporaryFile() as script:
        _run_pg_restore(dump, script)
        script.seek(0)
        _run_client(
            [
                "psql",
                "--no-psqlrc",
                "--quiet",
                "--single-transaction",
                "--set=ON_ERROR_STOP=1",
                f"--command={drop_all}",
                "--file=-",
            ],
            what="psql",
            stdin=script,
        )


def _run_pg_restore(dump: Path, script) -> None:
    """Turn the custom-format dump into the SQL script psql runs (no database connection)."""
    result = subprocess.run(  # noqa: S603 (a fixed program, our own arguments)
        [  # noqa: S607 (found on PATH like pg_dump and psql)
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--file=-",
            str(dump),
        ],
        stdout=script,
        stderr=subprocess.PIPE,
        check=False,
    )
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip()[-2000:]
        raise BackupError(_io_message("pg_restore 失败 pg_restore failed", OSError(detail)))


def _swap_media(media_root: Path, *, staging: Path, previous: Path) -> None:
    """Move MEDIA_ROOT's files aside into `previous` and the staged ones in (renames only);
    on a failure, put the old files back."""
    previous.mkdir()
    moved_out: list[str] = []
    moved_in: list[str] = []
    try:
        for entry in sorted(media_root.iterdir()):
            if entry.name not in {STAGING_NEW, STAGING_OLD}:
                entry.rename(previous / entry.name)
                moved_out.append(entry.name)
        for entry in sorted(staging.iterdir()):
            entry.rename(media_root / entry.name)
            moved_in.append(entry.name)
        staging.rmdir()
    except OSError as error:
        for name in moved_in:
            (media_root / name).rename(staging / name)
        for name in moved_out:
            (previous / name).rename(media_root / name)
        raise BackupError(
            _io_message(
                "文件恢复失败 The files could not be swapped in (the database is already restored)",
                error,
            )
        ) from error


# --- Schedule and retention -----------------------------------------------------------------


def backups_complete(*, directory: Path) -> list[tuple[datetime, Path]]:
    """The complete backups in `directory` (named by the time they were taken), oldest first."""
    found = []
    directory = Path(directory)
    if not directory.is_dir():
        return found
    for path in directory.iterdir():
        if not path.name.startswith(PREFIX) or not (path / MANIFEST).is_file():
            continue
        try:
            taken = datetime.strptime(path.name.removeprefix(PREFIX), STAMP)
        except ValueError:
            continue
        found.append((timezone.make_aware(taken), path))
    return sorted(found)


def backup_newest_time(*, directory: Path) -> datetime | None:
    backups = backups_complete(directory=directory)
    return backups[-1][0] if backups else None


def backups_to_keep(taken: list[datetime], *, keep_daily: int, keep_monthly: int) -> set[datetime]:
    """Every backup of the `keep_daily` most recent days that have one, and the first backup of
    each of the `keep_monthly` most recent months (the first, so a month's copy stays put)."""
    days: set[date] = set(sorted({moment.date() for moment in taken}, reverse=True)[:keep_daily])
    keep = {moment for moment in taken if moment.date() in days}
    firsts: dict[tuple[int, int], datetime] = {}
    for moment in sorted(taken):
        firsts.setdefault((moment.year, moment.month), moment)
    keep |= {firsts[month] for month in sorted(firsts, reverse=True)[:keep_monthly]}
    return keep


def backups_prune(*, directory: Path, keep_daily: int, keep_monthly: int) -> list[Path]:
    """Delete the backups `backups_to_keep` does not keep, and partial folders older than a
    day (a backup that died half-way). Returns what it deleted."""
    backups = backups_complete(directory=directory)
    keep = backups_to_keep(
        [taken for taken, _ in backups], keep_daily=keep_daily, keep_monthly=keep_monthly
    )
    doomed = [path for taken, path in backups if taken not in keep]
    day_ago = timezone.now().timestamp() - 24 * 3600
    doomed += [
        path
        for path in Path(directory).glob(PARTIAL_PREFIX + "*")
        if path.stat().st_mtime < day_ago
    ]
    for path in doomed:
        shutil.rmtree(path)
    return doomed
