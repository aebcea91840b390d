from celery import shared_task

from relief import lending


@shared_task(name="relief.loans_mark_overdue")
def loans_mark_overdue() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): days past due of every disbursed loan, to today. Safe to run
    twice. Returns how many loans are past due."""
    return lending.loans_mark_overdue()
