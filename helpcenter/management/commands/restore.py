"""`python manage.py restore DIR --yes`: check a backup folder, then restore it
(helpcenter.backup). Without --yes it only checks."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from helpcenter.backup import BackupError, backup_restore, backup_verify


class Command(BaseCommand):
    help = (
        "Restore a backup folder: checks the manifest and every checksum, replaces the database "
        "and the uploaded files, migrates forward. Without --yes it only checks the backup."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", help="a backup folder helpcenter-YYYYMMDD-HHMMSS")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="really replace the database and the uploaded files",
        )

    def handle(self, *args, folder: str, yes: bool, **options):
        try:
            if not yes:
                manifest = backup_verify(folder=Path(folder))
                raise CommandError(
                    f"备份完好（{manifest['created_at']}，版本 version {manifest['version']}）。"
                    "恢复会覆盖当前的数据库和上传文件：先停止 web、worker 和 beat，"
                    "再加 --yes 运行。\n"
                    "The backup is intact. Restoring replaces the current database and uploaded "
                    "files: stop web, worker and beat, then run again with --yes."
                )
            result = backup_restore(folder=Path(folder))
        except BackupError as error:
            raise CommandError(str(error)) from error
        expected = result.manifest["row_counts"]
        self.stdout.write(f"{'表 Table':<42}{'备份 Backup':>12}{'现在 Now':>12}")
        for label in sorted(set(expected) | set(result.row_counts)):
            before, now = expected.get(label, "-"), result.row_counts.get(label, "-")
            mark = "" if before == now else "  ≠"
            self.stdout.write(f"{label:<42}{before!s:>12}{now!s:>12}{mark}")
        self.stdout.write(self.style.SUCCESS(f"恢复完成 Restored from {folder}"))
