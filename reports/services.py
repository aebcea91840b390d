"""Report jobs: asking for a report, building it once, and never leaving one "running" forever.

- `job_request` checks what the asker may have (the kind's permission, the union in their
  scope, the period), returns the existing job when an equal report (same fingerprint: kind,
  format, period, union, parameters, the reader for personal reports, and the data's stamp on
  the day) is ready or on its way, else creates one and enqueues it after the transaction
  commits.
- `job_run` (the Celery task's body) claims the job on the locked row, builds into a temporary
  file through the catalogue's plain builder, then attaches the file and marks the job ready in
  one step on the locked row: a worker killed half-way leaves no file marked ready. Running the
  same job twice builds one file: a ready job is not built again and a job another worker is
  building (a recent sign of life) is left to it.
- `jobs_sweep` (periodic) finds jobs whose worker died — running without a sign of life for
  longer than REPORT_STALE_SECONDS, or queued for longer than the broker's visibility timeout —
  and requeues them, up to REPORT_MAX_ATTEMPTS, then marks them failed with a message.
"""

import contextlib
import datetime
import hashlib
import json
import logging
import os
import socket
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from helpcenter.errors import DomainError
from helpcenter.models import Union, User, in_scope
from households.storage import private_storage
from reports.catalogue import KINDS, Period, ReportError, ReportSpec, kind_of
from reports.models import JobState, ReportDownload, ReportJob

logger = logging.getLogger("helpcenter.reports")


class JobRefused(DomainError):
    """A report that may not be asked for as asked (in Chinese, saying what to do)."""


# --- Asking -------------------------------------------------------------------------------------


def data_stamp() -> list:
    """Changes to the data show here: the newest row of every table that only grows (the file
    trail, classifications, application steps, the ledger, loan repayments, visits, measures,
    documents). With the day, it tells whether a report built earlier would come out the same."""
    from cases.models import ApplicationStep, Notice
    from households.models import Classification, Document, HouseholdEvent, Measure, Visit
    from relief.models import Disbursement, Loan, Repayment

    models = [
        HouseholdEvent,
        Classification,
        ApplicationStep,
        Disbursement,
        Repayment,
        Loan,
        Visit,
        Measure,
        Document,
        Notice,
    ]
    return [model.objects.aggregate(newest=Max("pk"))["newest"] for model in models]


def access_of(user) -> str:
    """What decides what a person's personal report may hold: their union and roles."""
    if user is None:
        return ""
    return f"{user.union_id}:{','.join(sorted(user.roles))}"


