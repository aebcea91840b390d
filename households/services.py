"""Writes to the household file. Each validates, runs in a transaction, and adds to the timeline.

Registration is reached through the approval workflow of the cases issue once it lands; until
then the registration page, the import and tests call `household_register` directly.
"""

import math
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from helpcenter.errors import DomainError
from helpcenter.models import Union, User
from households import resident_ids
from households.choices import Category, Relation, Status
from households.means_test import household_means_test
from households.models import (
    Classification,
    Document,
    DocumentType,
    EventAction,
    Household,
    HouseholdEvent,
    Measure,
    Member,
    PersonalDataRead,
    SpotCheck,
    Visit,
)
from households.pinyin import initials

if TYPE_CHECKING:
    from cases.models import Application

# How far ahead a plan may reach: a follow-up visit after an exit, a help-plan measure's target.
FOLLOW_UP_HORIZON = timedelta(days=366)
MEASURE_HORIZON = timedelta(days=3 * 365 + 1)

TRACKED_FIELDS = [
    "union",
    "phone",
    "work_unit",
    "employment",
    "is_migrant_worker",
    "model_worker_level",
    "size",
    "monthly_income",
    "monthly_rigid_expenses",
    "annual_hardship_costs",
    "receives_subsistence_allowance",
    "housing",
    "owns_several_homes",
    "runs_business_with_employees",
    "child_at_costly_private_school",
    "uses_motor_vehicle",
    "causes",
    "family_situation",
    "hardship_cause_notes",
    "skills",
    "employment_wishes",
    "state_of_mind",
    "responsible",
    "contact",
    "notes",
]
MEMBER_FIELDS = [
    "relation",
    "name",
    "id_number",
    "health",
    "disability_level",
    "school_stage",
    "school",
    "employment",
    "monthly_income",
]


class HouseholdError(DomainError):
    pass


class PersonAlreadyRegistered(HouseholdError):
    pass


@dataclass
class MemberData:
    name: str
    id_number: str
    relation: str = Relation.SELF
    health: str = "healthy"
    disability_level: int | None = None
    school_stage: str = ""
    school: str = ""
    employment: str = ""
    monthly_income: Decimal = Decimal(0)

    def values(self) -> dict:
        return {name: getattr(self, name) for name in MEMBER_FIELDS}


@dataclass
class Changes:
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            name: [_display(self.before[name]), _display(self.after[name])] for name in self.after
        }


def _display(value) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Union):
        return value.name
    return value


def record_event(
    *,
    household: Household,
    actor: User | None,
    action: str,
    changes: dict | None = None,
    note: str = "",
) -> HouseholdEvent:
    return HouseholdEvent.objects.create(
        household=household, actor=actor, action=action, changes=changes or {}, note=note
    )


# --- Who already holds a person ---------------------------------------------------------------


def ensure_not_registered(
    *, id_numbers: list[str], actor: User | None, except_member_id: int | None = None
) -> None:
    """Refuse IDs already in a household, naming it to staff allowed to know it."""
    held = Member.objects.filter(id_number__in=id_numbers).select_related("household__union")
    if except_member_id is not None:
        held = held.exclude(pk=except_member_id)
    for member in held:
        household = member.household
        may_know = (
            actor is None or Household.objects.visible_to(actor).filter(pk=household.pk).exists()
        )
        if may_know:
            message = _(
                "%(name)s (%(masked)s) is already registered in file %(file)s of %(union)s. "
                "One person may be in one household only: change that file instead."
            ) % {
                "name": member.name,
                "masked": resident_ids.mask(member.id_number),
                "file": household.file_number,
                "union": household.union.name,
            }
        else:
            message = _(
                "The person with ID %(masked)s is already registered in another union. "
                "Ask the county federation to check."
            ) % {"masked": resident_ids.mask(member.id_number)}
        raise PersonAlreadyRegistered(message)


