"""The household file (一户一档): the worker's household, its members and its history."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helpcenter.models import Union, union_scope
from households.choices import (
    Category,
    Cause,
    Degree,
    Employment,
    Health,
    Housing,
    ModelWorkerLevel,
    Relation,
    SchoolStage,
    Status,
)

MONEY = {"max_digits": 12, "decimal_places": 2}
# 家庭人口: the people living together and sharing income; more than this is a typing error.
MAX_HOUSEHOLD_SIZE = 20


class HouseholdQuerySet(models.QuerySet):
    def visible_to(self, user) -> "HouseholdQuerySet":
        scope = union_scope(user)
        return self if scope is None else self.filter(scope)


class Household(models.Model):
    file_number = models.CharField(_("file number"), max_length=20, unique=True)
    union = models.ForeignKey(
        Union, on_delete=models.PROTECT, related_name="households", verbose_name=_("union")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    head = models.OneToOneField(
        "Member",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("head of household"),
    )
    # The worker
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    work_unit = models.CharField(_("work unit"), max_length=100, blank=True)
    employment = models.CharField(_("employment status"), max_length=30, choices=Employment.choices)
    is_migrant_worker = models.BooleanField(_("migrant worker"), default=False)
    model_worker_level = models.CharField(
        _("model worker"), max_length=20, choices=ModelWorkerLevel.choices, blank=True
    )
    # Income and means
    size = models.PositiveSmallIntegerField(
        _("household size"),
        validators=[
            MinValueValidator(1),
            MaxValueValidator(
                MAX_HOUSEHOLD_SIZE,
                _("A household has from 1 to %(limit_value)s people: check the number."),
            ),
        ],
    )
    monthly_income = models.DecimalField(
        _("monthly household income"), validators=[MinValueValidator(Decimal(0))], **MONEY
    )
    monthly_rigid_expenses = models.DecimalField(
        _("monthly rigid expenses"),
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Medical, tuition and similar unavoidable costs, per month."),
        **MONEY,
    )
    annual_hardship_costs = models.DecimalField(
        _("hardship costs this year"),
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Costs or losses this year from illness, accident or disaster."),
        **MONEY,
    )
    receives_subsistence_allowance = models.BooleanField(
        _("receives the minimum-living allowance"), default=False
    )
    housing = models.CharField(_("housing"), max_length=20, choices=Housing.choices)
    # Exclusions (DOMAIN.md): any one of them makes a household ineligible.
    owns_several_homes = models.BooleanField(_("owns two or more homes"), default=False)
    runs_business_with_employees = models.BooleanField(
        _("runs a business that employs others"), default=False
    )
    child_at_costly_private_school = models.BooleanField(
        _("child at a costly private school or abroad at own cost"), default=False
    )
    uses_motor_vehicle = models.BooleanField(_("regularly uses a motor vehicle"), default=False)
    # Classification (the confirmed decision; each decision is a Classification row)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    degree = models.CharField(_("degree"), max_length=20, choices=Degree.choices, blank=True)
    causes = models.JSONField(_("causes of hardship"), default=list, blank=True)
    # The five clears (五清)
    family_situation = models.TextField(_("family situation"), blank=True)
    hardship_cause_notes = models.TextField(_("cause of hardship"), blank=True)
    skills = models.TextField(_("skills"), blank=True)
    employment_wishes = models.TextField(_("employment wishes"), blank=True)
    state_of_mind = models.TextField(_("state of mind"), blank=True)
    # Pairing (一帮一)
    responsible = models.CharField(_("responsible cadre"), max_length=50, blank=True)
    contact = models.CharField(_("contact person"), max_length=50, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Dates
    registered_on = models.DateField(_("registered on"))
    last_reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True)
    next_visit_on = models.DateField(_("next visit due"), null=True, blank=True)
    ended_on = models.DateField(_("exited or removed on"), null=True, blank=True)
    end_reason = models.TextField(_("reason for exit or removal"), blank=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["-registered_on", "-id"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [
            # The list's order, county-wide and per union (docs/benchmarks.md).
            models.Index(fields=["-registered_on", "-id"], name="household_list_order"),
            models.Index(fields=["union", "-registered_on", "-id"], name="household_union_list"),
            models.Index(fields=["union", "status", "-registered_on"]),
            models.Index(fields=["status", "last_reviewed_on"]),
            models.Index(fields=["next_visit_on"]),
        ]

    def __str__(self) -> str:
        return self.file_number

    @property
    def per_capita_income(self) -> Decimal:
        return (self.monthly_income / self.size).quantize(Decimal("0.01"), ROUND_HALF_UP)

    def get_cause_labels(self) -> list[str]:
        labels = dict(Cause.choices)
        return [str(labels.get(cause, cause)) for cause in self.causes]


class MemberQuerySet(models.QuerySet):
    def visible_to(self, user) -> "MemberQuerySet":
        scope = union_scope(user, field="household__union_id")
        return self if scope is None else self.filter(scope)


class Member(models.Model):
    """A person of the household, the head (the worker) included. One resident ID appears once,
    county-wide: the unique constraint is the rule."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name=_("household")
    )
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    name = models.CharField(_("full name"), max_length=50)
    name_initials = models.CharField(_("name initials"), max_length=20, db_index=True)
    id_number = models.CharField(_("resident ID"), max_length=18, unique=True)
    health = models.CharField(
        _("health"), max_length=20, choices=Health.choices, default=Health.HEALTHY
    )
    disability_level = models.PositiveSmallIntegerField(
        _("disability certificate level"), null=True, blank=True
    )
    school_stage = models.CharField(
        _("school stage"), max_length=20, choices=SchoolStage.choices, blank=True
    )
    school = models.CharField(_("school"), max_length=100, blank=True)
    employment = models.CharField(_("employment"), max_length=100, blank=True)
    monthly_income = models.DecimalField(
        _("monthly income"), default=Decimal(0), validators=[MinValueValidator(Decimal(0))], **MONEY
    )

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["household", "id"]
        verbose_name = _("family member")
        verbose_name_plural = _("family members")
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relation="self"),
                name="member_one_head_per_household",
            ),
            models.CheckConstraint(
                condition=Q(disability_level__isnull=True)
                | Q(disability_level__gte=1, disability_level__lte=4),
                name="member_disability_level_1_to_4",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def birth_date(self) -> date:
        from households.resident_ids import birth_date

        return birth_date(self.id_number)

    @property
    def sex(self) -> str:
        from households.resident_ids import sex

        return sex(self.id_number)

    def age_on(self, day: date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# --- Standards (data a county sets, with effective dates) ----------------------------------


class LivingStandard(models.Model):
    """低保标准: the minimum-living standard, per capita per month, from a date on."""

    county = models.ForeignKey(
        Union,
        on_delete=models.PROTECT,
        related_name="living_standards",
        limit_choices_to={"kind": "county"},
        verbose_name=_("county federation"),
    )
    effective_from = models.DateField(_("effective from"))
    monthly_amount = models.DecimalField(
        _("per capita per month"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY
    )
    source = models.CharField(_("source document"), max_length=200, blank=True)

    class Meta:
        ordering = ["county", "-effective_from"]
        verbose_name = _("minimum-living standard")
        verbose_name_plural = _("minimum-living standards")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "effective_from"], name="living_standard_one_per_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.monthly_amount} 元 ({self.effective_from:%Y-%m-%d})"


class ClassificationPolicy(models.Model):
    """The thresholds of the means test, as multiples of the minimum-living standard."""

    county = models.ForeignKey(
        Union,
        on_delete=models.PROTECT,
        related_name="classification_policies",
        limit_choices_to={"kind": "county"},
        verbose_name=_("county federation"),
    )
    effective_from = models.DateField(_("effective from"))
    near_multiple = models.DecimalField(
        _("near-line multiple"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.50"),
        help_text=_("Per-capita income up to this multiple of the standard is near the line."),
    )
    near_adjusted_multiple = models.DecimalField(
        _("near-line multiple after rigid expenses"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        help_text=_(
            "Near the line also needs (income − rigid expenses) ÷ size at most this multiple "
            "of the standard."
        ),
    )
    accident_income_multiple = models.DecimalField(
        _("accident income multiple"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("3.00"),
        help_text=_("An accident or illness household's per-capita income may be up to this."),
    )
    accident_cost_share = models.DecimalField(
        _("accident cost share"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.80"),
        help_text=_("The year's hardship costs above this share of annual income mean hardship."),
    )
    severe_multiple = models.DecimalField(
        _("extreme hardship multiple"), max_digits=4, decimal_places=2, default=Decimal("1.00")
    )
    serious_multiple = models.DecimalField(
        _("serious hardship multiple"), max_digits=4, decimal_places=2, default=Decimal("2.00")
    )

    class Meta:
        ordering = ["county", "-effective_from"]
        verbose_name = _("classification thresholds")
        verbose_name_plural = _("classification thresholds")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "effective_from"], name="classification_policy_one_per_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.county} {self.effective_from:%Y-%m-%d}"


class ClassificationQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ClassificationQuerySet":
        return self.filter(household__in=Household.objects.visible_to(user))


class Classification(models.Model):
    """One means-test decision: what the rules suggested, what a person confirmed, and why."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="classifications"
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    standard = models.ForeignKey(LivingStandard, on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(ClassificationPolicy, on_delete=models.PROTECT, related_name="+")
    suggested_category = models.CharField(max_length=20, choices=Category.choices)
    suggested_degree = models.CharField(max_length=20, choices=Degree.choices, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    degree = models.CharField(_("degree"), max_length=20, choices=Degree.choices, blank=True)
    override_reason = models.TextField(_("reason for overriding the suggestion"), blank=True)
    explanation = models.TextField(_("explanation"))

    objects = ClassificationQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("classification")
        verbose_name_plural = _("classifications")

    def __str__(self) -> str:
        return f"{self.household} {self.get_category_display()}"

    @property
    def is_override(self) -> bool:
        return (self.category, self.degree) != (self.suggested_category, self.suggested_degree)


# --- The trail -------------------------------------------------------------------------------


class EventAction(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    UPDATED = "updated", _("Updated")
    IMPORTED = "imported", _("Updated by import")
    IMPORT_CREATED = "import_created", _("Created by import")  # a file approved on paper
    CLASSIFIED = "classified", _("Classified")
    REVIEWED = "reviewed", _("Yearly review")
    EXITED = "exited", _("Exited hardship")
    REMOVED = "removed", _("Removed")
    REINSTATED = "reinstated", _("Reinstated")
    MEMBER_ADDED = "member_added", _("Member added")
    MEMBER_CHANGED = "member_changed", _("Member changed")
    MEMBER_REMOVED = "member_removed", _("Member removed")
    DOCUMENT_ADDED = "document_added", _("Document added")
    MEASURE_ADDED = "measure_added", _("Measure added")
    MEASURE_CHANGED = "measure_changed", _("Measure updated")
    VISITED = "visited", _("Visit recorded")
    SPOT_CHECKED = "spot_checked", _("Drawn for a spot check")


class HouseholdEventQuerySet(models.QuerySet):
    def visible_to(self, user) -> "HouseholdEventQuerySet":
        return self.filter(household__in=Household.objects.visible_to(user))


class HouseholdEvent(models.Model):
    """The timeline: every change, who, when, before → after. Rows are only ever added."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("who"),
    )
    action = models.CharField(_("what"), max_length=20, choices=EventAction.choices)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = HouseholdEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("household event")
        verbose_name_plural = _("household events")

    def __str__(self) -> str:
        return f"{self.household} {self.get_action_display()}"


class PersonalDataReadQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PersonalDataReadQuerySet":
        applications_in_scope = union_scope(user, field="application__union_id") or Q()
        return self.filter(
            Q(household__in=Household.objects.visible_to(user))
            | (Q(application__isnull=False) & applications_in_scope)
        )


class PersonalDataRead(models.Model):
    """A full resident ID was shown to someone: who, whose (a household's file or the household
    a registration application proposes), when. Who may see one: households.view_resident_id."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    application = models.ForeignKey(
        "cases.Application", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    objects = PersonalDataReadQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=False, application__isnull=True)
                | Q(household__isnull=True, application__isnull=False),
                name="personal_data_read_of_one_file_or_application",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reader} {self.household or self.application}"


# --- Proof documents -------------------------------------------------------------------------


class DocumentType(models.Model):
    """A kind of proof (诊断书, 录取通知书…) and the causes that require it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    causes = models.JSONField(
        _("required for causes"),
        default=list,
        blank=True,
        help_text=_("The causes of hardship that need this proof."),
    )
    required_for_all = models.BooleanField(_("required for every household"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("document type")
        verbose_name_plural = _("document types")

    def __str__(self) -> str:
        return self.name


class DocumentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DocumentQuerySet":
        return self.filter(household__in=Household.objects.visible_to(user))


def _private_storage():
    from households.storage import private_storage

    return private_storage


class Document(models.Model):
    """A proof document of a household's file, or of a registration application until its
    approval attaches it to the file it registers (cases.services.application_approve)."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="documents", null=True, blank=True
    )
    application = models.ForeignKey(
        "cases.Application",
        on_delete=models.CASCADE,
        related_name="documents",
        null=True,
        blank=True,
    )
    document_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("document type")
    )
    file = models.FileField(_("file"), storage=_private_storage, upload_to="documents/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["document_type__position", "-uploaded_at"]
        verbose_name = _("proof document")
        verbose_name_plural = _("proof documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=False) | Q(application__isnull=False),
                name="document_of_a_household_or_an_application",
            )
        ]

    def __str__(self) -> str:
        return self.original_name


# --- Help plan and visits --------------------------------------------------------------------


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class MeasureQuerySet(models.QuerySet):
    def visible_to(self, user) -> "MeasureQuerySet":
        return self.filter(household__in=Household.objects.visible_to(user))


class Measure(models.Model):
    """One measure of the household's help plan (一户一策)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="measures")
    description = models.CharField(_("measure"), max_length=200)
    owner = models.CharField(_("owner"), max_length=50)
    target_date = models.DateField(_("target date"))
    status = models.CharField(
        _("status"), max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED
    )
    outcome = models.TextField(_("outcome"), blank=True)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        ordering = ["target_date", "id"]
        verbose_name = _("measure")
        verbose_name_plural = _("help plan")

    def __str__(self) -> str:
        return self.description


class VisitQuerySet(models.QuerySet):
    def visible_to(self, user) -> "VisitQuerySet":
        return self.filter(household__in=Household.objects.visible_to(user))


class Visit(models.Model):
    """走访记录: a home visit."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField(_("visited on"))
    visitors = models.CharField(_("visitors"), max_length=100)
    findings = models.TextField(_("what was found"))
    delivered = models.CharField(_("what was delivered"), max_length=200, blank=True)
    photo = models.ImageField(
        _("photo"), storage=_private_storage, upload_to="visits/%Y/%m/", blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")

    def __str__(self) -> str:
        return f"{self.household} {self.visited_on:%Y-%m-%d}"


class SpotCheckQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SpotCheckQuerySet":
        scope = union_scope(user)
        return self if scope is None else self.filter(scope)


class SpotCheck(models.Model):
    """A recorded random sample of a union's files for the yearly spot check (抽查)."""

    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(auto_now_add=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    share = models.DecimalField(max_digits=3, decimal_places=2)
    population = models.PositiveIntegerField()
    seed = models.CharField(max_length=40)
    households = models.ManyToManyField(Household, related_name="spot_checks")

    objects = SpotCheckQuerySet.as_manager()

    class Meta:
        ordering = ["-drawn_at"]
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")

    def __str__(self) -> str:
        return f"{self.union} {self.drawn_at:%Y-%m-%d}"
