"""Applications and the public notice: 申请 → 审核 → 公示 → 审批, every step kept."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helpcenter.models import Union, union_scope
from households.models import MONEY, Household


class Kind(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    RELIEF = "relief", _("Relief")
    EXIT = "exit", _("Exit proposal")
    REMOVAL = "removal", _("Removal proposal")
    LOAN = "loan", _("Micro-loan")


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for changes")
    REVIEWED = "reviewed", _("Reviewed")
    IN_NOTICE = "in_notice", _("In public notice")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ApplicationQuerySet":
        scope = union_scope(user)
        return self if scope is None else self.filter(scope)


class Application(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    union = models.ForeignKey(
        Union, on_delete=models.PROTECT, related_name="applications", verbose_name=_("union")
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("household"),
    )
    applicant_name = models.CharField(_("applicant"), max_length=50)
    # A registration carries the proposed file until approval registers it.
    proposal = models.JSONField(_("proposed file"), default=dict, blank=True)
    programme = models.CharField(_("programme"), max_length=100, blank=True)
    requested_amount = models.DecimalField(
        _("requested amount"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        **MONEY,
    )
    reason = models.TextField(_("reason"))
    # Home-visit survey (入户调查), required before a registration passes review.
    survey_on = models.DateField(_("survey date"), null=True, blank=True)
    survey_visitors = models.CharField(_("survey visitors"), max_length=100, blank=True)
    survey_findings = models.TextField(_("survey findings"), blank=True)
    income_check_authorised = models.BooleanField(
        _("signed authorisation for income checks"), default=False
    )
    # Who did which step (segregation of duties) and the latest decision.
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("filed by"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notice = models.ForeignKey(
        "Notice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("public notice"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    decision_reason = models.TextField(_("reason given"), blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [models.Index(fields=["union", "state"]), models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.applicant_name}"


class ApplicationStepQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ApplicationStepQuerySet":
        return self.filter(application__in=Application.objects.visible_to(user))


class ApplicationStep(models.Model):
    """The trail: one row per step, who, when, from which state to which. Only ever added."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField(_("when"), auto_now_add=True)
    actor = models.ForeignKey(  # empty: the daily task that closes notices
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("who"),
    )
    from_state = models.CharField(_("from"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=State.choices)
    comment = models.TextField(_("comment"), blank=True)

    objects = ApplicationStepQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("application step")
        verbose_name_plural = _("application steps")

    def __str__(self) -> str:
        return f"{self.application} {self.from_state} → {self.to_state}"


def _private_storage():
    from households.storage import private_storage

    return private_storage


class NoticeState(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    PUBLISHED = "published", _("Posted")
    CLOSED = "closed", _("Closed and archived")


class NoticeQuerySet(models.QuerySet):
    def visible_to(self, user) -> "NoticeQuerySet":
        """A union's staff see its own notices and the county's notices that list its people."""
        scope = union_scope(user)
        if scope is None:
            return self
        listing_ours = Q(pk__in=Application.objects.filter(scope).values("notice_id")) & ~Q(
            state=NoticeState.DRAFT
        )
        return self.filter(scope | listing_ours)

    def wholly_visible_to(self, user) -> "NoticeQuerySet":
        """The notices `user` may act on as a whole (post, approve all, an objection to the whole
        notice): issued by a union in their scope and listing no application outside it. A
        notice that spans unions is county staff's."""
        scope = union_scope(user)
        if scope is None:
            return self
        others = Application.objects.filter(notice__isnull=False).exclude(scope)
        return self.filter(scope).exclude(pk__in=others.values("notice_id"))


class Notice(models.Model):
    """公示: a list of proposed recipients posted for a period before approval."""

    title = models.CharField(_("title"), max_length=200)
    union = models.ForeignKey(
        Union, on_delete=models.PROTECT, related_name="notices", verbose_name=_("issuing union")
    )
    place = models.CharField(_("place of posting"), max_length=200)
    contact = models.CharField(_("contact for objections"), max_length=200)
    start_on = models.DateField(_("start date"))
    working_days = models.PositiveSmallIntegerField(
        _("length in working days"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    end_on = models.DateField(_("end date"), null=True, blank=True)
    calendar_note = models.TextField(_("calendar note"), blank=True)
    show_masked_ids = models.BooleanField(
        _("show resident IDs (first 6 and last 4 only)"), default=False
    )
    state = models.CharField(
        _("state"), max_length=20, choices=NoticeState.choices, default=NoticeState.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    archived_pdf = models.FileField(
        _("archived PDF"), upload_to="notices/%Y/", blank=True, storage=_private_storage
    )
    # The issuing union's name as posted (a union renamed later does not change the record).
    issuer_name = models.CharField(_("issuing union as posted"), max_length=100, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-start_on", "-id"]
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")

    def __str__(self) -> str:
        return self.title

    @property
    def issuing_union_name(self) -> str:
        return self.issuer_name or self.union.name


class NoticeRowQuerySet(models.QuerySet):
    def visible_to(self, user) -> "NoticeRowQuerySet":
        """The rows of the notices `user` may see (a row holds only the notice's public text)."""
        return self.filter(notice__in=Notice.objects.visible_to(user))


class NoticeRow(models.Model):
    """One line of a notice exactly as it was posted (services.notice_publish writes them, once):
    only what a notice may show — name, union, programme (建档 for a registration), category,
    amount and, where the notice shows IDs, the ID masked to its first 6 and last 4 characters.
    The page, the print page, the PDF and the archive of a posted notice read these rows, so an
    application returned or rejected later, or a family's file edited later, leaves the record
    as the public saw it. Never changed after posting. A draft's rows are built from the
    current data, unsaved (cases.printing.notice_rows)."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="rows")
    # The link lets staff see where the application stands now; the text stands on its own.
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, null=True, blank=True, related_name="notice_rows"
    )
    position = models.PositiveSmallIntegerField(_("No."))
    name = models.CharField(_("full name"), max_length=50)
    union_name = models.CharField(_("union"), max_length=100)
    programme = models.CharField(_("programme"), max_length=100)
    category = models.CharField(_("category"), max_length=50, blank=True)
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)
    masked_id = models.CharField(_("resident ID (masked)"), max_length=18, blank=True)

    objects = NoticeRowQuerySet.as_manager()

    class Meta:
        ordering = ["notice", "position"]
        verbose_name = _("notice row as posted")
        verbose_name_plural = _("notice rows as posted")
        constraints = [
            models.UniqueConstraint(fields=["notice", "position"], name="notice_row_position")
        ]

    def __str__(self) -> str:
        return f"{self.notice} {self.position}. {self.name}"


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")
    LETTER = "letter", _("Letter")
    HOTLINE = "hotline", _("12351 hotline")


class ObjectionState(models.TextChoices):
    OPEN = "open", _("Pending")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class ObjectionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ObjectionQuerySet":
        """County staff see every objection; a union's staff those about its own applicants
        (what an objection says about another union's family is not theirs to read) and those
        about the whole of a notice they may act on as a whole."""
        scope = union_scope(user, field="application__union_id")
        if scope is None:
            return self
        notice_wide = Q(application=None, notice__in=Notice.objects.wholly_visible_to(user))
        return self.filter(scope | notice_wide)


class Objection(models.Model):
    """异议: raised during a notice, it holds its application until resolved."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="objections")
    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="objections",
        verbose_name=_("application"),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField(_("received at"))
    content = models.TextField(_("content"))
    raised_by = models.CharField(_("raised by (blank: anonymous)"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=20, choices=ObjectionState.choices, default=ObjectionState.OPEN
    )
    resolution_note = models.TextField(_("resolution"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self) -> str:
        return f"{self.notice} {self.get_channel_display()}"


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Statutory holiday (no work)")
    WORKDAY = "workday", _("Adjusted working day (调休)")


class CalendarDay(models.Model):
    """A day an administrator sets for a year the chinese-calendar package does not know yet
    (or a correction): a holiday, or a weekend day worked in exchange (调休)."""

    day = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("holiday or adjusted working day")
        verbose_name_plural = _("holidays and adjusted working days")

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()}"
