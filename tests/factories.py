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
