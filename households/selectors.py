"""Reads of the household file that more than one page uses."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from helpcenter.models import User
from households.choices import Category, Status
from households.filters import review_due_q, visit_due_q
from households.means_test import MeansTestInput, evaluate, policy_in_force, standard_in_force
from households.models import Document, DocumentType, Household, LivingStandard


@dataclass
class ChecklistItem:
    document_type: DocumentType
    required: bool
    documents: list[Document]

    @property
    def missing(self) -> bool:
        return self.required and not self.documents


def document_checklist(
    household: Household,
    documents: Iterable[Document] | None = None,
    *,
    document_types: Iterable[DocumentType] | None = None,
) -> list[ChecklistItem]:
    """What the household's causes require, and what is on file (or, for the household a
    registration proposes, the `documents` uploaded with the application). `document_types`,
    loaded once, spares a query per household where many are listed (the file cards)."""
    if document_types is None:
        document_types = DocumentType.objects.all()
    if documents is None:
        documents = household.documents.select_related("uploaded_by")
    conditions = set(household.causes)
    if household.is_migrant_worker:
        conditions.add("migrant_worker")
    if household.receives_subsistence_allowance:
        conditions.add("subsistence_allowance")
    on_file: dict[int, list[Document]] = {}
    for document in documents:
        on_file.setdefault(document.document_type_id, []).append(document)
    items = []
    for document_type in document_types:
        required = document_type.required_for_all or bool(conditions & set(document_type.causes))
        if required or document_type.pk in on_file:
            items.append(ChecklistItem(document_type, required, on_file.get(document_type.pk, [])))
    return items


def visits_due(user: User) -> QuerySet[Household]:
    return Household.objects.visible_to(user).filter(visit_due_q())


def reviews_due(user: User) -> QuerySet[Household]:
    return Household.objects.visible_to(user).filter(review_due_q())


@dataclass
class ImpactRow:
    household_id: int
    file_number: str
    head_name: str
    union_name: str
    per_capita: Decimal
    confirmed: str
    suggested_now: str
    suggested_then: str


def standard_impact(*, user: User, standard: LivingStandard) -> list[ImpactRow]:
    """Registered households whose suggested category under `standard` differs from what the
    means test suggests under the standard in force today. One query; the test runs in Python."""
    today = timezone.localdate()
    current = standard_in_force(county_id=standard.county_id, on=today)
    policy_now = policy_in_force(county_id=standard.county_id, on=today)
    policy_then = policy_in_force(county_id=standard.county_id, on=standard.effective_from)
    labels = dict(Category.choices)
    rows = []
    households = (
        Household.objects.visible_to(user)
        .filter(status=Status.REGISTERED)
        .select_related("head", "union")
        .only(
            "file_number", "size", "monthly_income", "monthly_rigid_expenses",
            "annual_hardship_costs", "receives_subsistence_allowance", "causes", "category",
            "owns_several_homes", "runs_business_with_employees",
            "child_at_costly_private_school", "uses_motor_vehicle",
            "head__name", "union__name",
        )
    )  # fmt: skip
    for household in households.iterator(chunk_size=2000):
        facts = MeansTestInput.of(household)
        now = evaluate(facts, standard=current, policy=policy_now)
        then = evaluate(facts, standard=standard, policy=policy_then)
        if now.category != then.category:
            rows.append(
                ImpactRow(
                    household.pk,
                    household.file_number,
                    household.head.name if household.head else "",
                    household.union.name,
                    then.per_capita_income,
                    str(labels.get(household.category, "—")),
                    str(labels[now.category]),
                    str(labels[then.category]),
                )
            )
    return rows


def upcoming_or_latest_standards(user: User) -> QuerySet[LivingStandard]:
    if user.union_id is None:
        return LivingStandard.objects.none()
    county_id = user.union_id if user.works_county_wide else user.union.parent_id
    return LivingStandard.objects.filter(county_id=county_id).order_by("-effective_from")


@dataclass
class TimelineEntry:
    at: object
    actor: object
    title: str
    note: str = ""
    changes: dict | None = None


def timeline(household: Household, *, limit: int = 200) -> list[TimelineEntry]:
    """Every change of the file and every step of its applications, newest first."""
    from cases.models import ApplicationStep

    entries = [
        TimelineEntry(event.at, event.actor, event.get_action_display(), event.note, event.changes)
        for event in household.events.select_related("actor")[:limit]
    ]
    steps = (
        ApplicationStep.objects.filter(application__household=household)
        .select_related("actor", "application")
        .order_by("-at", "-id")[:limit]
    )
    for step in steps:
        title = f"{step.application.get_kind_display()}：{step.get_to_state_display()}"
        entries.append(TimelineEntry(step.at, step.actor, title, step.comment))
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]
