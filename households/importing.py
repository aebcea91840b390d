"""Importing household files from a workbook: read and plan everything, then apply in one go.

`plan_import` reads every row, checks it and decides, household by household, whether the row
brings a new family, updates a file or changes nothing, collecting every error with its sheet, its
row as Excel shows it, its column and what to do. `apply_import` writes a plan without errors in
one transaction. New families follow the same rule as the pages: they become registration
applications (建档申请, drafts that go through survey, review, notice and approval), unless a
supervisor enters files already approved on paper (`register_directly`, migrating a county's
archive): then the files are created in bulk (households, members, one IMPORT_CREATED event each
naming who and the workbook). Changed files are written as the services would (`household_update`
with the IMPORTED action, `member_add`, `member_update`). Anything that fails rolls the whole
import back.

The plan is made once (the upload) and kept until it is confirmed; `apply_import` checks again
what can have changed meanwhile: who may import, the files' scope, a file or member changed since
the plan, a person registered or filed meanwhile.

The module stays whole (past the usual length) because planning and applying share the plan's
classes and its rules of matching; the workbook's reading is households/workbook.py.

Matching: a household row matches a file by 档案编号 when given, else by the head's resident ID.
An empty cell leaves a stored value as it is; the import never deletes a file or a member and
never changes a file's status. 困难类别 is kept on a new file as given (no means test is run: the
preview counts files without one as "to classify"); on an existing file it is only reported when
it differs, because a category changes through the classification step.
"""

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from helpcenter.errors import DomainError
from helpcenter.models import Union, UnionKind, User
from households import resident_ids, services
from households.choices import Health, Relation
from households.models import EventAction, Household, HouseholdEvent, Member
from households.pinyin import initials
from households.services import MemberData
from households.workbook import (
    COLUMNS,
    HOUSEHOLD_SHEET,
    MEMBER_SHEET,
    NEW_FILE_REQUIRED,
    CellError,
    Column,
    Sheet,
    is_blank,
    is_masked_id,
    parse_cell,
    read_workbook,
    word,
)

BATCH = 500
UNIQUE_KINDS = {"text", "name", "phone"}  # cells not worth remembering
HOUSEHOLD_FIELDS = [
    "phone",
    "work_unit",
    "employment",
    "is_migrant_worker",
    "size",
    "monthly_income",
    "receives_subsistence_allowance",
    "housing",
    "causes",
    "responsible",
    "contact",
    "family_situation",
    "hardship_cause_notes",
    "skills",
    "employment_wishes",
    "state_of_mind",
    "notes",
]
# Fields the cell parsers already guarantee (IDs, choices, dates, causes, flags); the model's
# validation checks the others (lengths, the household size, the largest amount).
HOUSEHOLD_UNCHECKED = [
    "union",
    "head",
    "status",
    "employment",
    "is_migrant_worker",
    "receives_subsistence_allowance",
    "housing",
    "category",
    "causes",
    "registered_on",
]
MEMBER_UNCHECKED = ["household", "name_initials", "id_number", "relation", "health", "school_stage"]
# What must be as the plan saw it when an update is applied (the union by its key: no query).
HOUSEHOLD_SNAPSHOT = ["union_id" if name == "union" else name for name in services.TRACKED_FIELDS]
MEMBER_DETAILS = [
    "health",
    "disability_level",
    "school_stage",
    "school",
    "employment",
    "monthly_income",
]


def importable_unions(actor: User | None) -> QuerySet:
    """The grassroots unions files may be imported into (without actor: all)."""
    unions = Union.objects.all() if actor is None else Union.objects.visible_to(actor)
    return unions.filter(is_active=True).exclude(kind=UnionKind.COUNTY)


def may_register_directly(actor: User) -> bool:
    """Entering files approved on paper skips the workflow: a supervisor's, as on the pages."""
    return actor.has_perm("households.register_household")


# The registration workflow belongs to the cases app, which depends on households: cases hands
# in its two functions at start-up (CasesConfig.ready), so households does not import cases.
#   "refusals": (id_numbers=, actor=) → {resident ID: why a registration is refused now}
#   "file": (actor=, families=list[PlannedHousehold], source_name=) → applications filed
REGISTRATION_WORKFLOW: dict[str, Callable] = {}


# --- The plan ---------------------------------------------------------------------------------


@dataclass
class RowError:
    sheet: str
    row: int | None
    column: str
    message: str

    @property
    def place(self) -> str:
        values = {"sheet": self.sheet, "row": self.row or 0, "column": self.column}
        if self.row is None:
            return _("Sheet “%(sheet)s”") % values
        if not self.column:
            return _("“%(sheet)s” row %(row)d") % values
        return _("“%(sheet)s” row %(row)d, column “%(column)s”") % values

    def __str__(self) -> str:
        return _("%(place)s: %(message)s") % {"place": self.place, "message": self.message}


