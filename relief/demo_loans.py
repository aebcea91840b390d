"""Demo micro-loans for `seed_demo`: a loan in every state, built through the same services the
pages use (relief.lending and the workflow of cases.services), so the demo obeys every rule.

- a revolving fund (扶贫帮困周转金) with this year's amount, the programme "小额借款" the ledger
  books loans under, and one loan programme (10,000–50,000 元, 100,000 with ten laid-off
  workers employed; 12 or 24 months; equal principal at 4.35 %, the borrower paying at most
  2 %; one or two guarantors);
- one application in review, one approved waiting to be paid out, one being repaid on time, one
  overdue, one repaid early with its subsidy paid, one written off with its guarantors'
  obligations; then the daily overdue task.

Idempotent: nothing is built once a loan exists. A loan whose rule refuses it in this county
(too few households, a closed month) is left out: the demo builds what it can.
"""

import logging
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from cases import services as case_services
from cases.models import Application
from helpcenter.demo import DemoPeople
from helpcenter.errors import DomainError
from helpcenter.models import User
from households.choices import Status
from households.models import Household
from relief import lending
from relief.demo import _caseworker, _staff
from relief.models import (
    Fund,
    FundKind,
    FundYear,
    GuarantorKind,
    LenderKind,
    Loan,
    LoanMethod,
    LoanProgramme,
    Programme,
    ProgrammeKind,
)

logger = logging.getLogger("helpcenter.relief")

# The states to build, in order: (name, days before today the loan was paid out).
PLAN = [
    ("applied", None),
    ("approved", None),
    ("current", 45),
    ("overdue", 130),
    ("repaid", 200),
    ("written_off", 520),
]


def seed_loans(*, people: DemoPeople, seed: int) -> int:
    """Build the demo's loans; returns how many were made."""
    if Loan.objects.exists():
        return 0
    staff = _staff()
    if staff is None:
        return 0
    today = timezone.localdate()
    programme = _programme(today.year)
    guarantors = DemoPeople(seed + 10)
    # Files that already have an application first, and one file at least left free of any
    # application (a small demo keeps files that can still be edited, exited or removed).
    registered = Household.objects.filter(status=Status.REGISTERED, head__isnull=False)
    households = (
        registered.select_related("head", "union")
        .annotate(applied=Exists(Application.objects.filter(household=OuterRef("pk"))))
        .order_by("-applied", "-id")[: max(registered.count() - 1, 0)]
    )
    made = 0
    for (state, days), household in zip(PLAN, households, strict=False):
        filer = _caseworker(household.union)
        if filer is None:
            continue
        try:
            with transaction.atomic():
                _loan_in_state(state, days, staff, filer, household, programme, guarantors, today)
            made += 1
        except DomainError as error:
            logger.info("demo loan %s left out: %s", state, error)
    lending.loans_mark_overdue(today=today)
    return made


def _programme(year: int) -> LoanProgramme:
    ledger_programme, _ = Programme.objects.get_or_create(
        code="micro-loans",
        defaults={"name": "小额借款", "kind": ProgrammeKind.OTHER, "active": False},
    )
    fund, _ = Fund.objects.get_or_create(
        code="revolving", defaults={"name": "扶贫帮困周转金", "kind": FundKind.UNION}
    )
    FundYear.objects.get_or_create(
        fund=fund, year=year, defaults={"amount": Decimal("500000.00"), "note": "演示数据"}
    )
    subsidy_fund = Fund.objects.filter(code="central").first() or fund
    programme, _ = LoanProgramme.objects.get_or_create(
        name="创业小额借款（周转金）",
        defaults={
            "lender_kind": LenderKind.REVOLVING_FUND,
            "ledger_programme": ledger_programme,
            "amount_min": Decimal("10000.00"),
            "amount_max": Decimal("50000.00"),
            "amount_max_employing": Decimal("100000.00"),
            "terms": [12, 24],
            "method": LoanMethod.EQUAL_PRINCIPAL,
            "annual_rate": Decimal("0.0435"),
            "borrower_rate_cap": Decimal("0.02"),
            "guarantors_min": 1,
            "guarantors_max": 2,
            "guarantor_kinds": [GuarantorKind.WORKER, GuarantorKind.PUBLIC_STAFF],
            "guarantor_min_share": Decimal("50.00"),
            "guarantor_max_open_loans": 2,
            "fund": fund,
            "subsidy_fund": subsidy_fund,
        },
    )
    return programme


def _loan_in_state(
    state: str,
    days: int | None,
    staff: dict[str, User],
    filer: User,
    household: Household,
    programme: LoanProgramme,
    guarantors: DemoPeople,
    today: date,
) -> None:
    application = lending.loan_application_file(
        actor=filer,
        household=household,
        programme=programme,
        principal=Decimal("20000.00"),
        term_months=12,
        purpose="开办小吃店",
        business_plan="租用门面一间，购置厨具，雇用两名下岗职工。",
        laid_off_employed=2,
        guarantors=[
            lending.GuarantorData(
                kind=GuarantorKind.PUBLIC_STAFF,
                name=guarantors.name(),
                id_number=guarantors.resident_id(),
                share=Decimal("100.00"),
                work_unit="县第一中学",
            )
        ],
    )
    case_services.application_submit(actor=filer, application=application)
    if state == "applied":
        return
    case_services.application_review(actor=staff["supervisor"], application=application)
    notice = case_services.notice_create(
        actor=staff["supervisor"],
        union=household.union,
        title=f"{household.union.name}小额借款公示（{household.head.name}）",
        place="工会公示栏",
        contact="县总工会 12351",
        start_on=today - timedelta(days=40),
        working_days=5,
        applications=[application],
    )
    notice = case_services.notice_publish(
        actor=staff["supervisor"], notice=notice, today=notice.start_on
    )
    case_services.notice_close(notice=notice, today=today)
    case_services.application_approve(actor=staff["approver"], application=application)
    if state == "approved":
        return
    loan = Loan.objects.get(application=application)
    disbursed_on = today - timedelta(days=days)
    lending.loan_disburse(
        actor=staff["finance"],
        loan=loan,
        disbursed_on=disbursed_on,
        first_due=disbursed_on + timedelta(days=30),
    )
    if state == "current":
        first = lending.loan_instalments(loan)[0]
        lending.loan_repay(
            actor=staff["finance"], loan=loan, amount=first.left, paid_on=first.instalment.due
        )
    elif state == "repaid":
        paid_on = today - timedelta(days=60)
        owed = lending.loan_owed(loan, on=paid_on).total
        lending.loan_repay(actor=staff["finance"], loan=loan, amount=owed, paid_on=paid_on)
        lending.loan_subsidy_pay(
            actor=staff["finance"], loan=loan, paid_on=today - timedelta(days=50)
        )
    elif state == "written_off":
        proposal = lending.write_off_propose(
            actor=staff["finance"], loan=loan, reason="经营失败，借款人无力偿还，多次催收无果。"
        )
        lending.write_off_approve(actor=staff["supervisor"], write_off=proposal)
