from celery import shared_task

from cases import services


@shared_task(name="cases.close_due_notices")
def close_due_notices() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): close every posted notice whose period has ended. Safe to
    run twice: each notice is claimed by one conditional update. Returns how many it closed."""
    return services.notices_close_due()
