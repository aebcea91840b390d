"""Who gets what from a relief programme, and why, in words: the one place that decides.

Two halves, as for the loan schedule:
- `decide(...)` is a pure function of plain facts (the programme's rules, its tiers in force,
  the household's status and classification, what is asked, what the household already received
  this year and any earlier grant for the same study). No database: tests check it against
  figures computed by hand.
- `decide_for(...)` reads those facts from the database and calls `decide`. The application form
  (a preview before the caseworker submits), the filing service, the approval re-check and
  campaigns all call it, so a rule lives here once.

Rules:
- 先建档、后帮扶: a programme helps registered households only, unless its `registered_only`
  switch is off; then a household outside the register (exited, removed) is matched against the
  tiers marked `for_registered=False` (a registered one against the others).
- A tier matches when each of its criteria (category, degree, school stage of the student,
  medical case) is empty or equals the fact; among matches the most specific wins (the most
  criteria set), then the first in order.
- A fixed tier grants its amount; a ceiling tier (`is_ceiling`) grants the caseworker's amount,
  at most the tier's. Goods come with the tier as listed, valued at their unit values.
- The yearly cap per person counts cash and goods: what the ledger paid this calendar year
  (payments less reversals) plus what was approved and not yet paid. "Per person" is the patient
  where the programme names one (medical aid: each stay of the same patient adds up, lines of the
  household not traceable to a patient count too, so nothing escapes the cap); otherwise the
  household (the worker, who is the one person who applies).
- Tuition aid (`once_per_student_year`): once per student per school year, and never on top of
  another grant for the same study.
- An amount (cash and goods) above the programme's `county_approval_above` needs a county
  federation supervisor's approval.
- Money is Decimal with at most two decimals; zero, negative and over-precise amounts are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

TUITION = "tuition"
MEDICAL = "medical"


def yuan(value: Decimal) -> str:
    """1000 → "1,000"; 1000.5 → "1,000.50" (as the federation's tables write amounts)."""
    text = f"{Decimal(value).quantize(CENT):,.2f}"
    return text[:-3] if text.endswith(".00") else text


def money_refusal(value) -> str:
    """Why `value` is not an amount of money a caseworker may ask for ("" when it is)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return _("Enter the amount in yuan, e.g. 800 or 800.50.")
    if not amount.is_finite() or amount <= 0:
        return _("Enter an amount above 0 yuan.")
    if amount.as_tuple().exponent < -2:
        return _("Enter the amount to the fen at most (two decimals), e.g. 800.50.")
    return ""


# --- The facts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeRules:
    name: str
    kind: str
    registered_only: bool = True
    yearly_cap_per_person: Decimal | None = None
    once_per_student_year: bool = False
    county_approval_above: Decimal | None = None


@dataclass(frozen=True)
class GoodsLine:
    item: str
    unit: str
    quantity: Decimal
    unit_value: Decimal

    @property
    def value(self) -> Decimal:
        return (self.quantity * self.unit_value).quantize(CENT)


@dataclass(frozen=True)
class TierRule:
    id: int | None
    name: str
    cash_amount: Decimal
    category: str = ""
    degree: str = ""
    school_stage: str = ""
    medical_case: str = ""
    for_registered: bool = True
    is_ceiling: bool = False
    goods: tuple[GoodsLine, ...] = ()

    @property
    def criteria(self) -> dict[str, str]:
        return {
            "category": self.category,
            "degree": self.degree,
            "school_stage": self.school_stage,
            "medical_case": self.medical_case,
        }


@dataclass(frozen=True)
class HouseholdFacts:
    registered: bool
    status_label: str = ""
    category: str = ""
    degree: str = ""
    category_label: str = ""
    degree_label: str = ""


@dataclass(frozen=True)
class RequestFacts:
    """What the caseworker asks for; the student's school stage comes from the family file."""

    cash_amount: Decimal | None = None
    student_name: str = ""
    school_stage: str = ""
    school_stage_label: str = ""
    school_year: int | None = None
    other_grant: bool = False
    medical_case: str = ""
    medical_case_label: str = ""
    patient_name: str = ""


@dataclass(frozen=True)
class Decision:
    eligible: bool
    tier: TierRule | None = None
    cash_amount: Decimal = ZERO
    goods: list[dict] = field(default_factory=list)
    goods_value: Decimal = ZERO
    reasons: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    needs_county_approval: bool = False
    received_this_year: Decimal = ZERO
    cap_left: Decimal | None = None
    missing_documents: list[str] = field(default_factory=list)
    on: date | None = None

    @property
    def total(self) -> Decimal:
        return self.cash_amount + self.goods_value

    def refusal(self) -> str:
        """The refusals in one sentence, for an error message."""
        return "；".join(self.refusals)

    def as_json(self) -> dict:
        """What ReliefRequest.decision keeps: the figures as strings, the reasons in words."""
        return {
            "eligible": self.eligible,
            "on": self.on.isoformat() if self.on else None,
            "tier": {"id": self.tier.id, "name": self.tier.name} if self.tier else None,
            "cash_amount": str(self.cash_amount),
            "goods": self.goods,
            "goods_value": str(self.goods_value),
            "reasons": self.reasons,
            "refusals": self.refusals,
            "needs_county_approval": self.needs_county_approval,
            "received_this_year": str(self.received_this_year),
            "cap_left": None if self.cap_left is None else str(self.cap_left),
            "missing_documents": self.missing_documents,
        }


# --- The decision -----------------------------------------------------------------------------


def _classification(household: HouseholdFacts) -> str:
    parts = [label for label in (household.category_label, household.degree_label) if label]
    return "·".join(parts) if parts else _("not classified")


def _matches(tier: TierRule, facts: dict[str, str]) -> bool:
    return all(not wanted or wanted == facts.get(name) for name, wanted in tier.criteria.items())


def _specificity(tier: TierRule) -> int:
    return sum(1 for value in tier.criteria.values() if value)


def match_tier(
    tiers: list[TierRule], *, household: HouseholdFacts, request: RequestFacts
) -> TierRule | None:
    """The most specific tier for these facts (ties: the first in order), or None."""
    facts = {
        "category": household.category,
        "degree": household.degree,
        "school_stage": request.school_stage,
        "medical_case": request.medical_case,
    }
    candidates = [
        tier
        for tier in tiers
        if tier.for_registered == household.registered and _matches(tier, facts)
    ]
    if not candidates:
        return None
    best = max(_specificity(tier) for tier in candidates)
    return next(tier for tier in candidates if _specificity(tier) == best)


def _goods(tier: TierRule) -> tuple[list[dict], Decimal]:
    lines = [
        {
            "item": line.item,
            "unit": line.unit,
            "quantity": str(line.quantity.normalize()),
            "value": str(line.value),
        }
        for line in tier.goods
        if line.quantity > 0
    ]
    return lines, sum((line.value for line in tier.goods), ZERO).quantize(CENT)


def _request_refusals(rules: ProgrammeRules, request: RequestFacts) -> list[str]:
    refusals = []
    if rules.kind == TUITION or rules.once_per_student_year:
        if not request.student_name:
            refusals.append(_("Choose the student (a member of the family) for tuition aid."))
        elif not request.school_stage:
            refusals.append(
                _(
                    "%(student)s has no school stage on the family file: record it on the "
                    "household's page first."
                )
                % {"student": request.student_name}
            )
        if request.school_year is None:
            refusals.append(_("Enter the school year (e.g. 2026 for 2026–2027)."))
        if request.other_grant:
            refusals.append(
                _(
                    "%(programme)s is never granted on top of another grant for the same study: "
                    "the student already receives one."
                )
                % {"programme": rules.name}
            )
    if rules.kind == MEDICAL:
        if not request.patient_name:
            refusals.append(_("Choose the patient (the worker or a member of the family)."))
        if not request.medical_case:
            refusals.append(_("Choose the medical case: a hospital stay with or without surgery."))
    return refusals


def decide(
    *,
    programme_rules: ProgrammeRules,
    tiers: list[TierRule],
    household_facts: HouseholdFacts,
    request: RequestFacts,
    received_this_year: Decimal = ZERO,
    already_granted_same_study: date | None = None,
    pending_same_study: date | None = None,
    on: date,
) -> Decision:
    """Eligibility and amount for one application, with the reasons in words (see the module)."""
    rules, household = programme_rules, household_facts
    received = Decimal(received_this_year).quantize(CENT)
    reasons: list[str] = []
    refusals: list[str] = []
    cap = rules.yearly_cap_per_person
    cap_left = None if cap is None else max(cap - received, ZERO).quantize(CENT)

    if not household.registered and rules.registered_only:
        refusals.append(
            _(
                "%(programme)s helps registered households only (先建档、后帮扶); this household "
                "is %(status)s. Register it first."
            )
            % {"programme": rules.name, "status": household.status_label}
        )
    refusals += _request_refusals(rules, request)
    if request.cash_amount is not None and (problem := money_refusal(request.cash_amount)):
        refusals.append(problem)
    if refusals:
        return Decision(
            eligible=False,
            reasons=reasons,
            refusals=refusals,
            received_this_year=received,
            cap_left=cap_left,
            on=on,
        )

    if rules.kind == TUITION or rules.once_per_student_year:
        if already_granted_same_study is not None:
            refusals.append(
                _(
                    "%(student)s already received %(programme)s for the %(year)s school year on "
                    "%(day)s: it is granted once per student per school year."
                )
                % {
                    "student": request.student_name,
                    "programme": rules.name,
                    "year": request.school_year,
                    "day": already_granted_same_study.isoformat(),
                }
            )
        elif pending_same_study is not None:
            refusals.append(
                _(
                    "%(student)s already has an application for %(programme)s for the %(year)s "
                    "school year, filed on %(day)s: continue that one instead."
                )
                % {
                    "student": request.student_name,
                    "programme": rules.name,
                    "year": request.school_year,
                    "day": pending_same_study.isoformat(),
                }
            )

    tier = match_tier(tiers, household=household, request=request)
    cash, goods, goods_value, tier_refusal = ZERO, [], ZERO, ""
    if tier is None:
        refusals.append(_no_tier(rules, household, request))
    else:
        cash, tier_refusal = _cash_of(tier, request)
        if tier_refusal:
            refusals.append(tier_refusal)
        goods, goods_value = _goods(tier)
        reasons.append(_tier_reason(rules, tier, household, request, cash, goods_value))
    total = (cash + goods_value).quantize(CENT)
    if tier is not None and not tier_refusal and total <= 0:
        refusals.append(_("This tier grants nothing: ask an administrator to correct it."))

    if rules.kind == TUITION or rules.once_per_student_year:
        reasons.append(
            _("%(student)s, %(year)s school year: no earlier grant for this study.")
            % {"student": request.student_name, "year": request.school_year}
            if not refusals
            else _("%(student)s, %(year)s school year.")
            % {"student": request.student_name, "year": request.school_year}
        )
    if cap is not None:
        who = request.patient_name or _("this household")
        reasons.append(
            _("%(who)s received %(received)s yuan this year; the cap is %(cap)s, %(left)s left.")
            % {"who": who, "received": yuan(received), "cap": yuan(cap), "left": yuan(cap_left)}
        )
        if tier is not None and total > cap_left:
            refusals.append(
                _(
                    "This application (%(amount)s yuan) is over the yearly cap: %(who)s received "
                    "%(received)s of %(cap)s yuan this year, %(left)s left. Ask for %(left)s yuan "
                    "at most."
                )
                % {
                    "amount": yuan(total),
                    "who": who,
                    "received": yuan(received),
                    "cap": yuan(cap),
                    "left": yuan(cap_left),
                }
            )
    else:
        reasons.append(
            _("Received from this programme this year: %(received)s yuan.")
            % {"received": yuan(received)}
        )
    needs_county = rules.county_approval_above is not None and total > rules.county_approval_above
    if needs_county:
        reasons.append(
            _("%(amount)s yuan is above %(limit)s yuan: it needs the county federation's approval.")
            % {"amount": yuan(total), "limit": yuan(rules.county_approval_above)}
        )
    return Decision(
        eligible=not refusals,
        tier=tier,
        cash_amount=cash,
        goods=goods,
        goods_value=goods_value,
        reasons=reasons,
        refusals=refusals,
        needs_county_approval=needs_county,
        received_this_year=received,
        cap_left=cap_left,
        on=on,
    )


def _cash_of(tier: TierRule, request: RequestFacts) -> tuple[Decimal, str]:
    """The cash granted under `tier` and, if the request does not fit it, why."""
    if not tier.is_ceiling:
        if request.cash_amount is not None and Decimal(request.cash_amount) != tier.cash_amount:
            return tier.cash_amount, _(
                "The tier %(tier)s grants a fixed %(amount)s yuan: leave the amount empty."
            ) % {"tier": tier.name, "amount": yuan(tier.cash_amount)}
        return tier.cash_amount.quantize(CENT), ""
    if request.cash_amount is None:
        return ZERO, _("Enter the amount: the tier %(tier)s grants up to %(amount)s yuan.") % {
            "tier": tier.name,
            "amount": yuan(tier.cash_amount),
        }
    cash = Decimal(request.cash_amount).quantize(CENT)
    if cash > tier.cash_amount:
        return cash, _(
            "%(asked)s yuan is above the tier %(tier)s, which grants at most %(amount)s yuan: "
            "ask for less."
        ) % {"asked": yuan(cash), "tier": tier.name, "amount": yuan(tier.cash_amount)}
    return cash, ""


def _tier_reason(
    rules: ProgrammeRules,
    tier: TierRule,
    household: HouseholdFacts,
    request: RequestFacts,
    cash: Decimal,
    goods_value: Decimal,
) -> str:
    if tier.school_stage:
        subject = f"{request.student_name}·{request.school_stage_label}"
    elif tier.medical_case:
        subject = f"{request.patient_name}·{request.medical_case_label}"
    else:
        subject = _classification(household)
    if not household.registered:
        subject = _("%(subject)s (outside the register)") % {"subject": subject}
    if tier.is_ceiling:
        text = _("%(subject)s: tier %(tier)s, up to %(ceiling)s yuan; %(cash)s yuan asked") % {
            "subject": subject,
            "tier": tier.name,
            "ceiling": yuan(tier.cash_amount),
            "cash": yuan(cash),
        }
    else:
        text = _("%(subject)s: tier %(tier)s, %(cash)s yuan") % {
            "subject": subject,
            "tier": tier.name,
            "cash": yuan(cash),
        }
    if goods_value:
        text += _(", with goods worth %(value)s yuan") % {"value": yuan(goods_value)}
    return text


def _no_tier(rules: ProgrammeRules, household: HouseholdFacts, request: RequestFacts) -> str:
    if rules.kind == TUITION or rules.once_per_student_year:
        return _(
            "%(programme)s has no tier for a student at %(stage)s: check the student's school "
            "stage, or ask an administrator."
        ) % {"programme": rules.name, "stage": request.school_stage_label or _("no school stage")}
    if rules.kind == MEDICAL:
        return _("%(programme)s has no tier for %(case)s: ask an administrator.") % {
            "programme": rules.name,
            "case": request.medical_case_label or request.medical_case,
        }
    return _(
        "%(programme)s has no tier in force for a household classified as "
        "%(classification)s%(outside)s: classify the household first, or ask an administrator "
        "to add a tier."
    ) % {
        "programme": rules.name,
        "classification": _classification(household),
        "outside": "" if household.registered else _(" outside the register"),
    }


# --- Reading the facts from the database --------------------------------------------------------


def decide_for(
    *,
    programme,
    household,
    on: date,
    cash_amount: Decimal | None = None,
    student=None,
    school_year: int | None = None,
    other_grant: bool = False,
    medical_case: str = "",
    patient=None,
    exclude_application=None,
) -> Decision:
    """The decision for `household` asking `programme` on day `on`, read from the database:
    the tiers in force that day, the household's status and classification, what it received
    this calendar year (the patient's, for medical aid), earlier grants for the same study, and
    the programme's proof documents the household has no document for. `exclude_application`
    (the application being edited or approved) is not counted against itself."""
    from relief.models import MedicalCase

    rules = programme_rules_of(programme)
    case_label = dict(MedicalCase.choices).get(medical_case, "") if medical_case else ""
    request = RequestFacts(
        cash_amount=cash_amount,
        student_name=student.name if student else "",
        school_stage=student.school_stage if student else "",
        school_stage_label=student.get_school_stage_display() if student else "",
        school_year=school_year,
        other_grant=other_grant,
        medical_case=medical_case or "",
        medical_case_label=str(case_label),
        patient_name=patient.name if patient else "",
    )
    granted, pending = (None, None)
    if student is not None and school_year is not None and rules.once_per_student_year:
        granted, pending = earlier_study_grants(
            programme=programme,
            student=student,
            school_year=school_year,
            exclude_application=exclude_application,
        )
    decision = decide(
        programme_rules=rules,
        tiers=tiers_in_force(programme, on=on),
        household_facts=household_facts_of(household),
        request=request,
        received_this_year=received_this_year(
            programme=programme,
            household=household,
            year=on.year,
            patient=patient if rules.kind == MEDICAL else None,
            exclude_application=exclude_application,
        ),
        already_granted_same_study=granted,
        pending_same_study=pending,
        on=on,
    )
    return replace(decision, missing_documents=missing_documents(programme, household))


def programme_rules_of(programme) -> ProgrammeRules:
    return ProgrammeRules(
        name=programme.name,
        kind=programme.kind,
        registered_only=programme.registered_only,
        yearly_cap_per_person=programme.yearly_cap_per_person,
        once_per_student_year=programme.once_per_student_year,
        county_approval_above=programme.county_approval_above,
    )


def tiers_in_force(programme, *, on: date) -> list[TierRule]:
    """The programme's tiers effective on `on`, in order, with their goods at the unit values
    of the goods items (a tier names the item; the value is the item's)."""
    from django.db.models import Q

    from relief.models import Tier

    in_force = (
        Tier.objects.filter(programme=programme, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .prefetch_related("goods__item")
        .order_by("position", "id")
    )
    return [
        TierRule(
            id=tier.pk,
            name=tier.name,
            cash_amount=tier.cash_amount,
            category=tier.category,
            degree=tier.degree,
            school_stage=tier.school_stage,
            medical_case=tier.medical_case,
            for_registered=tier.for_registered,
            is_ceiling=tier.is_ceiling,
            goods=tuple(
                GoodsLine(
                    item=line.item.name,
                    unit=line.item.unit,
                    quantity=line.quantity,
                    unit_value=line.item.unit_value,
                )
                for line in tier.goods.all()
            ),
        )
        for tier in in_force
    ]


def household_facts_of(household) -> HouseholdFacts:
    from households.choices import Status

    return HouseholdFacts(
        registered=household.status == Status.REGISTERED,
        status_label=str(household.get_status_display()),
        category=household.category,
        degree=household.degree,
        category_label=str(household.get_category_display()) if household.category else "",
        degree_label=str(household.get_degree_display()) if household.degree else "",
    )


def received_this_year(
    *, programme, household, year: int, patient=None, exclude_application=None
) -> Decimal:
    """What `household` (or, for medical aid, `patient`) received from `programme` in `year`,
    summed in the database: ledger lines dated that year (reversals are negative lines), plus
    what was approved that year and is not paid yet (an entitlement less its lines). Lines and
    entitlements not traceable to a patient count against every patient of the household."""
    from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
    from django.db.models.functions import Coalesce

    from relief.models import Disbursement, Entitlement

    lines = Disbursement.objects.filter(
        programme=programme, household=household, paid_on__year=year
    )
    entitlements = Entitlement.objects.filter(
        programme=programme, household=household, approved_at__year=year
    )
    if patient is not None:
        lines = lines.filter(
            Q(entitlement__application__relief__patient=patient)
            | Q(entitlement__application__relief__patient__isnull=True)
        )
        entitlements = entitlements.filter(
            Q(application__relief__patient=patient) | Q(application__relief__patient__isnull=True)
        )
    if exclude_application is not None:
        lines = lines.exclude(entitlement__application=exclude_application)
        entitlements = entitlements.exclude(application=exclude_application)
    money = DecimalField(max_digits=12, decimal_places=2)
    paid = lines.aggregate(total=Coalesce(Sum("amount"), Value(ZERO), output_field=money))
    paid_of = (
        Disbursement.objects.filter(entitlement=OuterRef("pk"))
        .order_by()
        .values("entitlement")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    owed = entitlements.annotate(
        paid=Coalesce(Subquery(paid_of, output_field=money), Value(ZERO), output_field=money)
    ).aggregate(total=Coalesce(Sum(F("amount") - F("paid")), Value(ZERO), output_field=money))
    return (paid["total"] + owed["total"]).quantize(CENT)


def earlier_study_grants(
    *, programme, student, school_year: int, exclude_application=None
) -> tuple[date | None, date | None]:
    """(the day an earlier grant for this student and school year was approved, the day an
    application for it still under way was filed), from any programme granted once per student
    year."""
    from django.db.models import Min, Q
    from django.utils import timezone

    from cases.models import State
    from relief.models import ReliefRequest

    same = ReliefRequest.objects.filter(
        student=student, school_year=school_year, programme__once_per_student_year=True
    ).exclude(application__state=State.REJECTED)
    if exclude_application is not None:
        same = same.exclude(application=exclude_application)
    approved = same.filter(application__state=State.APPROVED).aggregate(
        at=Min(
            "application__steps__at",
            filter=Q(application__steps__to_state=State.APPROVED),
        ),
        filed=Min("application__created_at"),
    )
    pending = same.exclude(application__state=State.APPROVED).aggregate(
        at=Min("application__created_at")
    )["at"]
    granted = approved["at"] or approved["filed"]
    return (
        timezone.localdate(granted) if granted else None,
        timezone.localdate(pending) if pending else None,
    )


def missing_documents(programme, household) -> list[str]:
    """The programme's proof documents of which the household has none on file."""
    from households.models import Document

    on_file = set(
        Document.objects.filter(household=household).values_list("document_type_id", flat=True)
    )
    return [
        document_type.name
        for document_type in programme.required_documents.order_by("position", "code")
        if document_type.pk not in on_file
    ]