def _check_duplicates_within(ids: list[str]) -> None:
    seen = set()
    for number in ids:
        if number in seen:
            raise HouseholdError(
                _("The ID %(masked)s appears twice in this household.")
                % {"masked": resident_ids.mask(number)}
            )
        seen.add(number)


def _member(household: Household, data: MemberData) -> Member:
    member = Member(household=household, name_initials=initials(data.name), **data.values())
    member.id_number = resident_ids.clean(data.id_number)
    return member


def _full_clean(instance, exclude=None) -> None:
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        messages = []
        for field_name, errors in error.message_dict.items():
            label = (
                instance._meta.get_field(field_name).verbose_name if field_name != "__all__" else ""
            )
            messages.append(f"{label}：{'；'.join(errors)}" if label else "；".join(errors))
        raise HouseholdError("；".join(messages)) from None


# --- Registration ---------------------------------------------------------------------------


def next_file_number(*, union: Union, year: int) -> str:
    """The next county-unique file number of a union and year: 1301-2026-00001.

    The caller holds the union row locked (select_for_update), so two registrations in the same
    union cannot draw the same number.
    """
    prefix = f"{union.code}-{year}-"
    last = (
        Household.objects.filter(file_number__startswith=prefix)
        .order_by("-file_number")
        .values_list("file_number", flat=True)
        .first()
    )
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{sequence:05d}"


@transaction.atomic
def household_register(
    *,
    actor: User | None,
    union: Union,
    head: MemberData,
    members: list[MemberData] = (),
    registered_on: date | None = None,
    file_number: str = "",
    action: str = EventAction.REGISTERED,
    **fields,
) -> Household:
    registered_on = registered_on or timezone.localdate()
    union = Union.objects.select_for_update().get(pk=union.pk)
    head.relation = Relation.SELF
    people = [head, *members]
    ids = [resident_ids.clean(person.id_number) for person in people]
    _check_duplicates_within(ids)
    if any(person.relation == Relation.SELF for person in members):
        raise HouseholdError(_("A household has one head; list the others with their relation."))
    ensure_not_registered(id_numbers=ids, actor=actor)
    household = Household(
        union=union,
        file_number=file_number or next_file_number(union=union, year=registered_on.year),
        registered_on=registered_on,
        **fields,
    )
    if household.size < len(people):
        raise HouseholdError(
            _("The household size (%(size)d) is smaller than the %(count)d people listed.")
            % {"size": household.size, "count": len(people)}
        )
    _full_clean(household, exclude=["head"])
    household.save()
    saved = []
    for person in people:
        member = _member(household, person)
        _full_clean(member)
        saved.append(member)
    try:
        with transaction.atomic():  # a savepoint: the refusal below can still query
            Member.objects.bulk_create(saved)
    except IntegrityError:  # a concurrent registration took one of these people first
        ensure_not_registered(id_numbers=ids, actor=actor)
        raise
    household.head = next(m for m in saved if m.relation == Relation.SELF)
    household.save(update_fields=["head"])
    record_event(household=household, actor=actor, action=action, note=household.file_number)
    return household


# --- Full resident IDs -------------------------------------------------------------------------


def resident_ids_shown(
    *, reader: User, household: Household | None = None, application: "Application | None" = None
) -> bool:
    """Whether `reader` sees full resident IDs on this file or application page: the one rule is
    households.view_resident_id. Each time they do, the read is logged (PersonalDataRead); to
    anyone else the page shows them masked and nothing is logged."""
    if not reader.has_perm("households.view_resident_id"):
        return False
    PersonalDataRead.objects.create(reader=reader, household=household, application=application)
    return True


# --- Changes ----------------------------------------------------------------------------------


def apply_changes(instance, values: dict, tracked: list[str]) -> Changes:
    """Set the values that differ on `instance` (not saved) and return them, before and after."""
    changes = Changes()
    for name, value in values.items():
        if name not in tracked:
            raise HouseholdError(f"unknown field {name}")
        old = getattr(instance, name)
        if old != value:
            changes.before[name] = old
            changes.after[name] = value
            setattr(instance, name, value)
    return changes