@dataclass
class PlannedMember:
    data: MemberData
    row: int | None = None  # its row in the member sheet
    existing: Member | None = None
    changed: list[str] = field(default_factory=list)  # headers of the changed columns
    instance: Member | None = None  # the unsaved member of a new file


@dataclass
class PlannedHousehold:
    row: int | None  # its row in the household sheet (None: only its members are imported)
    union: Union
    head: PlannedMember
    existing: Household | None = None
    values: dict = field(default_factory=dict)  # new file: every field; existing: the changed ones
    changed: list[str] = field(default_factory=list)
    members: list[PlannedMember] = field(default_factory=list)
    file_number: str = ""
    registered_on: date | None = None
    category: str = ""
    size_given: bool = False
    instance: Household | None = None  # the unsaved household of a new file

    @property
    def action(self) -> str:
        if self.existing is None:
            return "create"
        people = [self.head, *self.members]
        if self.values or any(m.existing is None or m.changed for m in people):
            return "update"
        return "unchanged"

    @property
    def name(self) -> str:
        return self.head.data.name

    @property
    def masked_id(self) -> str:
        return resident_ids.mask(self.head.data.id_number)

    @property
    def changes(self) -> list[str]:
        """What an update changes, for the preview: each column as “header: before → after”,
        then members added, then members changed the same way."""
        result = [
            _change(HOUSEHOLD_SHEET, key, getattr(self.existing, key), value)
            for key, value in self.values.items()
        ]
        for member in [self.head, *self.members]:
            if member.existing is None and member is not self.head:
                result.append(_("new member %(name)s") % {"name": member.data.name})
            elif member.changed:
                details = [
                    _change(MEMBER_SHEET, key, getattr(member.existing, key), after)
                    for key in ["name", "relation", *MEMBER_DETAILS]
                    if (after := getattr(member.data, key)) != getattr(member.existing, key)
                ]
                result.append(f"{member.existing.name}（{'；'.join(details)}）")
        return result


def _change(sheet_title: str, key: str, before: object, after: object) -> str:
    """One change as the preview shows it, values written as in the workbook."""
    kind = "household" if sheet_title == HOUSEHOLD_SHEET else "member"
    column = next(column for column in COLUMNS[kind] if column.key == key)
    return f"{column.header}：{_shown(column, before)} → {_shown(column, after)}"


def _shown(column: Column, value: object) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if column.kind == "union":
        return value.name if isinstance(value, Union) else str(value)
    if column.kind == "bool":
        return "是" if value else "否"
    if column.kind == "choice":
        return word(column.vocabulary, value)
    if column.kind == "causes":
        return "、".join(word("cause", cause) for cause in value)
    return str(value)


@dataclass
class ImportPlan:
    source_name: str
    # False: new families become registration applications; True: files approved on paper.
    register_directly: bool = False
    households: list[PlannedHousehold] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    applied: bool = False

    def with_action(self, action: str) -> list[PlannedHousehold]:
        return [household for household in self.households if household.action == action]

    @property
    def counts(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "unchanged": 0}
        for household in self.households:
            counts[household.action] += 1
        counts["to_classify"] = sum(
            1
            for household in self.households
            if household.action == "create" and not household.category
        )
        counts["errors"] = len(self.errors)
        counts["error_rows"] = len({(error.sheet, error.row) for error in self.errors})
        return counts


class ImportFailed(DomainError):
    """Applying the plan failed; nothing was saved."""

    def __init__(self, error: RowError):
        super().__init__(str(error))
        self.error = error


# --- Planning ---------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    values: dict
    ok: bool = True
    masked_id: str = ""


