"""Micro-loans (relief.lending): filing, approval against the fund, disbursement with its
schedule, repayments allocated interest first, early repayment, overdue aging, the subsidy and
write-off. Every refusal leaves the database as it was.

The loan of these tests (tests/loan_support.py): 12,000 元 over 12 months, equal principal at
6 % a year, disbursed on 2025-01-10, first due 2025-02-10: 1,000 元 of principal a month and
interest of 60, 55, 50 … 5 元 (390 元 in all)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from cases.models import Application, Kind
from helpcenter.errors import DomainError
from helpcenter.models import Role, StaffRole
from households import services as household_services
from relief import lending
from relief.models import (
    Disbursement,
    FundYear,
    Guarantor,
    Instalment,
    LineKind,
    Loan,
    LoanState,
    Repayment,
    RepaymentAllocation,
    WriteOff,
)
from tests.factories import UserFactory
from tests.ledger_support import approver
from tests.loan_support import (
    DISBURSED_ON,
    FIRST_DUE,
    approved_loan,
    disbursed_loan,
    file_loan,
    guarantor,
    loan_programme,
    through_notice,
)

pytestmark = pytest.mark.django_db


def _counts() -> tuple:
    return (
        Application.objects.count(),
        Loan.objects.count(),
        Guarantor.objects.count(),
        Instalment.objects.count(),
        Repayment.objects.count(),
        RepaymentAllocation.objects.count(),
        Disbursement.objects.count(),
        WriteOff.objects.count(),
    )


def _refused(call, *, says: str = ""):
    """The call is refused saying `says` (matched on the English msgid: the Chinese is checked
    by tests/test_translations.py), and nothing changed."""
    before = _counts()
    with translation.override("en"), pytest.raises(DomainError) as error:
        call()
    assert _counts() == before
    assert says in error.value.message
    return error.value.message


# --- Filing ------------------------------------------------------------------------------------


def test_a_loan_application_is_filed_as_a_draft_with_its_guarantors(registry):
    people = registry
    application = file_loan(people, guarantors=[guarantor(name="王老师"), guarantor(share="50")])
    loan = application.loan
    assert application.kind == Kind.LOAN and application.state == "draft"
    assert application.requested_amount == Decimal("12000.00")
    assert loan.state == LoanState.APPLIED and loan.household == people.household_a
    assert (loan.annual_rate, loan.borrower_rate_cap) == (Decimal("0.06"), Decimal("0.02"))
    assert loan.guarantors.values_list("name", flat=True)[0] == "王老师"


@pytest.mark.parametrize(
    ("principal", "term", "employed", "says"),
    [
        ("9999.99", 12, 0, "10000.00"),
        ("60000.00", 12, 0, "only when the business employs 10"),
        ("100000.01", 12, 10, "100000.00"),
        ("12000.00", 18, 0, "12、24"),
        ("0", 12, 0, "above 0"),
        ("-5", 12, 0, "above 0"),
        ("12000.005", 12, 0, "more than two decimals"),
    ],
)
def test_amounts_and_terms_outside_the_programme_are_refused(
    registry, principal, term, employed, says
):
    programme = loan_programme()
    _refused(
        lambda: file_loan(
            registry,
            programme=programme,
            principal=principal,
            term=term,
            laid_off_employed=employed,
        ),
        says=says,
    )


def test_the_larger_loan_needs_ten_laid_off_workers_employed(registry):
    application = file_loan(registry, principal="80000.00", laid_off_employed=10)
    assert application.loan.principal == Decimal("80000.00")


def test_guarantors_not_meeting_the_rules_are_refused(registry):
    people = registry
    programme = loan_programme()
    cases = [
        ([], "from 1 to 2 guarantors"),
        ([guarantor(), guarantor(), guarantor()], "from 1 to 2 guarantors"),
        ([guarantor(kind="external")], "accepts guarantors of these kinds only"),
        ([guarantor(share="40")], "from 50.00 % to 100 %"),
        ([guarantor(id_number="110101199003071234")], "not valid"),
        (
            [guarantor(id_number=people.household_a.head.id_number)],
            "member of the borrower's household",
        ),
    ]
    for guarantors, says in cases:
        _refused(
            lambda g=guarantors: file_loan(people, programme=programme, guarantors=g), says=says
        )


def test_a_guarantor_of_too_many_open_loans_is_refused(registry):
    people = registry
    programme = loan_programme()
    busy = guarantor(name="钱七")
    file_loan(people, programme=programme, guarantors=[busy])
    file_loan(people, programme=programme, household=people.household_b, guarantors=[busy])
    _refused(
        lambda: file_loan(people, programme=programme, guarantors=[busy]),
        says="钱七 already guarantees 2 open loans",
    )


def test_a_borrower_with_an_overdue_loan_cannot_guarantee(registry):
    people = registry
    loan = disbursed_loan(people)
    lending.loans_mark_overdue(today=date(2025, 3, 1))
    head = people.household_a.head
    _refused(
        lambda: file_loan(
            people,
            household=people.household_b,
            guarantors=[guarantor(name=head.name, id_number=head.id_number)],
        ),
        says="19 days past due",
    )
    assert Loan.objects.get(pk=loan.pk).days_past_due == 19


def test_an_exited_household_cannot_apply(registry):
    people = registry
    household_services.household_exit(
        actor=people.supervisor,
        household=people.household_a,
        reason="已就业",
        follow_up_on=timezone.localdate() + timedelta(days=30),
    )
    _refused(lambda: file_loan(people), says="registered households only")


def test_a_caseworker_of_another_union_cannot_file(registry):
    people = registry
    _refused(
        lambda: lending.loan_application_file(
            actor=people.caseworker_b,
            household=people.household_a,
            programme=loan_programme(),
            principal=Decimal("12000.00"),
            term_months=12,
            purpose="开店",
            business_plan="计划",
            guarantors=[guarantor()],
        ),
        says="another union",
    )


# --- Approval ----------------------------------------------------------------------------------


def test_approval_through_the_notice_approves_the_loan(registry):
    loan = approved_loan(registry)
    assert loan.state == LoanState.APPROVED
    assert loan.approved_by == approver(registry)


def test_approval_beyond_the_fund_is_refused_with_the_figures(registry):
    people = registry
    programme = loan_programme(fund_amount="20000.00")
    approved_loan(people, programme=programme, principal="12000.00")
    application = through_notice(people, file_loan(people, programme=programme))
    from cases import services as case_services

    message = _refused(
        lambda: case_services.application_approve(actor=approver(people), application=application),
        says="8000.00 yuan left",
    )
    assert "12000.00 yuan out on loan" in message
    assert Loan.objects.get(application=application).state == LoanState.APPLIED


# --- Disbursement and the schedule -------------------------------------------------------------


def test_disbursement_stores_the_schedule_and_writes_a_loan_out_line(registry):
    loan = disbursed_loan(registry)
    instalments = list(loan.instalments.all())
    assert len(instalments) == 12
    assert [i.due for i in instalments[:2]] == [FIRST_DUE, date(2025, 3, 10)]
    assert sum(i.principal for i in instalments) == Decimal("12000.00")
    assert [i.interest for i in instalments[:3]] == [
        Decimal("60.00"),
        Decimal("55.00"),
        Decimal("50.00"),
    ]
    line = loan.disbursement_line
    assert (line.kind, line.amount, line.paid_on, line.loan) == (
        LineKind.LOAN_OUT,
        Decimal("12000.00"),
        DISBURSED_ON,
        loan,
    )
    assert line.fund == loan.programme.fund
    assert loan.state == LoanState.DISBURSED


def test_the_approver_may_not_pay_out_the_loan(registry):
    people = registry
    loan = approved_loan(people)
    StaffRole.objects.create(user=approver(people), role=Role.FINANCE)
    _refused(
        lambda: lending.loan_disburse(
            actor=approver(people), loan=loan, disbursed_on=DISBURSED_ON, first_due=FIRST_DUE
        ),
        says="may not",
    )


def test_disbursement_dates_are_checked(registry):
    people = registry
    loan = approved_loan(people)
    tomorrow = timezone.localdate() + timedelta(days=1)
    for disbursed_on, first_due, says in [
        (tomorrow, tomorrow + timedelta(days=30), "future"),
        (DISBURSED_ON, DISBURSED_ON, "first instalment"),
        (DISBURSED_ON, DISBURSED_ON + timedelta(days=120), "first instalment"),
    ]:
        _refused(
            lambda d=disbursed_on, f=first_due: lending.loan_disburse(
                actor=people.finance, loan=loan, disbursed_on=d, first_due=f
            ),
            says=says,
        )
    _refused(
        lambda: lending.loan_disburse(
            actor=people.caseworker_a, loan=loan, disbursed_on=DISBURSED_ON, first_due=FIRST_DUE
        ),
        says="Only",
    )


# --- Repayments --------------------------------------------------------------------------------


def _repay(people, loan, amount: str, on: date) -> Repayment:
    return lending.loan_repay(actor=people.finance, loan=loan, amount=Decimal(amount), paid_on=on)


def _allocated(repayment: Repayment) -> list[tuple[int, str, str]]:
    return [
        (a.instalment.number, str(a.interest), str(a.principal))
        for a in repayment.allocations.select_related("instalment")
    ]


def test_a_repayment_pays_the_oldest_instalment_interest_first(registry):
    people = registry
    loan = disbursed_loan(people)
    partial = _repay(people, loan, "30.00", date(2025, 2, 10))
    assert _allocated(partial) == [(1, "30.00", "0.00")]
    second = _repay(people, loan, "1100.00", date(2025, 3, 10))
    assert _allocated(second) == [(1, "30.00", "1000.00"), (2, "55.00", "15.00")]
    assert (second.line.kind, second.line.amount) == (LineKind.REPAYMENT, Decimal("1100.00"))
    first, two = lending.loan_instalments(loan)[:2]
    assert first.left == 0 and (two.interest_paid, two.principal_paid) == (
        Decimal("55.00"),
        Decimal("15.00"),
    )
    assert Loan.objects.get(pk=loan.pk).state == LoanState.DISBURSED


@pytest.mark.parametrize(
    ("amount", "on", "says"),
    [
        ("0", date(2025, 2, 10), "above 0"),
        ("-10", date(2025, 2, 10), "above 0"),
        ("10.005", date(2025, 2, 10), "more than two decimals"),
        ("10.00", date(2025, 1, 9), "cannot be dated before it"),
    ],
)
def test_bad_repayments_are_refused(registry, amount, on, says):
    people = registry
    loan = disbursed_loan(people)
    _refused(lambda: _repay(people, loan, amount, on), says=says)


def test_a_repayment_above_what_is_owed_is_refused_with_the_amount_owed(registry):
    people = registry
    loan = disbursed_loan(people)
    _repay(people, loan, "1060.00", date(2025, 2, 10))
    # Settling on 1 March: 11,000 principal + 11,000 × 6 % × 19 days ÷ 360 = 34.83 interest.
    message = _refused(lambda: _repay(people, loan, "11034.84", date(2025, 3, 1)), says="11034.83")
    assert "2025-03-01" in message


def test_early_full_repayment_charges_interest_to_the_day(registry):
    people = registry
    loan = disbursed_loan(people)
    _repay(people, loan, "1060.00", date(2025, 2, 10))
    owed = lending.loan_owed(loan, on=date(2025, 3, 1))
    assert (owed.total, owed.accrued_interest, owed.early) == (
        Decimal("11034.83"),
        Decimal("34.83"),
        True,
    )
    settled = _repay(people, loan, "11034.83", date(2025, 3, 1))
    loan.refresh_from_db()
    assert settled.early_settlement and loan.state == LoanState.REPAID
    assert loan.repaid_on == date(2025, 3, 1)
    waived = list(loan.instalments.values_list("interest_waived", flat=True))
    assert waived[0] == 0 and waived[1] == Decimal("20.17")  # 55 − 34.83
    assert sum(waived[2:]) == Decimal("275.00")  # 50 + 45 + … + 5
    assert lending.loan_outstanding(loan) == {
        "principal_repaid": Decimal("12000.00"),
        "interest_paid": Decimal("94.83"),
        "principal_outstanding": Decimal("0.00"),
    }
    assert all(row.left == 0 for row in lending.loan_instalments(loan))


def test_reversing_the_settlement_restores_the_interest(registry):
    people = registry
    loan = disbursed_loan(people)
    first = _repay(people, loan, "1060.00", date(2025, 2, 10))
    settled = _repay(people, loan, "11034.83", date(2025, 3, 1))
    _refused(
        lambda: lending.repayment_reverse(
            actor=people.finance, repayment=first, reason="录错", paid_on=date(2025, 3, 2)
        ),
        says="reverse it first",
    )
    reversal = lending.repayment_reverse(
        actor=people.finance, repayment=settled, reason="银行退回", paid_on=date(2025, 3, 2)
    )
    loan.refresh_from_db()
    assert reversal.amount == Decimal("-11034.83") and reversal.reverses == settled
    assert (reversal.line.kind, reversal.line.reverses) == (LineKind.REVERSAL, settled.line)
    assert loan.state == LoanState.DISBURSED and loan.repaid_on is None
    assert not loan.instalments.filter(interest_waived__gt=0).exists()
    assert lending.loan_outstanding(loan)["principal_repaid"] == Decimal("1000.00")
    _refused(
        lambda: lending.repayment_reverse(
            actor=people.finance, repayment=settled, reason="再次", paid_on=date(2025, 3, 2)
        ),
        says="already reversed",
    )


def test_repaying_in_full_over_the_term_pays_every_instalment(registry):
    people = registry
    loan = disbursed_loan(people)
    for row in lending.loan_instalments(loan):
        _repay(people, loan, str(row.left), row.instalment.due)
    loan.refresh_from_db()
    assert loan.state == LoanState.REPAID and loan.repaid_on == date(2026, 1, 10)
    assert lending.loan_outstanding(loan)["interest_paid"] == Decimal("390.00")
    assert not Repayment.objects.filter(loan=loan, early_settlement=True).exists()


# --- Overdue -----------------------------------------------------------------------------------


def test_overdue_aging_follows_the_date(registry):
    people = registry
    loan = disbursed_loan(people)
    steps = [
        (date(2025, 2, 10), 0, ""),
        (date(2025, 2, 11), 1, "1-30"),
        (date(2025, 5, 11), 90, "31-90"),
        (date(2025, 5, 12), 91, "91-180"),
        (date(2025, 8, 10), 181, "181-360"),
        (date(2026, 2, 6), 361, ">360"),
    ]
    for today, days, bucket in steps:
        assert lending.loans_mark_overdue(today=today) == (1 if days else 0)
        loan.refresh_from_db()
        assert (loan.days_past_due, lending.aging_bucket(loan.days_past_due)) == (days, bucket)
        assert loan.overdue_since == (FIRST_DUE if days else None)
    # Paying the first instalment moves the oldest unpaid one to 10 March.
    _repay(people, loan, "1060.00", date(2025, 3, 20))
    lending.loans_mark_overdue(today=date(2025, 3, 20))
    loan.refresh_from_db()
    assert (loan.overdue_since, loan.days_past_due) == (date(2025, 3, 10), 10)


# --- The subsidy -------------------------------------------------------------------------------


def test_the_subsidy_refunds_the_interest_above_the_cap(registry):
    people = registry
    loan = disbursed_loan(people)
    _refused(
        lambda: lending.loan_subsidy_pay(actor=people.finance, loan=loan, paid_on=date(2025, 3, 2)),
        says="this cannot be done now",
    )
    _repay(people, loan, "1060.00", date(2025, 2, 10))
    _repay(people, loan, "11034.83", date(2025, 3, 1))
    line = lending.loan_subsidy_pay(actor=people.finance, loan=loan, paid_on=date(2025, 3, 5))
    loan.refresh_from_db()
    # 94.83 interest paid × (6 % − 2 %) ÷ 6 % = 63.22
    assert (line.kind, line.amount, line.fund) == (
        LineKind.SUBSIDY,
        Decimal("63.22"),
        loan.programme.subsidy_fund,
    )
    assert loan.subsidy_line == line
    assert loan.subsidy_calculation["interest_paid"] == "94.83"
    assert loan.subsidy_calculation["subsidy"] == "63.22"
    _refused(
        lambda: lending.loan_subsidy_pay(actor=people.finance, loan=loan, paid_on=date(2025, 3, 5)),
        says="already been paid",
    )


def test_the_subsidy_of_a_loan_repaid_over_its_term(registry):
    people = registry
    loan = disbursed_loan(people)
    for row in lending.loan_instalments(loan):
        _repay(people, loan, str(row.left), row.instalment.due)
    line = lending.loan_subsidy_pay(actor=people.finance, loan=loan, paid_on=date(2026, 1, 12))
    assert line.amount == Decimal("260.00")  # 390 × 4 ÷ 6


def test_no_subsidy_when_the_rate_is_within_the_cap(registry):
    people = registry
    programme = loan_programme(borrower_rate_cap=Decimal("0.06"))
    loan = disbursed_loan(people, programme=programme)
    _repay(
        people, loan, str(lending.loan_owed(loan, on=date(2025, 1, 20)).total), date(2025, 1, 20)
    )
    _refused(
        lambda: lending.loan_subsidy_pay(
            actor=people.finance, loan=loan, paid_on=date(2025, 1, 21)
        ),
        says="No subsidy is due",
    )


# --- Write-off ---------------------------------------------------------------------------------


def test_write_off_needs_the_threshold_and_another_person(registry):
    people = registry
    loan = disbursed_loan(
        people,
        disbursed_on=timezone.localdate() - timedelta(days=500),
        first_due=timezone.localdate() - timedelta(days=470),
        guarantors=[guarantor(name="担保甲", share="100"), guarantor(name="担保乙", share="50")],
    )
    young = disbursed_loan(
        people,
        household=people.household_b,
        disbursed_on=timezone.localdate() - timedelta(days=40),
        first_due=timezone.localdate() - timedelta(days=10),
    )
    _refused(
        lambda: lending.write_off_propose(actor=people.finance, loan=young, reason="无力偿还"),
        says="after 360 days past due",
    )
    _refused(
        lambda: lending.write_off_propose(actor=people.finance, loan=loan, reason=" "),
        says="State why",
    )
    proposal = lending.write_off_propose(
        actor=people.supervisor, loan=loan, reason="经营失败，无力偿还"
    )
    assert proposal.principal_outstanding == Decimal("12000.00")
    assert proposal.days_past_due == 470
    _refused(
        lambda: lending.write_off_approve(actor=people.supervisor, write_off=proposal),
        says="another supervisor",
    )
    other = UserFactory(username="supervisor_two", union=people.county, roles=["supervisor"])
    lending.write_off_approve(actor=other, write_off=proposal)
    loan.refresh_from_db()
    proposal.refresh_from_db()
    assert loan.state == LoanState.WRITTEN_OFF and proposal.approved_by == other
    owed = proposal.principal_outstanding + proposal.interest_outstanding
    assert [g.obligation for g in loan.guarantors.order_by("id")] == [
        owed,
        (owed / 2).quantize(Decimal("0.01")),
    ]
    assert proposal.guarantor_obligations[0]["name"] == "担保甲"


# --- The ledger --------------------------------------------------------------------------------


def test_relief_figures_leave_loan_lines_out(registry):
    from relief.selectors import household_ledger, ledger_totals

    people = registry
    loan = disbursed_loan(people)
    _repay(people, loan, "1060.00", date(2025, 2, 10))
    totals = ledger_totals(Disbursement.objects.all())
    assert totals["net"] == 0 and totals["count"] == 2
    assert not household_ledger(people.household_a).lines.exists()
    assert FundYear.objects.get(fund=loan.programme.fund).amount == Decimal("1000000.00")
    balance = lending.fund_balance(FundYear.objects.get(fund=loan.programme.fund))
    assert balance["outstanding"] == Decimal("11000.00")
