"""Concurrent registrations on PostgreSQL: numbers stay unique, a person lands once."""

import threading

import pytest
from django.db import connections

from helpcenter.demo import DemoPeople
from households.models import Household, Member
from households.services import PersonAlreadyRegistered
from tests.factories import household_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def run_together(*actions) -> list[BaseException]:
    barrier = threading.Barrier(len(actions))
    errors: list[BaseException] = []

    def run(action) -> None:
        try:
            barrier.wait(timeout=5)
            action()
        except BaseException as error:  # collected and asserted by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_registrations_in_one_union_get_different_file_numbers(registry):
    people = [DemoPeople(seed=seed) for seed in (101, 102)]
    errors = run_together(
        *(
            lambda p=p: household_for(registry.union_a, people=p, actor=registry.caseworker_a)
            for p in people
        )
    )
    assert errors == []
    numbers = list(
        Household.objects.filter(union=registry.union_a).values_list("file_number", flat=True)
    )
    assert len(numbers) == len(set(numbers)) == 3


def test_the_same_person_registered_twice_at_once_lands_once(registry):
    number = DemoPeople(seed=103).resident_id()

    class Same(DemoPeople):
        def resident_id(self, **kwargs) -> str:
            return number

    errors = run_together(
        lambda: household_for(registry.union_a, people=Same(1), actor=registry.supervisor),
        lambda: household_for(registry.union_b, people=Same(2), actor=registry.supervisor),
    )
    assert len(errors) == 1
    assert isinstance(errors[0], PersonAlreadyRegistered)
    assert Member.objects.filter(id_number=number).count() == 1
    assert Household.objects.count() == 3
