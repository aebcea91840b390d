"""The demo's micro-loans (relief.demo_loans, run by seed_demo): a loan in every state, built
through the services, once."""

import pytest

from helpcenter.demo import DemoPeople
from relief.demo_loans import seed_loans
from relief.models import Disbursement, LineKind, Loan, LoanState
from tests.factories import household_for
from tests.ledger_support import approver

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_loan_in_every_state_once(registry):
    people = registry
    approver(people)
    for index in range(5):
        household_for(people.union_a, actor=people.caseworker_a, name=f"演示{index}")
    assert seed_loans(people=DemoPeople(1), seed=1) == 6
    states = sorted(Loan.objects.values_list("state", flat=True))
    assert states == sorted(
        [
            LoanState.APPLIED,
            LoanState.APPROVED,
            LoanState.DISBURSED,
            LoanState.DISBURSED,
            LoanState.REPAID,
            LoanState.WRITTEN_OFF,
        ]
    )
    assert Loan.objects.filter(state=LoanState.DISBURSED, days_past_due__gt=60).count() == 1
    assert Disbursement.objects.filter(kind=LineKind.SUBSIDY).count() == 1
    assert seed_loans(people=DemoPeople(1), seed=1) == 0


def test_seed_demo_builds_the_loans(client):
    import io

    from django.core.management import call_command
    from django.urls import reverse

    out = io.StringIO()
    call_command("seed_demo", allow_production=True, households=12, stdout=out)
    assert "Micro-loans: 6 new" in out.getvalue()
    assert set(Loan.objects.values_list("state", flat=True)) == set(LoanState.values)
    finance = Loan.objects.get(state=LoanState.REPAID).disbursed_by
    client.force_login(finance)
    assert client.get(reverse("relief:loan_portfolio")).status_code == 200