class _Planner:
    def __init__(self, *, actor: User, union: Union, source_name: str, register_directly: bool):
        self.actor = actor
        self.default_union = union
        self.plan = ImportPlan(source_name=source_name, register_directly=register_directly)
        self.unions = list(importable_unions(actor))
        self.union_keys = {}
        for allowed in self.unions:
            for text in (allowed.code, allowed.name, f"{allowed.code}{allowed.name}"):
                self.union_keys[_union_key(text)] = allowed
        self.today = timezone.localdate()
        self.cache: dict[tuple, object] = {}

    # errors

    def error(self, sheet: Sheet | None, row: int | None, key: str, message: str) -> None:
        title = sheet.title if sheet else HOUSEHOLD_SHEET
        column = sheet.header(key) if sheet and key else ""
        self.plan.errors.append(RowError(title, row, column, message))

    def run(self, source) -> ImportPlan:
        if self.plan.register_directly and not may_register_directly(self.actor):
            self.plan.errors.append(_direct_refusal())
            return self.plan
        read = read_workbook(source)
        for problem in read.problems:
            self.plan.errors.append(
                RowError(problem.sheet or HOUSEHOLD_SHEET, None, "", problem.message)
            )
        if read.household is None:
            return self.plan
        if self.default_union.pk not in {allowed.pk for allowed in self.unions}:
            self.error(read.household, None, "", _union_message(self.default_union.name))
            return self.plan
        self.households_sheet, self.members_sheet = read.household, read.member
        for sheet in (read.household, read.member):
            if sheet and sheet.unknown:
                self.plan.notes.append(
                    _("Columns of “%(sheet)s” that are not imported: %(columns)s.")
                    % {"sheet": sheet.title, "columns": "、".join(sheet.unknown)}
                )
        household_rows = self.parse(read.household)
        member_rows = self.parse(read.member) if read.member else []
        self.check_duplicates(household_rows, member_rows)
        self.load(household_rows, member_rows)
        by_head: dict[str, PlannedHousehold] = {}
        for row in household_rows:
            planned = self.plan_household(row) if row.ok else None
            if planned:
                self.plan.households.append(planned)
                by_head[planned.head.data.id_number] = planned
        failed_heads = {row.values.get("id_number") for row in household_rows if not row.ok}
        for row in member_rows:
            if row.ok:
                self.plan_member(row, by_head, failed_heads)
        for planned in self.plan.households:
            self.finish(planned)
        self.check_registrations()
        self.note_unused_columns()
        sheet_order = {read.household.title: 0, read.member.title if read.member else "": 1}
        self.plan.errors.sort(key=lambda e: (sheet_order.get(e.sheet, -1), e.row or 0))
        return self.plan

    def check_registrations(self) -> None:
        """Nobody new in the file may have a registration under way (cases' rule)."""
        rows: dict[str, tuple[Sheet, int | None]] = {}
        for planned in self.plan.households:
            if planned.existing is None:
                rows[planned.head.data.id_number] = (self.households_sheet, planned.row)
            for member in planned.members:
                if member.existing is None:
                    rows[member.data.id_number] = (self.members_sheet, member.row)
        if not rows:
            return
        refusals = REGISTRATION_WORKFLOW["refusals"](id_numbers=list(rows), actor=self.actor)
        for number, message in refusals.items():
            sheet, row = rows[number]
            self.error(sheet, row, "id_number", message)

    def note_unused_columns(self) -> None:
        """What a registration application does not take from the row: the workflow decides."""
        if self.plan.register_directly:
            return
        new = self.plan.with_action("create")
        if any(p.file_number or p.category or p.registered_on != self.today for p in new):
            self.plan.notes.append(
                _(
                    "档案编号, 建档日期 and 困难类别 of new families are not used: a file gets its "
                    "number and date when its registration is approved, and its category from "
                    "the means test."
                )
            )

    def parse(self, sheet: Sheet) -> list[_Row]:
        rows = []
        columns = [column for column in COLUMNS[sheet.kind] if sheet.has(column.key)]
        for number, cells in sheet.rows:
            if is_blank(sheet.get(cells, "name")) and is_blank(sheet.get(cells, "id_number")):
                continue  # a footer: 合计, 填表人, 审核人
            row = _Row(number, {})
            for column in columns:
                value = sheet.get(cells, column.key)
                if is_blank(value):
                    if column.required:
                        row.ok = False
                        self.error(sheet, number, column.key, _("This cell must be filled in."))
                    continue
                if column.key == "id_number" and sheet.kind == "household" and is_masked_id(value):
                    row.masked_id = resident_ids.normalise(value)
                    continue
                try:
                    row.values[column.key] = self.parse_cell(column, value)
                except CellError as error:
                    row.ok = False
                    self.error(sheet, number, column.key, error.message)
            rows.append(row)
        return rows

    def parse_cell(self, column: Column, value: object) -> object:
        """Each value is parsed once per import and column kind: a head's ID is in both sheets,
        and choice columns repeat a few words thousands of times."""
        if column.kind in UNIQUE_KINDS:
            return parse_cell(column, value)
        key = (column.kind, column.vocabulary, type(value), value)
        if key not in self.cache:
            try:
                self.cache[key] = parse_cell(column, value)
            except CellError as error:
                self.cache[key] = error
        result = self.cache[key]
        if isinstance(result, CellError):
            raise result
        return result

    def check_duplicates(self, household_rows: list[_Row], member_rows: list[_Row]) -> None:
        """One person once, one file number once, across both sheets."""
        seen: dict[str, RowError] = {}  # ID → where it was first seen
        numbers: dict[str, RowError] = {}
        households = self.households_sheet
        for row in household_rows:
            place = RowError(households.title, row.number, "", "")
            number = row.values.get("file_number")
            if number and number in numbers:
                row.ok = False
                message = _(
                    "The file number %(number)s is used twice in this file (also %(place)s)."
                ) % {"number": number, "place": numbers[number].place}
                self.error(households, row.number, "file_number", message)
            elif number:
                numbers[number] = place
            self._once(seen, row, households, place)
        head_rows: dict[str, RowError] = {}
        for row in member_rows:
            place = RowError(self.members_sheet.title, row.number, "", "")
            if row.values.get("id_number") == row.values.get("head_id_number"):
                self._once(head_rows, row, self.members_sheet, place)
            else:
                self._once(seen, row, self.members_sheet, place)

    def _once(self, seen: dict, row: _Row, sheet: Sheet, place: RowError) -> None:
        number = row.values.get("id_number")
        if not number:
            return
        if number in seen:
            row.ok = False
            message = _(
                "The same resident ID is also in %(place)s. One person may be listed once "
                "only: delete one of the rows."
            ) % {"place": seen[number].place}
            self.error(sheet, row.number, "id_number", message)
        else:
            seen[number] = place

    def load(self, household_rows: list[_Row], member_rows: list[_Row]) -> None:
        """Who in the file is already registered, and the files the rows name."""
        ids, numbers = set(), set()
        for row in household_rows + member_rows:
            ids.update(row.values.get(key) for key in ("id_number", "head_id_number"))
            numbers.add(row.values.get("file_number"))
        ids.discard(None)
        numbers.discard(None)
        self.held: dict[str, Member] = {}
        for chunk in _chunks(sorted(ids)):
            for member in Member.objects.filter(id_number__in=chunk):
                self.held[member.id_number] = member
        self.by_number: dict[str, Household] = {}
        for chunk in _chunks(sorted(numbers)):
            for household in Household.objects.filter(file_number__in=chunk):
                self.by_number[household.file_number] = household
        known = {member.household_id for member in self.held.values()}
        known |= {household.pk for household in self.by_number.values()}
        households: dict[int, Household] = {}
        self.visible: set[int] = set()
        self.sizes: dict[int, int] = {}
        for chunk in _chunks(sorted(known)):
            for household in Household.objects.filter(pk__in=chunk).select_related("union", "head"):
                households[household.pk] = household
            visible = Household.objects.filter(pk__in=chunk)
            if self.actor is not None:
                visible = Household.objects.visible_to(self.actor).filter(pk__in=chunk)
            self.visible.update(visible.values_list("pk", flat=True))
            counts = Member.objects.filter(household_id__in=chunk).values("household_id")
            for item in counts.annotate(count=Count("id")):
                self.sizes[item["household_id"]] = item["count"]
        for member in self.held.values():  # each household loaded once, with union and head
            member.household = households[member.household_id]
        for number, household in self.by_number.items():
            self.by_number[number] = households[household.pk]

    def held_message(self, number: str) -> str:
        """The refusal services.ensure_not_registered gives for a person held elsewhere."""
        try:
            services.ensure_not_registered(id_numbers=[number], actor=self.actor)
        except services.PersonAlreadyRegistered as refusal:
            return refusal.message
        return _("This person is already registered in another household.")

    def union_for(self, text: str) -> Union | None:
        for candidate in _union_candidates(text):
            if candidate in self.union_keys:
                return self.union_keys[candidate]
        return None

    def plan_household(self, row: _Row) -> PlannedHousehold | None:
        sheet = self.households_sheet
        values = row.values
        number = values.get("file_number", "")
        head_id = values.get("id_number")
        existing = None
        if number and number in self.by_number:
            existing = self.by_number[number]
            if existing.pk not in self.visible:
                message = _(
                    "File number %(number)s is not among the files you may change. Leave "
                    "档案编号 blank for a new file."
                ) % {"number": number}
                self.error(sheet, row.number, "file_number", message)
                return None
            head_number = existing.head.id_number if existing.head else ""
            if row.masked_id and row.masked_id == resident_ids.mask(head_number):
                head_id = head_number  # a row of our own export, its ID masked
            elif head_id != head_number:
                self.error(sheet, row.number, "id_number", _head_mismatch(existing))
                return None
        if row.masked_id and head_id is None:
            message = _("The ID is masked (with *). Write the full 18-character resident ID.")
            self.error(sheet, row.number, "id_number", message)
            return None
        if existing is None and head_id in self.held:
            held = self.held[head_id]
            if number or held.relation != Relation.SELF or held.household_id not in self.visible:
                self.error(sheet, row.number, "id_number", self.held_message(head_id))
                return None
            existing = held.household
        union = existing.union if existing else self.default_union
        if "union" in values:
            union = self.union_for(values["union"])
            if union is None:
                self.error(sheet, row.number, "union", _union_message(values["union"]))
                return None
        if existing is None:
            return self.plan_new(row, union, head_id, number)
        return self.plan_existing(row, union, existing)

    def plan_new(
        self, row: _Row, union: Union, head_id: str, number: str
    ) -> PlannedHousehold | None:
        values = row.values
        missing = [key for key in NEW_FILE_REQUIRED if key not in values]
        for key in missing:
            message = _("A new file needs this value: fill it in.")
            self.error(self.households_sheet, row.number, key, message)
        if missing:
            return None
        fields = {key: values[key] for key in HOUSEHOLD_FIELDS if key in values}
        head = PlannedMember(MemberData(name=values["name"], id_number=head_id), row=None)
        return PlannedHousehold(
            row=row.number,
            union=union,
            head=head,
            values=fields,
            file_number=number,
            registered_on=values.get("registered_on") or self.today,
            category=values.get("category", ""),
            size_given="size" in values,
        )

    def plan_existing(self, row: _Row, union: Union, existing: Household) -> PlannedHousehold:
        sheet = self.households_sheet
        planned = self.planned_existing(existing, row=row.number)
        values = dict(row.values)
        if union.pk != existing.union_id:
            planned.values["union"] = union
            planned.changed.append(sheet.header("union"))
        for key in HOUSEHOLD_FIELDS:
            if key not in values:
                continue
            old, new = getattr(existing, key), values[key]
            if key == "causes" and set(old) == set(new):
                continue
            if old != new:
                planned.values[key] = new
                planned.changed.append(sheet.header(key))
        planned.size_given = "size" in values
        if values["name"] != planned.head.data.name:
            planned.head.data.name = values["name"]
            planned.head.changed.append(sheet.header("name"))
        category = values.get("category")
        if category and category != existing.category:
            if existing.category:
                message = _(
                    "The file's category is %(old)s; the import does not change it to %(new)s. "
                    "Classify the file on its page."
                ) % {"old": word("category", existing.category), "new": word("category", category)}
            else:
                message = _(
                    "The file has no category yet and the import sets the category of new files "
                    "only. Classify the file on its page."
                )
            place = RowError(sheet.title, row.number, sheet.header("category"), message)
            self.plan.notes.append(str(place))
        return planned

    def planned_existing(self, existing: Household, *, row: int | None) -> PlannedHousehold:
        head = existing.head
        data = MemberData(**{name: getattr(head, name) for name in services.MEMBER_FIELDS})
        return PlannedHousehold(
            row=row,
            union=existing.union,
            head=PlannedMember(data, existing=head),
            existing=existing,
        )

    def plan_member(self, row: _Row, by_head: dict, failed_heads: set) -> None:
        sheet = self.members_sheet
        values = row.values
        head_id, number = values["head_id_number"], values["id_number"]
        target = by_head.get(head_id)
        if target is None:
            if head_id in failed_heads:
                return  # the household row's own error says what to fix
            held = self.held.get(head_id)
            if held and held.relation == Relation.SELF and held.household_id in self.visible:
                target = self.planned_existing(held.household, row=None)
                self.plan.households.append(target)
                by_head[head_id] = target
            else:
                message = _(
                    "No household with the head's ID %(masked)s is in 户信息 or among your "
                    "files. Add the household to 户信息 first."
                ) % {"masked": resident_ids.mask(head_id)}
                self.error(sheet, row.number, "head_id_number", message)
                return
        if number == head_id:
            relation = values.get("relation", Relation.SELF)
            if relation != Relation.SELF:
                message = _(
                    "This row is the head of the household: its relation must be 户主本人 or blank."
                )
                self.error(sheet, row.number, "relation", message)
                return
            target.head.row = row.number
            self.overlay(target.head, values)
            return
        relation = values.get("relation")
        if relation == Relation.SELF:
            message = _("A household has one head; list the others with their relation.")
            self.error(sheet, row.number, "relation", message)
            return
        held = self.held.get(number)
        if held and not (target.existing and held.household_id == target.existing.pk):
            self.error(sheet, row.number, "id_number", self.held_message(number))
            return
        if held:
            data = MemberData(**{name: getattr(held, name) for name in services.MEMBER_FIELDS})
            member = PlannedMember(data, row=row.number, existing=held)
            if values["name"] != data.name:
                data.name = values["name"]
                member.changed.append(sheet.header("name"))
            if relation and relation != data.relation:
                data.relation = relation
                member.changed.append(sheet.header("relation"))
        else:
            if relation is None:
                self.error(sheet, row.number, "relation", _("This cell must be filled in."))
                return
            data = MemberData(name=values["name"], id_number=number, relation=relation)
            member = PlannedMember(data, row=row.number)
        if self.overlay(member, values):
            target.members.append(member)

    def overlay(self, member: PlannedMember, values: dict) -> bool:
        """The member sheet's details over the member's stored (or default) values; False
        when they contradict each other."""
        sheet = self.members_sheet
        details = {key: values[key] for key in MEMBER_DETAILS if key in values}
        if "disability_level" in details:
            health = details.get("health")
            if health is None:
                details["health"] = Health.DISABLED
            elif health != Health.DISABLED:
                message = _(
                    "A disability level is given but the health is not 残疾: correct one of them."
                )
                self.error(sheet, member.row, "disability_level", message)
                return False
        for key, value in details.items():
            if getattr(member.data, key) != value:
                setattr(member.data, key, value)
                if member.existing is not None:
                    member.changed.append(sheet.header(key))
        return True

    def finish(self, planned: PlannedHousehold) -> None:
        """Size against the people listed, and the model's own validation of what is new."""
        sheet = self.households_sheet
        people = 1 + len(planned.members)
        if planned.existing is not None:
            people = self.sizes.get(planned.existing.pk, 1) + sum(
                1 for member in planned.members if member.existing is None
            )
            size = planned.values.get("size", planned.existing.size)
        else:
            size = planned.values.setdefault("size", people)
        if planned.size_given and size < people:
            message = _(
                "The household size (%(size)d) is smaller than the %(count)d people listed."
            ) % {"size": size, "count": people}
            self.error(sheet, planned.row, "size", message)
            return
        if size < people:  # new members without a new size: the size grows, as member_add does
            planned.values["size"] = people
            planned.changed.append(sheet.header("size"))
        if planned.existing is None:
            household = Household(
                union=planned.union,
                file_number=planned.file_number or "0",
                registered_on=planned.registered_on,
                category=planned.category,
                **planned.values,
            )
            self.validate(household, sheet, planned.row, exclude=HOUSEHOLD_UNCHECKED)
            planned.instance = household
        elif planned.values:
            household = copy.copy(planned.existing)
            for key, value in planned.values.items():
                setattr(household, key, value)
            self.validate(household, sheet, planned.row, exclude=HOUSEHOLD_UNCHECKED)
        for member in [planned.head, *planned.members]:
            if member.existing is None or member.changed:
                instance = Member(name_initials="", **member.data.values())
                member_sheet = self.members_sheet if member.row else sheet
                row = member.row or planned.row
                self.validate(instance, member_sheet, row, exclude=MEMBER_UNCHECKED)
                member.instance = instance

    def validate(self, instance, sheet: Sheet, row: int | None, *, exclude: list[str]) -> None:
        try:
            instance.clean_fields(exclude=exclude)
        except ValidationError as error:
            keys = {column.key for column in COLUMNS[sheet.kind]}
            for name, messages in error.message_dict.items():
                key = name if name in keys else ""
                self.error(sheet, row, key, "；".join(messages))


