"""Micro-loans under concurrency, on PostgreSQL: two approvals on the last of a fund, two
repayments settling one loan, two subsidy payments of one loan."""

from datetime import date
from decimal import Decimal

import pytest

from cases import services as case_services
from cases.models import Application, State
from helpcenter.models import Role
from relief import lending
from relief.models import Disbursement, LineKind, Loan, LoanState, Repayment
from tests.factories import UserFactory
from tests.ledger_support import approver
from tests.loan_support import disbursed_loan, file_loan, loan_programme, through_notice
from tests.test_household_races import run_together

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_two_approvals_on_the_last_of_the_fund_approve_one(registry):
    programme = loan_programme(fund_amount="20000.00")
    applications = [
        through_notice(registry, file_loan(registry, programme=programme)),
        through_notice(
            registry, file_loan(registry, programme=programme, household=registry.household_b)
        ),
    ]
    second = UserFactory(username="approver2", union=registry.county, roles=[Role.SUPERVISOR])
    errors = run_together(
        lambda: case_services.application_approve(
            actor=approver(registry), application=applications[0]
        ),
        lambda: case_services.application_approve(actor=second, application=applications[1]),
    )
    assert len(errors) == 1 and "20000.00" in str(errors[0])
    assert Loan.objects.filter(state=LoanState.APPROVED).count() == 1
    assert Application.objects.filter(state=State.APPROVED).count() == 1


def test_two_settlements_at_once_record_one(registry):
    loan = disbursed_loan(registry)
    owed = lending.loan_owed(loan, on=date(2025, 1, 20)).total
    other = UserFactory(username="finance2", union=registry.county, roles=[Role.FINANCE])

    def settle(actor):
        lending.loan_repay(actor=actor, loan=loan, amount=owed, paid_on=date(2025, 1, 20))

    errors = run_together(lambda: settle(registry.finance), lambda: settle(other))
    assert len(errors) == 1
    assert Repayment.objects.count() == 1
    assert Loan.objects.get(pk=loan.pk).state == LoanState.REPAID


def test_two_subsidy_payments_at_once_pay_once(registry):
    loan = disbursed_loan(registry)
    owed = lending.loan_owed(loan, on=date(2025, 2, 10)).total
    lending.loan_repay(actor=registry.finance, loan=loan, amount=owed, paid_on=date(2025, 2, 10))
    other = UserFactory(username="finance2", union=registry.county, roles=[Role.FINANCE])
    errors = run_together(
        *(
            lambda actor=actor: lending.loan_subsidy_pay(
                actor=actor, loan=loan, paid_on=date(2025, 2, 11)
            )
            for actor in (registry.finance, other)
        )
    )
    assert len(errors) == 1
    line = Disbursement.objects.get(kind=LineKind.SUBSIDY)
    assert line.amount == Decimal("40.00")  # 60.00 interest × 4 ÷ 6
