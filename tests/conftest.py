"""Named people for every test: a caseworker of union A, one of union B, county staff in every
role, a supervisor and an administrator of grassroots union A, and an outsider (an account with
no role)."""

import importlib
import os
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import override_settings

from helpcenter.models import Role, Union, UnionKind, User
from tests.factories import UnionFactory, UserFactory

SERVICES_CONFIGURED = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") == "1"


@pytest.hookimpl(trylast=True)  # after pytest-django has ordered the tests
def pytest_collection_modifyitems(config, items):
    """Browser tests run last: Playwright's session-wide event loop stays in this thread once
    started, and Django refuses database calls beside a running loop.

    Service tests run where PostgreSQL is configured, and there a missing Redis or worker
    fails them. CI's second pass sets REQUIRE_SERVICES=1: then they may not be skipped at all."""
    items.sort(key=lambda item: "browser" in item.keywords)
    if SERVICES_CONFIGURED:
        return
    if REQUIRE_SERVICES:
        raise pytest.UsageError(
            "REQUIRE_SERVICES=1 but DATABASE_URL does not name PostgreSQL: "
            "the service tests would be skipped"
        )
    skip = pytest.mark.skip(reason="needs DATABASE_URL=postgres://… and REDIS_URL (CI's 2nd pass)")
    for item in items:
        if "services" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL the ledger refuses TRUNCATE (relief migration 0002) unless the session
    allows it; the test database allows it for every new session, because a transactional
    test's teardown empties every table with TRUNCATE. tests/test_ledger_guards.py turns it off
    in its own session to show the refusal."""
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            name = connection.settings_dict["NAME"]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"ALTER DATABASE \"{name}\" SET helpcenter.allow_ledger_truncate = 'on'"
                )
            connection.close()


@pytest.fixture(scope="session", autouse=True)
def _static_files_from_the_source_tree():
    """Pages link the plain static names and WhiteNoise serves them from static/, so the suite
    needs no collectstatic (with DEBUG off the manifest storage would refuse a name that was
    never collected). tests/test_static_files.py checks the hashed, compressed files that
    production serves."""
    with override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        WHITENOISE_USE_FINDERS=True,
    ):
        yield


@pytest.fixture(autouse=True)
def _fast_passwords_and_private_uploads(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _reports_built_here(request, monkeypatch):
    """A report job asked for in a test is built in the test's process when its transaction
    commits, as the eager Celery of the SQLite pass does. On the PostgreSQL pass the real worker
    reads another database (the CI's, not the test's) and would never see the job; the tests of
    the worker itself (marked `services`) send theirs to a worker of their own."""
    if request.node.get_closest_marker("services"):
        return
    from django.db import transaction

    from reports import services

    def build_on_commit(job_id: int) -> None:
        transaction.on_commit(lambda: services.job_run(job_id))

    monkeypatch.setattr(services, "_enqueue_on_commit", build_on_commit)


@dataclass
class People:
    county: Union
    union_a: Union
    union_b: Union
    caseworker_a: User
    caseworker_b: User
    county_caseworker: User
    supervisor: User
    finance: User
    administrator: User
    auditor: User
    outsider: User
    supervisor_a: User  # a grassroots supervisor of union A
    administrator_a: User  # a grassroots administrator of union A
    household_a: object = None
    household_b: object = None
    application_a: object = None  # a draft registration of union A
    application_b: object = None  # a draft registration of union B
    notice_a: object = None  # a posted notice of union A listing household_a's relief

    def __getitem__(self, name: str) -> User:
        return getattr(self, name)


@pytest.fixture
def people(db) -> People:
    county = Union.objects.create(code="1300", name="测试县总工会", kind=UnionKind.COUNTY)
    union_a = UnionFactory(code="1301", name="甲厂工会", parent=county)
    union_b = UnionFactory(code="1302", name="乙镇工会", parent=county, kind=UnionKind.TOWNSHIP)
    return People(
        county=county,
        union_a=union_a,
        union_b=union_b,
        caseworker_a=UserFactory(username="caseworker_a", union=union_a, roles=[Role.CASEWORKER]),
        caseworker_b=UserFactory(username="caseworker_b", union=union_b, roles=[Role.CASEWORKER]),
        county_caseworker=UserFactory(
            username="county_caseworker", union=county, roles=[Role.CASEWORKER]
        ),
        supervisor=UserFactory(username="supervisor", union=county, roles=[Role.SUPERVISOR]),
        finance=UserFactory(username="finance", union=county, roles=[Role.FINANCE]),
        administrator=UserFactory(username="admin", union=county, roles=[Role.ADMINISTRATOR]),
        auditor=UserFactory(username="auditor", union=county, roles=[Role.AUDITOR]),
        outsider=UserFactory(username="outsider", union=union_a, roles=[]),
        supervisor_a=UserFactory(username="supervisor_a", union=union_a, roles=[Role.SUPERVISOR]),
        administrator_a=UserFactory(
            username="administrator_a", union=union_a, roles=[Role.ADMINISTRATOR]
        ),
    )


@pytest.fixture
def registry(people) -> People:
    """People plus the county's standards and one household in each of unions A and B."""
    from tests.factories import household_for, standards_for

    seed_document_types()
    seed_relief_programmes(budget=Decimal("1000000.00"))
    standards_for(people.county)
    people.household_a = household_for(people.union_a, actor=people.caseworker_a, name="张三")
    people.household_b = household_for(people.union_b, actor=people.caseworker_b, name="李四")
    return people


@pytest.fixture
def workflow(registry) -> People:
    """The registry plus a draft registration application in each of unions A and B and a
    posted notice of union A listing a relief application of household_a. (A fixture of its
    own: tests of the services count every application in the database.)"""
    from tests.factories import posted_notice, registration_for

    people = registry
    people.application_a = registration_for(people.union_a, actor=people.caseworker_a, name="王五")
    people.application_b = registration_for(people.union_b, actor=people.caseworker_b, name="赵六")
    people.notice_a = posted_notice(
        household=people.household_a, filer=people.caseworker_a, supervisor=people.supervisor
    )
    return people


def seed_relief_programmes(*, budget: Decimal | None = None) -> None:
    """The programmes, goods and funds relief migration 0003 seeds (a transactional test's flush
    removes them); with `budget`, each programme gets that much from 工会自筹 for this year, so
    approvals pass the budget check."""
    from django.apps import apps
    from django.utils import timezone

    from relief.models import Budget, Fund, Programme

    migration = importlib.import_module("relief.migrations.0003_seed_programmes_and_funds")
    migration.seed(apps, None)
    if budget is None:
        return
    fund = Fund.objects.get(code="union")
    for programme in Programme.objects.all():
        Budget.objects.get_or_create(
            programme=programme,
            fund=fund,
            year=timezone.localdate().year,
            defaults={"allocated": budget},
        )


def seed_document_types() -> None:
    """The document types migration 0002 seeds; a transactional test's flush removes them."""
    from django.apps import apps

    migration = importlib.import_module("households.migrations.0002_document_types")
    migration.seed(apps, None)
