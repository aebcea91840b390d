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


def relief_application_for(
    *,
    household,
    filer,
    amount: str | None = "800.00",
    programme: str = "医疗救助",
    reason: str = "医疗费用负担重",
    **details,
):
    """A draft relief application of `household` under a seeded programme (the registry fixture
    seeds them). For medical aid the patient is the worker and the case a stay with surgery
    (up to 1,000 元 cash and 200 元 of goods) unless `details` say otherwise; `amount` is the
    cash asked where the tier is a ceiling (None for a fixed tier)."""
    from relief.applications import relief_application_file
    from relief.models import Programme

    chosen = Programme.objects.get(name=programme)
    if chosen.kind == "medical":
        details.setdefault("patient", household.head)
        details.setdefault("medical_case", "surgery")
    return relief_application_file(
        actor=filer,
        household=household,
        programme=chosen,
        reason=reason,
        cash_amount=None if amount is None else Decimal(amount),
        **details,
    )


def posted_notice(*, household, filer, supervisor, start_on=None, amount: str = "800.00"):
    """A relief application for `household`, reviewed and posted on a notice of its union."""
    from django.utils import timezone

    from cases import services

    application = relief_application_for(household=household, filer=filer, amount=amount)
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
