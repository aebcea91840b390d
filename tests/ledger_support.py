"""Building blocks for the ledger's tests: a programme with a budget, relief applications taken
through the notice to approval (which commits the entitlement), payments."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from cases import services as case_services
from cases.models import Application
from helpcenter.models import Role, User
from relief.applications import relief_application_file
from relief.models import Budget, Fund, FundKind, Programme, ProgrammeKind, Tier
from tests.factories import UserFactory


def programme_with_budget(
    *, code: str = "", allocated: str = "10000.00", year: int | None = None, **fields
) -> Programme:
    """A programme of our own (migrations may seed the usual ones) with one budget."""
    code = code or f"ledger-test-{Programme.objects.count() + 1}"
    programme = Programme.objects.create(
        code=code, name=fields.pop("name", f"生活救助-{code}"), kind=ProgrammeKind.LIVING, **fields
    )
    fund, _ = Fund.objects.get_or_create(
        code="ledger-test-fund", defaults={"name": "测试帮扶资金", "kind": FundKind.CENTRAL}
    )
    Tier.objects.create(
        programme=programme,
        name="按实际困难核定",
        cash_amount=Decimal("100000.00"),
        is_ceiling=True,
        valid_from=date(2000, 1, 1),
    )
    Budget.objects.create(
        programme=programme,
        fund=fund,
        year=year or timezone.localdate().year,
        allocated=Decimal(allocated),
    )
    return programme


def approver(people) -> User:
    """A second county supervisor: the one who reviewed may not approve."""
    return User.objects.filter(username="approver").first() or UserFactory(
        username="approver", union=people.county, roles=[Role.SUPERVISOR]
    )


def relief_in_notice(people, *, household, programme, amount: str, count: int = 1):
    """`count` relief applications for `household`, reviewed, posted and past their notice:
    awaiting approval."""
    filer = people.caseworker_a if household.union_id == people.union_a.pk else people.caseworker_b
    applications = []
    for _ in range(count):
        application = relief_application_file(
            actor=filer,
            household=household,
            programme=programme,
            reason="家人住院，费用负担重",
            cash_amount=Decimal(amount),
        )
        case_services.application_submit(actor=filer, application=application)
        case_services.application_review(actor=people.supervisor, application=application)
        applications.append(application)
    notice = case_services.notice_create(
        actor=people.supervisor,
        union=household.union,
        title=f"{household.union.name}救助公示{Application.objects.count()}",
        place="工会公示栏",
        contact="县总工会 0000-12351",
        start_on=timezone.localdate() - timedelta(days=30),
        working_days=5,
        applications=applications,
    )
    notice = case_services.notice_publish(
        actor=people.supervisor, notice=notice, today=notice.start_on
    )
    case_services.notice_close(notice=notice)
    return [Application.objects.get(pk=a.pk) for a in applications]


def approved_relief(people, *, household=None, programme=None, amount: str = "1200.00"):
    """An approved relief application; returns its entitlement."""
    household = household or people.household_a
    programme = programme or programme_with_budget()
    (application,) = relief_in_notice(
        people, household=household, programme=programme, amount=amount
    )
    application = case_services.application_approve(actor=approver(people), application=application)
    return application.entitlement