def _chunks(items: list, size: int = 900):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _union_key(text: str) -> str:
    return resident_ids.normalise(text).upper()


def _union_candidates(text: str) -> list[str]:
    """The whole cell, then its parts: "1301 甲厂工会", "1301-甲厂工会"."""
    parts = [part for part in re.split(r"[\s\-_:：·|/]+", text) if part]
    return [_union_key(text), *(_union_key(part) for part in parts)]


def _union_message(value: str) -> str:
    return _(
        "No union “%(value)s” that you may import into. Write the code or the name of a "
        "grassroots union you work for."
    ) % {"value": value}


def _head_mismatch(existing: Household) -> str:
    head = existing.head
    return _(
        "File %(number)s belongs to %(name)s (%(masked)s), not to this ID. To correct a "
        "resident ID, change it on the file's page."
    ) % {
        "number": existing.file_number,
        "name": head.name if head else "—",
        "masked": resident_ids.mask(head.id_number) if head else "—",
    }


def plan_import(
    source,
    *,
    actor: User,
    union: Union,
    source_name: str = "",
    register_directly: bool = False,
) -> ImportPlan:
    """Read and check the whole workbook; nothing is written. New families are planned as
    registration applications, or with `register_directly` (a supervisor's) as files."""
    planner = _Planner(
        actor=actor, union=union, source_name=source_name, register_directly=register_directly
    )
    return planner.run(source)


