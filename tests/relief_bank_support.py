"""Entitlements to pay, made directly (the approval path has its own tests): an approved relief
application of a household, committed against a budget of a programme, approved by a county
supervisor (finance, who pays, did not approve)."""

from decimal import Decimal

from django.utils import timezone

from cases.models import Application, Kind, State
from helpcenter.models import Role, User
from relief.models import Budget, Entitlement, Fund, FundKind, Programme, ProgrammeKind
from tests.factories import UserFactory


def bank_programme(code: str = "bank-living", allocated: str = "100000.00") -> Programme:
    programme, created = Programme.objects.get_or_create(
        code=code, defaults={"name": f"生活救助-{code}", "kind": ProgrammeKind.LIVING}
    )
    if created:
        fund, _ = Fund.objects.get_or_create(
            code="bank-central",
            defaults={"name": "中央财政帮扶资金（测试）", "kind": FundKind.CENTRAL},
        )
        Budget.objects.create(
            programme=programme,
            fund=fund,
            year=timezone.localdate().year,
            allocated=Decimal(allocated),
        )
    return programme


def approving_supervisor(people) -> User:
    return User.objects.filter(username="bank_approver").first() or UserFactory(
        username="bank_approver", union=people.county, roles=[Role.SUPERVISOR]
    )


def entitlement_for(
    people, household, amount: str, *, programme=None, campaign=None
) -> Entitlement:
    programme = programme or bank_programme()
    approver = approving_supervisor(people)
    application = Application.objects.create(
        kind=Kind.RELIEF,
        state=State.APPROVED,
        union=household.union,
        household=household,
        applicant_name=household.head.name,
        programme=programme.name,
        requested_amount=Decimal(amount),
        reason="家人住院，费用负担重",
        filed_by=people.caseworker_a,
        decided_by=approver,
    )
    return Entitlement.objects.create(
        application=application,
        household=household,
        union=household.union,
        programme=programme,
        budget=programme.budgets.get(),
        campaign=campaign,
        cash_amount=Decimal(amount),
        amount=Decimal(amount),
        approved_by=approver,
    )