@transaction.atomic
def household_update(
    *, actor: User | None, household: Household, action: str = EventAction.UPDATED, **values
) -> Changes:
    household = Household.objects.select_for_update().get(pk=household.pk)
    changes = apply_changes(household, values, TRACKED_FIELDS)
    if not changes.after:
        return changes
    if household.size < household.members.count():
        raise HouseholdError(
            _("The household size (%(size)d) is smaller than the %(count)d people listed.")
            % {"size": household.size, "count": household.members.count()}
        )
    _full_clean(household)
    household.save()
    record_event(
        household=household,
        actor=actor,
        action=action,
        changes=labelled_changes(household, changes),
    )
    return changes


def labelled_changes(instance, changes: Changes) -> dict:
    """Changes keyed by the field's Chinese label, for the timeline."""
    result = {}
    for name, (before, after) in changes.as_json().items():
        model_field = instance._meta.get_field(name)
        if model_field.choices:
            labels = dict(model_field.flatchoices)
            before, after = str(labels.get(before, before)), str(labels.get(after, after))
        result[str(model_field.verbose_name)] = [before, after]
    return result


@transaction.atomic
def member_add(*, actor: User | None, household: Household, data: MemberData) -> Member:
    household = Household.objects.select_for_update().get(pk=household.pk)
    if data.relation == Relation.SELF:
        raise HouseholdError(_("A household has one head; list the others with their relation."))
    number = resident_ids.clean(data.id_number)
    ensure_not_registered(id_numbers=[number], actor=actor)
    member = _member(household, data)
    _full_clean(member)
    member.save()
    changes = Changes()
    if household.members.count() > household.size:
        changes = apply_changes(household, {"size": household.members.count()}, ["size"])
        household.save(update_fields=["size"])
    record_event(
        household=household,
        actor=actor,
        action=EventAction.MEMBER_ADDED,
        changes=labelled_changes(household, changes),
        note=f"{member.name}（{member.get_relation_display()}）",
    )
    return member


@transaction.atomic
def member_remove(*, actor: User, member: Member, reason: str) -> None:
    """A member leaves the household (married out, moved, died): the person may then be
    registered elsewhere. The head cannot leave; the timeline keeps who it was."""
    member = Member.objects.select_for_update().select_related("household").get(pk=member.pk)
    if member.relation == Relation.SELF:
        raise HouseholdError(
            _("The head of the household cannot be removed; remove the whole file instead.")
        )
    reason = _require_reason(reason)
    household = member.household
    masked = resident_ids.mask(member.id_number)
    note = f"{member.name}（{member.get_relation_display()}，{masked}）：{reason}"
    try:
        with transaction.atomic():
            member.delete()
    except ProtectedError as error:
        # A bank card held, or relief applied for in this person's name (a student's tuition
        # aid, a patient's medical aid): the money's paper trail keeps the person.
        raise HouseholdError(
            _(
                "%(name)s appears in relief records (a bank card or an application in their "
                "name), which must keep them: record the change in the household's notes "
                "instead of removing the member."
            )
            % {"name": member.name}
        ) from error
    record_event(household=household, actor=actor, action=EventAction.MEMBER_REMOVED, note=note)


