"""Two supervisors approving the same notice at the same moment, on PostgreSQL: each
application is approved once, each file registered once."""

import pytest

from cases import services
from cases.models import ApplicationStep, State
from helpcenter.demo import DemoPeople
from helpcenter.models import Role
from households.models import Household
from tests.factories import UserFactory
from tests.test_cases_services import file_registration, posted, through_review
from tests.test_household_races import run_together

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_two_supervisors_approving_one_notice_at_once_approve_each_application_once(registry):
    applications = [
        file_registration(registry, number=DemoPeople(seed=400 + n).resident_id()) for n in range(4)
    ]
    for application in applications:
        through_review(registry, application)
    notice = posted(registry, *applications)
    services.notice_close(notice=notice)
    first = UserFactory(username="supervisor2", union=registry.county, roles=[Role.SUPERVISOR])
    second = UserFactory(username="supervisor3", union=registry.county, roles=[Role.SUPERVISOR])
    results = []

    def approve_all(actor):
        results.append(services.notice_approve_all(actor=actor, notice=notice))

    errors = run_together(lambda: approve_all(first), lambda: approve_all(second))
    assert errors == []
    assert sum(approved for approved, _ in results) == 4
    assert all(
        application.state == State.APPROVED for application in type(applications[0]).objects.all()
    )
    assert ApplicationStep.objects.filter(to_state=State.APPROVED).count() == 4
    assert Household.objects.filter(head__name="赵建国").count() == 4
