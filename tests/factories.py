"""Test data, built in one place."""

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