@transaction.atomic
def member_update(*, actor: User | None, member: Member, data: MemberData) -> Changes:
    member = Member.objects.select_for_update().get(pk=member.pk)
    values = data.values()
    values["id_number"] = resident_ids.clean(values["id_number"])
    if member.relation == Relation.SELF:
        values["relation"] = Relation.SELF
    elif values["relation"] == Relation.SELF:
        raise HouseholdError(_("A household has one head; list the others with their relation."))
    ensure_not_registered(id_numbers=[values["id_number"]], actor=actor, except_member_id=member.pk)
    changes = apply_changes(member, values, MEMBER_FIELDS)
    if changes.after:
        member.name_initials = initials(member.name)
        _full_clean(member)
        member.save()
        labelled = labelled_changes(member, changes)
        if "id_number" in changes.after:
            labelled[str(Member._meta.get_field("id_number").verbose_name)] = [
                resident_ids.mask(changes.before["id_number"]),
                resident_ids.mask(changes.after["id_number"]),
            ]
        record_event(
            household=member.household,
            actor=actor,
            action=EventAction.MEMBER_CHANGED,
            changes=labelled,
            note=member.name,
        )
    return changes


# --- Classification -------------------------------------------------------------------------


@transaction.atomic
def household_classify(
    *,
    actor: User,
    household: Household,
    category: str | None = None,
    degree: str | None = None,
    override_reason: str = "",
    on: date | None = None,
) -> Classification:
    """Run the means test, then record what the person confirmed (the suggestion, or an
    override with its reason)."""
    household = Household.objects.select_for_update().select_related("union").get(pk=household.pk)
    if household.status != Status.REGISTERED:
        raise HouseholdError(
            _("Only a registered household is classified; this one is %(status)s.")
            % {"status": household.get_status_display()}
        )
    result = household_means_test(household=household, on=on or timezone.localdate())
    category = category or result.category
    degree = result.degree if degree is None else degree
    if category == Category.NOT_ELIGIBLE:
        degree = ""
    elif not degree:
        raise HouseholdError(_("Choose a degree of hardship for an eligible household."))
    overridden = (category, degree) != (result.category, result.degree)
    if overridden and not override_reason.strip():
        raise HouseholdError(
            _(
                "The confirmed category differs from the suggestion: "
                "state the reason for the override."
            )
        )
    classification = Classification.objects.create(
        household=household,
        decided_by=actor,
        standard=result.standard,
        policy=result.policy,
        suggested_category=result.category,
        suggested_degree=result.degree,
        category=category,
        degree=degree,
        override_reason=override_reason.strip() if overridden else "",
        explanation=result.explanation,
    )
    changes = apply_changes(
        household, {"category": category, "degree": degree}, ["category", "degree"]
    )
    household.save(update_fields=["category", "degree"])
    record_event(
        household=household,
        actor=actor,
        action=EventAction.CLASSIFIED,
        changes=labelled_changes(household, changes),
        note=classification.override_reason or result.reasons[-1],
    )
    return classification


# --- Lifecycle --------------------------------------------------------------------------------


def _locked(household: Household, allowed: set[str], refusal: str) -> Household:
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.status not in allowed:
        raise HouseholdError(refusal % {"status": household.get_status_display()})
    return household


def _require_reason(reason: str) -> str:
    if not reason.strip():
        raise HouseholdError(_("State the reason; it is kept in the file."))
    return reason.strip()


def ensure_follow_up_date(follow_up_on: date) -> None:
    """A follow-up visit after an exit (or proposed in an exit application): after today and
    within a year, while the family's situation is still the one that was assessed."""
    today = timezone.localdate()
    latest = today + FOLLOW_UP_HORIZON
    if not today < follow_up_on <= latest:
        raise HouseholdError(
            _("Set the follow-up visit after today and no later than %(latest)s.")
            % {"latest": latest.isoformat()}
        )


@transaction.atomic
def household_exit(
    *, actor: User, household: Household, reason: str, follow_up_on: date
) -> Household:
    """脱困: out of hardship, with a follow-up visit."""
    reason = _require_reason(reason)
    household = _locked(
        household,
        {Status.REGISTERED},
        _("Only a registered household can exit hardship; this one is %(status)s."),
    )
    ensure_follow_up_date(follow_up_on)
    today = timezone.localdate()
    household.status, household.ended_on, household.end_reason = Status.EXITED, today, reason
    household.next_visit_on = follow_up_on
    household.save(update_fields=["status", "ended_on", "end_reason", "next_visit_on"])
    record_event(household=household, actor=actor, action=EventAction.EXITED, note=reason)
    return household


