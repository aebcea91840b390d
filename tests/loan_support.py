"""Building blocks for the micro-loan tests: a loan programme with its funds, a loan application
taken through the notice to approval, a disbursed loan."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from cases import services as case_services
from cases.models import Application
from helpcenter.demo import DemoPeople
from relief import lending
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
from tests.ledger_support import approver

_ids = DemoPeople(seed=31)

DISBURSED_ON = date(2025, 1, 10)
FIRST_DUE = date(2025, 2, 10)


def loan_programme(*, fund_amount: str = "1000000.00", **fields) -> LoanProgramme:
    """12,000–50,000 元 (100,000 with ten laid-off workers employed), 12 or 24 months, equal
    principal at 6 % with the borrower paying at most 2 %; one or two guarantors (workers or
    public staff), each for at least half the principal, two open guarantees at most."""
    ledger_programme, _ = Programme.objects.get_or_create(
        code="micro-loans",
        defaults={"name": "小额借款", "kind": ProgrammeKind.OTHER, "active": False},
    )
    fund, _ = Fund.objects.get_or_create(
        code="revolving", defaults={"name": "扶贫帮困周转金", "kind": FundKind.UNION}
    )
    subsidy_fund, _ = Fund.objects.get_or_create(
        code="loan-subsidy", defaults={"name": "贴息资金", "kind": FundKind.CENTRAL}
    )
    FundYear.objects.get_or_create(
        fund=fund, year=timezone.localdate().year, defaults={"amount": Decimal(fund_amount)}
    )
    values = {
        "name": f"创业小额借款{LoanProgramme.objects.count() + 1}",
        "lender_kind": LenderKind.REVOLVING_FUND,
        "ledger_programme": ledger_programme,
        "amount_min": Decimal("10000.00"),
        "amount_max": Decimal("50000.00"),
        "amount_max_employing": Decimal("100000.00"),
        "employing_at_least": 10,
        "terms": [12, 24],
        "method": LoanMethod.EQUAL_PRINCIPAL,
        "annual_rate": Decimal("0.06"),
        "borrower_rate_cap": Decimal("0.02"),
        "guarantors_min": 1,
        "guarantors_max": 2,
        "guarantor_kinds": [GuarantorKind.WORKER, GuarantorKind.PUBLIC_STAFF],
        "guarantor_min_share": Decimal("50.00"),
        "guarantor_max_open_loans": 2,
        "fund": fund,
        "subsidy_fund": subsidy_fund,
        "write_off_after_days": 360,
    }
    values.update(fields)
    return LoanProgramme.objects.create(**values)


def guarantor(*, name: str = "", id_number: str = "", kind=GuarantorKind.PUBLIC_STAFF, share="100"):
    return lending.GuarantorData(
        kind=kind,
        name=name or _ids.name(),
        id_number=id_number or _ids.resident_id(),
        share=Decimal(share),
        work_unit="县第一中学",
    )


def file_loan(people, *, household=None, programme=None, principal="12000.00", term=12, **extra):
    household = household or people.household_a
    filer = people.caseworker_a if household.union_id == people.union_a.pk else people.caseworker_b
    values = {
        "purpose": "开办早餐店",
        "business_plan": "租门面一间，购置设备，雇工二人。",
        "laid_off_employed": 0,
        "guarantors": [guarantor()],
    }
    values.update(extra)
    return lending.loan_application_file(
        actor=filer,
        household=household,
        programme=programme or loan_programme(),
        principal=Decimal(principal),
        term_months=term,
        **values,
    )


def through_notice(people, application: Application) -> Application:
    """Submitted, reviewed, posted and past its notice: awaiting approval."""
    filer = application.filed_by
    case_services.application_submit(actor=filer, application=application)
    case_services.application_review(actor=people.supervisor, application=application)
    notice = case_services.notice_create(
        actor=people.supervisor,
        union=application.union,
        title=f"小额借款公示{Application.objects.count()}-{application.pk}",
        place="工会公示栏",
        contact="县总工会 0000-12351",
        start_on=timezone.localdate() - timedelta(days=30),
        working_days=5,
        applications=[application],
    )
    notice = case_services.notice_publish(
        actor=people.supervisor, notice=notice, today=notice.start_on
    )
    case_services.notice_close(notice=notice)
    return Application.objects.get(pk=application.pk)


def approved_loan(people, **filing) -> Loan:
    application = through_notice(people, file_loan(people, **filing))
    case_services.application_approve(actor=approver(people), application=application)
    return Loan.objects.get(application=application)


def disbursed_loan(people, *, disbursed_on=DISBURSED_ON, first_due=FIRST_DUE, **filing) -> Loan:
    loan = approved_loan(people, **filing)
    lending.loan_disburse(
        actor=people.finance, loan=loan, disbursed_on=disbursed_on, first_due=first_due
    )
    return Loan.objects.get(pk=loan.pk)
