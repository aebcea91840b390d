"""Report tasks. Each takes a job id and hands it to reports.services, which does the work.

Built for workers that die: `acks_late` with `reject_on_worker_lost` puts the message back when
the process running it is killed, one message at a time per worker (prefetch 1), on their own
`reports` queue so a long PDF never delays a notice closing; a soft time limit lets the task
mark the job failed with a message before the hard limit kills it; the broker's visibility
timeout (settings) is longer than the hard limit, so Redis does not hand a running job to a
second worker. A job whose worker died anyway is found by `sweep_report_jobs`."""

from celery import shared_task
from django.conf import settings

from reports import services


@shared_task(
    name="reports.build",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.REPORT_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_TIME_LIMIT,
)
def build_report(job_id: int) -> str | None:
    job = services.job_run(job_id)
    return job.state if job is not None else None


@shared_task(name="reports.sweep")
def sweep_report_jobs() -> dict:
    """Jobs whose worker died, and files kept past their time."""
    result = services.jobs_sweep()
    result["expired"] = services.files_expire()
    return result


@shared_task(name="reports.monthly_statistics")
def monthly_statistics() -> list[int]:
    """On the 1st: last month's statistics for the county, as PDF and xlsx, on the reports page."""
    from reports.schedules import monthly_statistics_request

    return monthly_statistics_request()


@shared_task(name="reports.reviews_due")
def weekly_reviews_due() -> list[int]:
    """Weekly: the list of files whose yearly review is due, per union and for the county."""
    from reports.schedules import reviews_due_request

    return reviews_due_request()