def fingerprint(
    *, kind: str, format: str, period: str, union: Union | None, params: dict, reader
) -> str:
    personal = KINDS[kind].personal
    key = {
        "access": access_of(reader) if personal else "",
        "kind": kind,
        "format": format,
        "period": period,
        "union": union.pk if union else None,
        "params": params,
        "reader": reader.pk if personal and reader is not None else None,
        "day": timezone.localdate().isoformat(),
        "data": data_stamp(),
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()


def job_request(
    *,
    user: User | None,
    kind: str,
    format: str,
    period: str = "",
    union: Union | None = None,
    params: dict | None = None,
    again: bool = False,
) -> tuple[ReportJob, bool]:
    """The job that builds this report for `user` (None: the schedule, county-wide), and whether
    it is new. A grassroots union's staff get their own union's report whatever they ask for;
    `again` builds anew even if an equal report is ready (a "run again")."""
    try:
        report = kind_of(kind)
    except ValueError as exc:
        raise JobRefused(str(exc)) from None
    params = params or {}
    if union is not None and union.parent_id is None:
        union = None  # the county federation itself: the whole county
    if user is not None and not report.listed:
        # Asked from another page about one object (a notice, a sheet, households): the job
        # belongs to the asker's scope, never to a union they name (the object may be
        # another union's).
        union = None if user.works_county_wide else user.union
    if user is not None:
        if not user.has_perm(report.permission):
            raise JobRefused(_("You may not ask for this report."))
        if not user.works_county_wide:
            union = user.union
        elif union is not None and not in_scope(user, union.pk):
            raise JobRefused(_("This union is not within your scope."))
    if format not in report.formats:
        raise JobRefused(
            _("This report comes as %(formats)s.")
            % {"formats": "、".join(f.upper() for f in report.formats)}
        )
    if report.needs_period:
        try:
            period = Period.parse(period).code
        except ValueError as exc:
            raise JobRefused(str(exc)) from None
    else:
        period = ""
    print_ = fingerprint(
        kind=kind, format=format, period=period, union=union, params=params, reader=user
    )
    with transaction.atomic():
        same = _same(print_, reuse=report.reuse and not again)
        if same is not None:
            return same, False
        try:
            with transaction.atomic():
                job = ReportJob.objects.create(
                    kind=kind,
                    format=format,
                    period=period,
                    union=union,
                    params=params,
                    requested_by=user,
                    fingerprint=print_,
                    access=access_of(user) if report.personal else "",
                )
        except IntegrityError:  # the same report asked for at this very moment
            return ReportJob.objects.get(fingerprint=print_, state__in=IN_FLIGHT), False
        _enqueue_on_commit(job.pk)
    return job, True


IN_FLIGHT = (JobState.QUEUED, JobState.RUNNING)


def _same(print_: str, *, reuse: bool) -> ReportJob | None:
    """The equal job already queued or running; with `reuse`, also one built within the last
    REPORT_REUSE_SECONDS whose file is still there."""
    jobs = ReportJob.objects.filter(fingerprint=print_)
    in_flight = jobs.filter(state__in=IN_FLIGHT).first()
    if in_flight is not None or not reuse:
        return in_flight
    recent = timezone.now() - datetime.timedelta(seconds=settings.REPORT_REUSE_SECONDS)
    return (
        jobs.filter(state=JobState.SUCCEEDED, finished_at__gte=recent)
        .exclude(file="")
        .order_by("-finished_at")
        .first()
    )


def job_again(*, user: User, job: ReportJob) -> ReportJob:
    """The same report asked for again and built anew (a failed one, or an old one on today's
    data)."""
    again, _created = job_request(
        user=user,
        kind=job.kind,
        format=job.format,
        period=job.period,
        union=job.union,
        params=job.params,
        again=True,
    )
    return again


def _enqueue_on_commit(job_id: int) -> None:
    from reports.tasks import build_report

    transaction.on_commit(lambda: build_report.delay(job_id))


def download_record(*, job: ReportJob, reader: User) -> None:
    ReportDownload.objects.create(job=job, reader=reader)
    logger.info("report download job_id=%s kind=%s user_id=%s", job.pk, job.kind, reader.pk)


# --- Building -----------------------------------------------------------------------------------


def spec_of(job: ReportJob) -> ReportSpec:
    return ReportSpec(
        kind=job.kind,
        format=job.format,
        period=Period.parse(job.period) if job.period else None,
        union=job.union,
        reader=job.requested_by,
        params=job.params,
    )


def file_name_of(job: ReportJob) -> str:
    """The name a person downloads: 帮扶统计-县总工会-2026-Q3.pdf."""
    words = {
        "statistics": "帮扶工作统计",
        "ledger": "帮扶资金台账",
        "file_cards": "档案卡",
        "loan_portfolio": "借款资产情况",
        "notice": "公示",
        "bank_sheet": "银行代发清单",
        "households": "困难职工档案",
        "reviews_due": "待复核档案",
    }
    parts = [words.get(job.kind, job.kind)]
    parts.append(job.union.name if job.union else "全县")
    parts.append(job.period or f"{timezone.localdate():%Y%m%d}")
    return "-".join(parts) + f".{job.format}"


class _Progress:
    """The builder's progress callback: the percentage and stage, and a sign of life, written at
    most once a second (a builder may call it for every row)."""

    def __init__(self, job_id: int, attempt: int):
        self.job_id = job_id
        self.attempt = attempt
        self.last = 0.0
        self.stage = ""

    def __call__(self, done: int, total: int, stage: str = "") -> None:
        now = time.monotonic()
        if now - self.last < settings.REPORT_PROGRESS_SECONDS and stage == self.stage:
            return  # a new stage is shown at once
        self.last = now
        self.stage = stage
        percent = min(99, int(100 * done / total)) if total else 0
        fields = {"progress": percent, "heartbeat_at": timezone.now()}
        if stage:
            fields["stage"] = stage[:100]
        ReportJob.objects.filter(
            pk=self.job_id, state=JobState.RUNNING, attempts=self.attempt
        ).update(**fields)


class _Heartbeat(threading.Thread):
    """A sign of life every REPORT_HEARTBEAT_SECONDS while a worker builds (a PDF engine may
    work for a minute between two progress calls); it dies with the worker, and then the sweep
    sees the silence."""

    def __init__(self, job_id: int, attempt: int):
        super().__init__(daemon=True, name=f"report-heartbeat-{job_id}")
        self.job_id = job_id
        self.attempt = attempt
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(settings.REPORT_HEARTBEAT_SECONDS):
                ReportJob.objects.filter(
                    pk=self.job_id, state=JobState.RUNNING, attempts=self.attempt
                ).update(heartbeat_at=timezone.now())
        finally:
            connection.close()


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _died_here(worker: str) -> bool:
    """Whether `worker` (host:pid) was a process of this host that is gone: a pool process
    killed under its parent, whose task the parent put back in the queue."""
    host, _sep, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _claim(job_id: int) -> ReportJob | None:
    """The job, now running on this attempt; None when there is nothing to do (ready, failed,
    gone, or being built by a worker that shows signs of life)."""
    stale = timezone.now() - datetime.timedelta(seconds=settings.REPORT_STALE_SECONDS)
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None
        alive = job.heartbeat_at and job.heartbeat_at > stale and not _died_here(job.worker)
        if job.state == JobState.RUNNING and alive:
            return None
        if job.attempts >= settings.REPORT_MAX_ATTEMPTS:
            _fail(
                job,
                _("The report was started %(n)d times and never finished; ask again.")
                % {"n": job.attempts},
            )
            return None
        now = timezone.now()
        job.state = JobState.RUNNING
        job.attempts += 1
        job.started_at = now
        job.heartbeat_at = now
        job.progress = 0
        job.stage = _("Starting")
        job.error = ""
        job.worker = this_worker()
        job.save(
            update_fields=[
                "state",
                "attempts",
                "started_at",
                "heartbeat_at",
                "progress",
                "stage",
                "error",
                "worker",
            ]
        )
        return job


def _fail(job: ReportJob, message: str) -> None:
    job.state = JobState.FAILED
    job.error = message
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "error", "finished_at"])