def _direct_refusal() -> RowError:
    return RowError(
        HOUSEHOLD_SHEET,
        None,
        "",
        _(
            "Only a supervisor may enter files approved on paper. Without that choice, new "
            "families are filed as registration applications."
        ),
    )


# --- Applying ---------------------------------------------------------------------------------


@transaction.atomic
def apply_import(plan: ImportPlan, *, actor: User) -> None:
    """Write a plan without errors, all or nothing, checking again what can have changed since
    it was made (the preview may be hours old)."""
    if plan.errors:
        raise ImportFailed(plan.errors[0])
    if plan.register_directly and not may_register_directly(actor):
        raise ImportFailed(_direct_refusal())
    _ensure_still_allowed(plan, actor=actor)
    new = plan.with_action("create")
    _ensure_nobody_filed_meanwhile(plan, new, actor=actor)
    if plan.register_directly:
        _create(plan, new, actor=actor)
    elif new:
        REGISTRATION_WORKFLOW["file"](actor=actor, families=new, source_name=plan.source_name)
    _update(plan.with_action("update"), actor=actor)
    plan.applied = True


def _ensure_still_allowed(plan: ImportPlan, *, actor: User) -> None:
    """The actor may still import into each new family's union and change each file."""
    unions = set(importable_unions(actor).values_list("pk", flat=True))
    refused = next(
        (p for p in plan.households if p.existing is None and p.union.pk not in unions), None
    )
    if refused is not None:
        raise ImportFailed(
            RowError(HOUSEHOLD_SHEET, refused.row, "", _union_message(refused.union.name))
        )
    pks = sorted({p.existing.pk for p in plan.households if p.existing is not None})
    for chunk in _chunks(pks):
        visible = set(
            Household.objects.visible_to(actor).filter(pk__in=chunk).values_list("pk", flat=True)
        )
        for planned in plan.households:
            if planned.existing is not None and planned.existing.pk in set(chunk) - visible:
                message = _(
                    "File number %(number)s is not among the files you may change. Leave "
                    "档案编号 blank for a new file."
                ) % {"number": planned.existing.file_number}
                raise ImportFailed(RowError(HOUSEHOLD_SHEET, planned.row, "", message))