@transaction.atomic
def household_remove(*, actor: User, household: Household, reason: str) -> Household:
    """注销: removed as ineligible, with a reason. The file and its history stay."""
    reason = _require_reason(reason)
    household = _locked(
        household,
        {Status.REGISTERED, Status.EXITED},
        _("This household is already %(status)s."),
    )
    household.status, household.ended_on, household.end_reason = (
        Status.REMOVED,
        timezone.localdate(),
        reason,
    )
    household.next_visit_on = None
    household.save(update_fields=["status", "ended_on", "end_reason", "next_visit_on"])
    record_event(household=household, actor=actor, action=EventAction.REMOVED, note=reason)
    return household


@transaction.atomic
def household_reinstate(*, actor: User, household: Household, reason: str) -> Household:
    """A family that falls back into hardship returns with its whole history."""
    reason = _require_reason(reason)
    household = _locked(
        household,
        {Status.EXITED, Status.REMOVED},
        _("Only an exited or removed household can be reinstated; this one is %(status)s."),
    )
    household.status, household.ended_on, household.end_reason = Status.REGISTERED, None, ""
    household.save(update_fields=["status", "ended_on", "end_reason"])
    record_event(household=household, actor=actor, action=EventAction.REINSTATED, note=reason)
    return household


@transaction.atomic
def household_review(*, actor: User, household: Household, note: str = "") -> Household:
    """年度复核: the file was re-checked today."""
    household = _locked(
        household,
        {Status.REGISTERED},
        _("Only a registered household is reviewed; this one is %(status)s."),
    )
    household.last_reviewed_on = timezone.localdate()
    household.save(update_fields=["last_reviewed_on"])
    record_event(household=household, actor=actor, action=EventAction.REVIEWED, note=note.strip())
    return household


@transaction.atomic
def spot_check_draw(*, actor: User, union: Union, share: Decimal = Decimal("0.30")) -> SpotCheck:
    """Draw and record a random sample of at least `share` of a union's registered files."""
    population = list(
        Household.objects.filter(union=union, status=Status.REGISTERED).values_list("pk", flat=True)
    )
    if not population:
        raise HouseholdError(_("This union has no registered household to check."))
    seed = secrets.token_hex(8)
    import random

    size = math.ceil(len(population) * share)
    sample = random.Random(seed).sample(population, size)  # noqa: S311 (seed is recorded)
    check = SpotCheck.objects.create(
        union=union, drawn_by=actor, share=share, population=len(population), seed=seed
    )
    check.households.set(sample)
    HouseholdEvent.objects.bulk_create(
        HouseholdEvent(household_id=pk, actor=actor, action=EventAction.SPOT_CHECKED)
        for pk in sample
    )
    return check


# --- Documents, plan, visits -------------------------------------------------------------------

