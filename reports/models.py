"""Report jobs: a report asked for, built in the background, kept as a file to download."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpcenter.models import union_scope
from households.storage import private_storage


class JobState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Deleted")


FINISHED = (JobState.SUCCEEDED, JobState.FAILED, JobState.EXPIRED)


class ReportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ReportJobQuerySet":
        """The one rule of visibility on the report's union: a grassroots union's staff see
        their union's reports; a county report (no union) only county staff. A report with
        personal data (catalogue `personal`) is its requester's alone."""
        from reports.catalogue import KINDS

        scope = union_scope(user)
        jobs = self if scope is None else self.filter(scope)
        personal = [code for code, kind in KINDS.items() if kind.personal]
        if not getattr(user, "is_authenticated", False):
            return jobs.none()
        return jobs.filter(~Q(kind__in=personal) | Q(requested_by=user))


def _upload_to(job: "ReportJob", filename: str) -> str:
    return f"reports/{job.created_at:%Y/%m}/{job.pk}-{job.attempts}-{filename}"


class ReportJob(models.Model):
    kind = models.CharField(_("report"), max_length=30)
    format = models.CharField(_("format"), max_length=10)
    period = models.CharField(_("period"), max_length=10, blank=True)
    union = models.ForeignKey(
        "helpcenter.Union",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("union"),
        help_text=_("Empty: the whole county."),
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
        help_text=_("Empty: built on a schedule."),
    )
    # kind, format, period, union, parameters, reader where it matters, and the data's stamp on
    # the day: an equal fingerprint means the same file (reports.services.job_request).
    fingerprint = models.CharField(max_length=64, db_index=True)
    # For a personal report: the requester's union and roles when asked (what they could read);
    # the file is handed out only while they still match (reports.views.download).
    access = models.CharField(max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    # When it was last put in the queue (asked for, or requeued by the sweep).
    queued_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    # host:pid of the process building it (the sweep and a redelivered task read it).
    worker = models.CharField(_("built by"), max_length=120, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("why it failed"), blank=True)
    file = models.FileField(_("file"), storage=private_storage, upload_to=_upload_to, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)

    objects = ReportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        indexes = [
            models.Index(fields=["state", "heartbeat_at"], name="report_job_state_beat"),
            models.Index(fields=["state", "queued_at"], name="report_job_state_queued"),
            models.Index(fields=["requested_by", "-created_at"], name="report_job_requester"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="succeeded") | ~Q(file=""),
                name="report_job_succeeded_has_file",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="report_job_progress_percent"
            ),
            # Two equal asks at once (a double click on an export) make one job.
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=Q(state__in=["queued", "running"]),
                name="report_job_one_in_flight",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind_label} {self.period} {self.format}"

    @property
    def kind_label(self) -> str:
        from reports.catalogue import KINDS

        kind = KINDS.get(self.kind)
        return str(kind.label) if kind else self.kind

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED


class ReportDownload(models.Model):
    """A finished report was downloaded: who, when. Reports carry people's data."""

    job = models.ForeignKey(ReportJob, on_delete=models.CASCADE, related_name="downloads")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("report download")
        verbose_name_plural = _("report downloads")

    def __str__(self) -> str:
        return f"{self.reader} {self.job}"