def _ensure_nobody_filed_meanwhile(
    plan: ImportPlan, new: list[PlannedHousehold], *, actor: User
) -> None:
    """Nobody new in the plan was registered or filed for registration since it was made."""
    people = {
        member.data.id_number: (MEMBER_SHEET, member.row)
        if member.row
        else (HOUSEHOLD_SHEET, planned.row)
        for planned in plan.households
        for member in [planned.head, *planned.members]
        if member.existing is None
    }
    if not people:
        return
    if not plan.register_directly:  # bulk_create's unique IDs catch it for new files
        for chunk in _chunks(sorted(people)):
            if Member.objects.filter(id_number__in=chunk).exists():
                raise ImportFailed(_conflict())
    refusals = REGISTRATION_WORKFLOW["refusals"](id_numbers=list(people), actor=actor)
    for number, message in refusals.items():
        sheet, row = people[number]
        raise ImportFailed(RowError(sheet, row, "", message))


def _create(plan: ImportPlan, new: list[PlannedHousehold], *, actor: User) -> None:
    """Files approved on paper, entered directly (a supervisor's choice)."""
    if not new:
        return
    list(Union.objects.select_for_update().filter(pk__in={p.union.pk for p in new}).order_by("pk"))
    _number(new)
    households = []
    for planned in new:
        household = planned.instance
        household.file_number = planned.file_number
        households.append(household)
    try:
        Household.objects.bulk_create(households, batch_size=BATCH)
        members = []
        names: dict[str, str] = {}
        for planned, household in zip(new, households, strict=True):
            for member in [planned.head, *planned.members]:
                name = member.instance.name
                if name not in names:
                    names[name] = initials(name)
                member.instance.household = household
                member.instance.name_initials = names[name]
                members.append(member.instance)
        Member.objects.bulk_create(members, batch_size=BATCH)
    except IntegrityError:  # someone registered one of these people or numbers meanwhile
        raise ImportFailed(_conflict()) from None
    # Each new file points at its head: one UPDATE per chunk, the head found by the database.
    heads = Member.objects.filter(household=OuterRef("pk"), relation=Relation.SELF)
    for chunk in _chunks([household.pk for household in households]):
        Household.objects.filter(pk__in=chunk).update(head=Subquery(heads.values("pk")[:1]))
    for planned, household in zip(new, households, strict=True):
        household.head = planned.head.instance
    category_label = str(Household._meta.get_field("category").verbose_name)
    note = _("Entered by %(actor)s from %(file)s, approved on paper") % {
        "actor": actor,
        "file": plan.source_name or "Excel",
    }
    HouseholdEvent.objects.bulk_create(
        [
            HouseholdEvent(
                household=household,
                actor=actor,
                action=EventAction.IMPORT_CREATED,
                changes={category_label: ["", household.get_category_display()]}
                if household.category
                else {},
                note=f"{household.file_number} · {note}",
            )
            for household in households
        ],
        batch_size=BATCH,
    )