ACCEPTED_UPLOADS = {
    b"%PDF-": ("application/pdf", ".pdf"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
}


def check_upload(upload: UploadedFile) -> tuple[str, str]:
    """The content type and extension, judged by the file's first bytes, or a refusal."""
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    if upload.size > limit:
        raise HouseholdError(
            _("The file is %(size).1f MB; the limit is %(limit)d MB. Scan at a lower resolution.")
            % {"size": upload.size / 1024 / 1024, "limit": settings.MAX_UPLOAD_MB}
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    for magic, kind in ACCEPTED_UPLOADS.items():
        if head.startswith(magic):
            if kind[0] != "application/pdf":
                _verify_image(upload)
            return kind
    raise HouseholdError(_("Only PDF, JPEG and PNG files are accepted; this file is none of them."))


def _verify_image(upload: UploadedFile) -> None:
    """An image must decode as one, not just begin like one."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise HouseholdError(
            _("The file looks like an image but cannot be read as one. Take the photo again.")
        ) from None
    finally:
        upload.seek(0)


def document_store(
    *,
    actor: User,
    document_type: DocumentType,
    upload: UploadedFile,
    household: Household | None = None,
    application: "Application | None" = None,
) -> Document:
    """Check an upload by its content and keep it in private storage, as a household's proof
    or a registration application's (cases.services.application_document_add)."""
    content_type, extension = check_upload(upload)
    original = PurePath(upload.name or "upload").name[:200]
    document = Document(
        household=household,
        application=application,
        document_type=document_type,
        original_name=original,
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    document.file.save(uuid.uuid4().hex + extension, upload, save=False)
    document.save()
    return document


@transaction.atomic
def document_add(
    *, actor: User, household: Household, document_type: DocumentType, upload: UploadedFile
) -> Document:
    document = document_store(
        actor=actor, document_type=document_type, upload=upload, household=household
    )
    original = document.original_name
    record_event(
        household=household,
        actor=actor,
        action=EventAction.DOCUMENT_ADDED,
        note=f"{document_type.name}：{original}",
    )
    return document


@transaction.atomic
def measure_add(
    *, actor: User, household: Household, description: str, owner: str, target_date: date
) -> Measure:
    today = timezone.localdate()
    if not today <= target_date <= today + MEASURE_HORIZON:
        raise HouseholdError(
            _("Set the target date from today to %(latest)s: a measure still to be carried out.")
            % {"latest": (today + MEASURE_HORIZON).isoformat()}
        )
    measure = Measure(
        household=household, description=description, owner=owner, target_date=target_date
    )
    _full_clean(measure)
    measure.save()
    record_event(
        household=household, actor=actor, action=EventAction.MEASURE_ADDED, note=description
    )
    return measure


@transaction.atomic
def measure_update(*, actor: User, measure: Measure, status: str, outcome: str) -> Measure:
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    changes = apply_changes(measure, {"status": status, "outcome": outcome}, ["status", "outcome"])
    if changes.after:
        _full_clean(measure)
        measure.save()
        record_event(
            household=measure.household,
            actor=actor,
            action=EventAction.MEASURE_CHANGED,
            changes=labelled_changes(measure, changes),
            note=measure.description,
        )
    return measure


@transaction.atomic
def visit_record(
    *,
    actor: User,
    household: Household,
    visited_on: date,
    visitors: str,
    findings: str,
    delivered: str = "",
    photo: UploadedFile | None = None,
    next_visit_on: date | None = None,
) -> Visit:
    if visited_on > timezone.localdate():
        raise HouseholdError(_("A visit cannot be recorded for a future date."))
    if next_visit_on and next_visit_on <= visited_on:
        raise HouseholdError(_("The next visit must be after this one."))
    visit = Visit(
        household=household,
        visited_on=visited_on,
        visitors=visitors,
        findings=findings,
        delivered=delivered,
        recorded_by=actor,
    )
    _full_clean(visit, exclude=["photo"])
    if photo:
        content_type, extension = check_upload(photo)
        if content_type == "application/pdf":
            raise HouseholdError(_("A visit photo must be a JPEG or PNG image."))
        visit.photo.save(uuid.uuid4().hex + extension, photo, save=False)
    visit.save()
    # The visit that was due is done: the next one is what this visit set, or none.
    household = Household.objects.select_for_update().get(pk=household.pk)
    changes = apply_changes(household, {"next_visit_on": next_visit_on}, ["next_visit_on"])
    household.save(update_fields=["next_visit_on"])
    record_event(
        household=household,
        actor=actor,
        action=EventAction.VISITED,
        changes=labelled_changes(household, changes),
        note=f"{visited_on:%Y-%m-%d} {visitors}：{findings[:100]}",
    )
    return visit
