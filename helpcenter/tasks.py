import logging
import socket

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from helpcenter import backup

logger = logging.getLogger("helpcenter.backup")


@shared_task(name="helpcenter.ping")
def ping() -> dict:
    """Answer with the worker's host and clock: proves a worker takes tasks from the broker."""
    return {"host": socket.gethostname(), "at": timezone.now().isoformat()}


@shared_task(name="helpcenter.backup_daily")
def backup_daily() -> str | None:
    """Daily (CELERY_BEAT_SCHEDULE): one backup into BACKUP_DIR, then the retention rule.
    Without BACKUP_DIR it logs that and does nothing. Run twice, it makes two backups of the
    day, both kept. Returns the new backup's folder."""
    if not settings.BACKUP_DIR:
        logger.warning("BACKUP_DIR is not set: no scheduled backup was made")
        return None
    folder = backup.backup_create(out_dir=settings.BACKUP_DIR)
    backup.backups_prune(
        directory=settings.BACKUP_DIR,
        keep_daily=settings.BACKUP_KEEP_DAILY,
        keep_monthly=settings.BACKUP_KEEP_MONTHLY,
    )
    return str(folder)
