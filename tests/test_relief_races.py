"""Money under concurrency, on PostgreSQL: the budget's lock lets exactly as many approvals
through as the budget holds, and two finance users paying one entitlement at once write one
line."""

from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from cases import services as case_services
from cases.models import Application, State
from helpcenter.models import Role
from relief import services
from relief.models import Disbursement, Entitlement, Method
from tests.factories import UserFactory
from tests.ledger_support import approved_relief, approver, programme_with_budget, relief_in_notice
from tests.test_household_races import run_together

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions need PostgreSQL (SQLite locks the file)")


def test_twenty_approvals_at_once_against_a_budget_for_ten_commit_exactly_ten(registry):
    programme = programme_with_budget(allocated="10000.00")
    applications = relief_in_notice(
        registry, household=registry.household_a, programme=programme, amount="1000.00", count=20
    )
    supervisor = approver(registry)
    errors = run_together(
        *(
            lambda a=application: case_services.application_approve(actor=supervisor, application=a)
            for application in applications
        )
    )
    assert len(errors) == 10
    assert all(isinstance(error, services.ReliefError) for error in errors), errors
    assert Entitlement.objects.count() == 10
    assert sum(e.amount for e in Entitlement.objects.all()) == Decimal("10000.00")
    assert (
        Application.objects.filter(pk__in=[a.pk for a in applications])
        .filter(state=State.APPROVED)
        .count()
        == 10
    )


def test_two_finance_users_paying_one_entitlement_at_once_write_one_line(registry):
    entitlement = approved_relief(registry, amount="1200.00")
    second = UserFactory(username="finance2", union=registry.county, roles=[Role.FINANCE])

    def pay(actor):
        services.disbursement_pay(
            actor=actor,
            entitlement=entitlement,
            method=Method.CASH,
            amount=Decimal("1200.00"),
            paid_on=timezone.localdate(),
            signed_by="张三",
        )

    errors = run_together(lambda: pay(registry.finance), lambda: pay(second))
    assert len(errors) == 1
    assert isinstance(errors[0], services.ReliefError)
    assert Disbursement.objects.count() == 1
    assert Disbursement.objects.get().voucher_number.endswith("000001")