def job_run(job_id: int, *, heartbeat: bool | None = None) -> ReportJob | None:
    """Build the job's file (the task's body). Returns the job as it ended, or None when there
    was nothing to do."""
    from celery.exceptions import SoftTimeLimitExceeded

    _remove_stale_scratch()
    job = _claim(job_id)
    if job is None:
        return None
    attempt = job.attempts
    if heartbeat is None:
        heartbeat = not settings.CELERY_TASK_ALWAYS_EAGER
    beat = _Heartbeat(job.pk, attempt) if heartbeat else None
    if beat:
        beat.start()
    scratch = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in finally)
        prefix=f"{SCRATCH_PREFIX}{job.pk}-", suffix=f".{job.format}", delete=False
    )
    try:
        try:
            KINDS[job.kind].build(spec_of(job), scratch, _Progress(job.pk, attempt))
            scratch.flush()
            os.fsync(scratch.fileno())
        except ReportError as exc:
            return _finish_failed(job.pk, attempt, str(exc))
        except SoftTimeLimitExceeded:
            return _finish_failed(
                job.pk,
                attempt,
                _(
                    "The report took longer than %(minutes)d minutes and was stopped; ask for a "
                    "shorter period or a smaller selection."
                )
                % {"minutes": settings.REPORT_SOFT_TIME_LIMIT // 60},
            )
        except Exception:
            logger.exception("report job %s failed", job.pk)
            return _finish_failed(
                job.pk,
                attempt,
                _(
                    "The report could not be built because of an error in the system; ask again, "
                    "and tell the administrator if it fails again."
                ),
            )
        return _finish_ready(job.pk, attempt, scratch.name)
    finally:
        if beat:
            beat.stopped.set()
            beat.join(timeout=5)
        scratch.close()
        os.unlink(scratch.name)


SCRATCH_PREFIX = "helpcenter-report-"


def _remove_stale_scratch() -> None:
    """Files a killed worker of this host left half-written in the temporary directory (older
    than twice the hard time limit: no build of theirs can still be running)."""
    limit = time.time() - 2 * settings.REPORT_TIME_LIMIT
    for path in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < limit:
                path.unlink()


def _finish_ready(job_id: int, attempt: int, path: str) -> ReportJob | None:
    """Attach the finished file and mark the job ready in one step, on the locked row, only if
    this attempt still owns it."""
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != JobState.RUNNING or job.attempts != attempt:
            return None
        name = file_name_of(job)
        with open(path, "rb") as built:
            job.file.save(name, File(built), save=False)
        job.file_name = name
        job.size = job.file.size
        job.state = JobState.SUCCEEDED
        job.progress = 100
        job.stage = ""
        job.finished_at = timezone.now()
        job.heartbeat_at = job.finished_at
        job.save()
    return job


def _finish_failed(job_id: int, attempt: int, message: str) -> ReportJob | None:
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != JobState.RUNNING or job.attempts != attempt:
            return None
        _fail(job, message)
        return job


# --- Sweeping -----------------------------------------------------------------------------------


def jobs_sweep(*, now: datetime.datetime | None = None) -> dict:
    """Jobs whose worker died: requeued while attempts are left, else failed with a message.
    Returns how many of each."""
    now = now or timezone.now()
    silent = now - datetime.timedelta(seconds=settings.REPORT_STALE_SECONDS)
    forgotten = now - datetime.timedelta(seconds=settings.REPORT_QUEUED_LIMIT_SECONDS)
    requeued = failed = 0
    stale_ids = list(
        ReportJob.objects.filter(state=JobState.RUNNING, heartbeat_at__lt=silent).values_list(
            "pk", flat=True
        )
    ) + list(
        ReportJob.objects.filter(state=JobState.QUEUED, queued_at__lt=forgotten).values_list(
            "pk", flat=True
        )
    )
    for job_id in stale_ids:
        with transaction.atomic():
            job = ReportJob.objects.select_for_update().get(pk=job_id)
            if job.is_finished:
                continue
            if job.state == JobState.RUNNING and job.heartbeat_at and job.heartbeat_at >= silent:
                continue
            if job.attempts >= settings.REPORT_MAX_ATTEMPTS:
                _fail(
                    job,
                    _(
                        "The worker building this report stopped (%(n)d attempts); ask again, and "
                        "tell the administrator if it fails again."
                    )
                    % {"n": job.attempts},
                )
                failed += 1
                continue
            if job.state == JobState.RUNNING:
                job.stage = _("Waiting to start again (the worker building it stopped)")
            job.state = JobState.QUEUED
            job.queued_at = now
            job.save(update_fields=["state", "stage", "queued_at"])
            _enqueue_on_commit(job.pk)
            requeued += 1
    if requeued or failed:
        logger.warning("report sweep requeued=%d failed=%d", requeued, failed)
    return {"requeued": requeued, "failed": failed}


def files_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete the files kept past their time: REPORT_KEEP_DAYS, and REPORT_PERSONAL_KEEP_DAYS
    for reports with personal data chosen by or for the asker. The job stays listed, 已删除,
    and can be built again. Returns how many files were deleted."""
    now = now or timezone.now()
    personal = [code for code, kind in KINDS.items() if kind.personal]
    old = ReportJob.objects.filter(state=JobState.SUCCEEDED).filter(
        Q(finished_at__lt=now - datetime.timedelta(days=settings.REPORT_KEEP_DAYS))
        | Q(
            kind__in=personal,
            finished_at__lt=now - datetime.timedelta(days=settings.REPORT_PERSONAL_KEEP_DAYS),
        )
    )
    deleted = 0
    for job_id in old.values_list("pk", flat=True):
        with transaction.atomic():
            job = ReportJob.objects.select_for_update().get(pk=job_id)
            if job.state != JobState.SUCCEEDED:
                continue
            stored = job.file.name
            job.state = JobState.EXPIRED
            job.file = ""
            job.error = _(
                "The file was deleted when its keeping time ended; build it again if needed."
            )
            job.save(update_fields=["state", "file", "error"])
            transaction.on_commit(lambda name=stored: private_storage.delete(name))
            deleted += 1
    return deleted


# --- Exports that leave the web request ---------------------------------------------------------


def too_big_for_the_web(rows: int) -> bool:
    """Whether an export of `rows` rows is built as a report job rather than in the request
    (settings.REPORT_WEB_ROWS, the one threshold)."""
    return rows > settings.REPORT_WEB_ROWS


def export_as_job(request, *, kind: str, format: str, params: dict, rows: int):
    """Ask for the export as a report job and send the person to the reports page, saying why."""
    from django.contrib import messages
    from django.shortcuts import redirect
    from django.urls import reverse

    job, _created = job_request(user=request.user, kind=kind, format=format, params=params)
    messages.info(
        request,
        _(
            "%(rows)s rows are too many to build while you wait: the file is being built in the "
            "background. Download it here when it is ready."
        )
        % {"rows": f"{rows:,}"},
    )
    return redirect(f"{reverse('reports:index')}#job-{job.pk}")


def filters_param(query) -> dict:
    """A page's GET parameters as a job's `filters` (lists of values; no page number)."""
    return {name: query.getlist(name) for name in sorted(query) if name not in ("page", "format")}