def _number(new: list[PlannedHousehold]) -> None:
    """File numbers for rows without one, after the highest in use (in the file or stored)."""
    given = {planned.file_number for planned in new if planned.file_number}
    sequences: dict[tuple[int, int], tuple[str, int]] = {}
    for planned in new:
        if planned.file_number:
            continue
        key = (planned.union.pk, planned.registered_on.year)
        if key not in sequences:
            first = services.next_file_number(union=planned.union, year=key[1])
            prefix = first.rsplit("-", 1)[0] + "-"
            sequence = int(first.rsplit("-", 1)[1])
            for number in given:
                tail = number.removeprefix(prefix)
                if number.startswith(prefix) and tail.isdigit():
                    sequence = max(sequence, int(tail) + 1)
            sequences[key] = (prefix, sequence)
        prefix, sequence = sequences[key]
        while f"{prefix}{sequence:05d}" in given:
            sequence += 1
        planned.file_number = f"{prefix}{sequence:05d}"
        sequences[key] = (prefix, sequence + 1)


def _update(updates: list[PlannedHousehold], *, actor: User | None) -> None:
    """Changed files in bulk: each row locked and compared again with the services' own diff,
    one timeline event per changed file or member, as household_update, member_update and
    member_add record them."""
    if not updates:
        return
    events: list[HouseholdEvent] = []
    locked = _locked(Household, [p.existing.pk for p in updates if p.values])
    changed = []
    for planned in updates:
        if planned.values:
            household = locked[planned.existing.pk]
            _ensure_unchanged(household, planned.existing, HOUSEHOLD_SNAPSHOT, planned)
            changes = services.apply_changes(household, planned.values, services.TRACKED_FIELDS)
            if changes.after:
                changed.append((household, set(changes.after)))
                labelled = services.labelled_changes(household, changes)
                events.append(_event(household.pk, actor, EventAction.IMPORTED, labelled))
    _save_changed(Household, changed)
    people = [(p, m) for p in updates for m in [p.head, *p.members] if m.existing and m.changed]
    locked = _locked(Member, [member.existing.pk for _planned, member in people])
    changed = []
    for planned, planned_member in people:
        member = locked[planned_member.existing.pk]
        _ensure_unchanged(member, planned_member.existing, services.MEMBER_FIELDS, planned)
        changes = services.apply_changes(
            member, planned_member.data.values(), services.MEMBER_FIELDS
        )
        if changes.after:
            member.name_initials = initials(member.name)
            changed.append((member, {*changes.after, "name_initials"}))
            labelled = services.labelled_changes(member, changes)
            event = _event(member.household_id, actor, EventAction.MEMBER_CHANGED, labelled)
            event.note = member.name
            events.append(event)
    _save_changed(Member, changed)
    added = []
    for planned in updates:
        for planned_member in planned.members:
            if planned_member.existing is None:
                member = planned_member.instance
                member.household = planned.existing
                member.name_initials = initials(member.name)
                added.append(member)
                event = _event(planned.existing.pk, actor, EventAction.MEMBER_ADDED, {})
                event.note = f"{member.name}（{member.get_relation_display()}）"
                events.append(event)
    try:
        Member.objects.bulk_create(added, batch_size=BATCH)
    except IntegrityError:
        raise ImportFailed(_conflict()) from None
    _check_sizes([planned.existing.pk for planned in updates])
    HouseholdEvent.objects.bulk_create(events, batch_size=BATCH)


