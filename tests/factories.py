"""Test data, built in one place."""

from decimal import Decimal

import factory

from helpcenter.demo import DemoPeople
from helpcenter.models import StaffRole, Union, UnionKind, User

_people = DemoPeople(seed=7)

TEST_PASSWORD = "correct-horse-battery"


class UnionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Union
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{1300 + n + 1}")
    name = factory.Sequence(lambda n: f"测试第{n + 1}基层工会")
    kind = UnionKind.ENTERPRISE
    parent = factory.LazyFunction(
        lambda: Union.objects.get_or_create(
            code="1300", defaults={"name": "测试县总工会", "kind": UnionKind.COUNTY}
        )[0]
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    name = factory.LazyFunction(_people.name)
    union = factory.SubFactory(UnionFactory)
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or ():
            StaffRole.objects.create(user=self, role=role)


def household_for(union, *, people: DemoPeople | None = None, actor=None, name: str = "", **fields):
    """A registered household of `union` with its head (and any `members=` given)."""
    from households import services
    from households.choices import Employment, Housing

    people = people or _people
    values = {
        "employment": Employment.LAID_OFF,
        "size": 3,
        "monthly_income": Decimal("1500.00"),
        "housing": Housing.RENTED,
        "causes": ["illness"],
    }
    values.update(fields)
    head = services.MemberData(name=name or people.name(), id_number=people.resident_id())
    return services.household_register(actor=actor, union=union, head=head, **values)


def standards_for(county, *, amount: str = "570.00", since=None):
    from datetime import date

    from households.models import ClassificationPolicy, LivingStandard

    since = since or date(2024, 1, 1)
    LivingStandard.objects.create(
        county=county, effective_from=since, monthly_amount=Decimal(amount)
    )
    ClassificationPolicy.objects.get_or_create(county=county, effective_from=since)


def registration_for(union, *, actor, people: DemoPeople | None = None, name: str = "", **fields):
    """A draft registration application (建档申请) of `union` proposing a new household."""
    from cases import services
    from households.choices import Employment, Housing

    people = people or _people
    values = {
        "employment": Employment.LAID_OFF,
        "size": 3,
        "monthly_income": Decimal("1500.00"),
        "housing": Housing.RENTED,
        "causes": ["illness"],
    }
    values.update(fields)
    return services.application_file_registration(
        actor=actor,
        union=union,
        head_name=name or people.name(),
        head_id_number=people.resident_id(),
        head_health="healthy",
        reason="妻子重病，家庭收入低",
        fields=values,
    )


def posted_notice(*, household, filer, supervisor, start_on=None, amount: str = "800.00"):
    """A relief application for `household`, reviewed and posted on a notice of its union."""
    from django.utils import timezone

    from cases import services

    application = services.application_file_for_household(
        actor=filer,
        household=household,
        kind="relief",
        reason="医疗费用负担重",
        programme="医疗救助",
        requested_amount=Decimal(amount),
    )
    services.application_submit(actor=filer, application=application)
    services.application_review(actor=supervisor, application=application)
    notice = services.notice_create(
        actor=supervisor,
        union=household.union,
        title=f"{household.union.name}困难职工救助公示",
        place="工会公示栏",
        contact="县总工会 0000-12351",
        start_on=start_on or timezone.localdate(),
        working_days=5,
        applications=[application],
    )
    return services.notice_publish(actor=supervisor, notice=notice, today=notice.start_on)
