"""Demo reports: what the schedule would have built on the 1st — last month's statistics for
the county, as PDF and xlsx — so the 报表 page has files to download on a first visit. Built
for real (in-process without Redis, as `make run` runs)."""

from reports.models import JobState, ReportJob
from reports.schedules import monthly_statistics_request


def seed_reports() -> int:
    """Ask for last month's statistics (the same jobs again when run twice); how many are ready."""
    ids = monthly_statistics_request()
    return ReportJob.objects.filter(pk__in=ids, state=JobState.SUCCEEDED).count()
