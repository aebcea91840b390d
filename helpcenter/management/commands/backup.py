"""`python manage.py backup [--out DIR]`: one backup folder (helpcenter.backup)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from helpcenter.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write one backup (database, uploaded files, manifest with checksums) into a new folder "
        "helpcenter-YYYYMMDD-HHMMSS under --out (default: BACKUP_DIR)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", help="the folder that receives the backup folder")

    def handle(self, *args, out: str | None, **options):
        out_dir = out or settings.BACKUP_DIR
        if not out_dir:
            raise CommandError(
                "请用 --out 指定目录 Name the folder with --out (or set BACKUP_DIR)."
            )
        try:
            folder = backup_create(out_dir=Path(out_dir))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"备份完成 Backup written: {folder}"))