def _ensure_unchanged(row, planned_from, names: list[str], planned: PlannedHousehold) -> None:
    """The stored row is as it was when the plan was made: the plan writes whole values, so it
    would otherwise undo someone's change made since the preview."""
    if all(getattr(row, name) == getattr(planned_from, name) for name in names):
        return
    message = _(
        "File %(number)s was changed after the preview. Nothing was saved: upload the workbook "
        "again to see the file as it is now."
    ) % {"number": planned.existing.file_number}
    raise ImportFailed(RowError(HOUSEHOLD_SHEET, planned.row, "", message))


def _locked(model, pks: list[int]) -> dict:
    rows = {}
    for chunk in _chunks(sorted(pks)):
        for row in model.objects.select_for_update().filter(pk__in=chunk).order_by("pk"):
            rows[row.pk] = row
    return rows


def _save_changed(model, changed: list[tuple]) -> None:
    """Save (row, changed field names) pairs in bulk."""
    fields = sorted({name for _row, names in changed for name in names})
    if changed:
        model.objects.bulk_update([row for row, _names in changed], fields, batch_size=BATCH)


def _event(household_id: int, actor: User | None, action: str, changes: dict) -> HouseholdEvent:
    return HouseholdEvent(household_id=household_id, actor=actor, action=action, changes=changes)


def _check_sizes(pks: list[int]) -> None:
    """No file ends with fewer places than people (someone may have changed it meanwhile)."""
    for chunk in _chunks(sorted(pks)):
        crowded = (
            Household.objects.filter(pk__in=chunk)
            .annotate(people=Count("members"))
            .filter(people__gt=F("size"))
            .first()
        )
        if crowded:
            message = _(
                "The household size (%(size)d) is smaller than the %(count)d people listed."
            ) % {"size": crowded.size, "count": crowded.people}
            raise ImportFailed(RowError(HOUSEHOLD_SHEET, None, "", message))


def _conflict() -> RowError:
    return RowError(
        HOUSEHOLD_SHEET,
        None,
        "",
        _(
            "Someone registered one of these people or file numbers while the import ran; "
            "nothing was saved. Run the import again."
        ),
    )


# --- Both -------------------------------------------------------------------------------------


def import_households(
    source,
    *,
    actor: User,
    union: Union,
    source_name: str = "",
    register_directly: bool = False,
    dry_run: bool = False,
) -> ImportPlan:
    """Plan, and unless it is a dry run or there are errors, apply. The plan says what happened."""
    plan = plan_import(
        source,
        actor=actor,
        union=union,
        source_name=source_name,
        register_directly=register_directly,
    )
    if plan.errors or dry_run:
        return plan
    return confirm_import(plan, actor=actor)


def confirm_import(plan: ImportPlan, *, actor: User) -> ImportPlan:
    """Apply a plan made earlier (the preview's); a refusal is added to its errors."""
    try:
        apply_import(plan, actor=actor)
    except ImportFailed as failure:
        plan.errors.append(failure.error)
    return plan
