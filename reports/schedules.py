"""What the schedule asks for (celery beat; the times are in settings.CELERY_BEAT_SCHEDULE and
an administrator edits them under 定时任务 in the admin). Scheduled jobs have no requester:
county jobs are seen by county staff, a union's by its staff."""

from django.utils import timezone

from helpcenter.models import Union
from households.filters import review_due_q
from households.models import Household
from reports.catalogue import PDF, XLSX
from reports.services import job_request


def last_month_code(today=None) -> str:
    today = today or timezone.localdate()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year}-{month:02d}"


def monthly_statistics_request(today=None) -> list[int]:
    """Last month's statistics for the county, PDF and xlsx."""
    period = last_month_code(today)
    return [
        job_request(user=None, kind="statistics", format=fmt, period=period)[0].pk
        for fmt in (PDF, XLSX)
    ]


def reviews_due_request() -> list[int]:
    """The files due for review: the county's list and one for each union that has any."""
    jobs = [job_request(user=None, kind="reviews_due", format=XLSX)[0].pk]
    union_ids = (
        Household.objects.filter(review_due_q()).values_list("union_id", flat=True).distinct()
    )
    for union in Union.objects.filter(pk__in=union_ids, parent__isnull=False).order_by("code"):
        jobs.append(job_request(user=None, kind="reviews_due", format=XLSX, union=union)[0].pk)
    return jobs
