"""`python manage.py import_households FILE --union CODE [--dry-run]`: the web import's checks,
a summary and every error printed, exit status 0 on success and 1 on any error."""

from unittest.mock import patch

import pytest
from django.core.management import call_command, execute_from_command_line
from django.db import connections

from helpcenter.demo import DemoPeople
from households.models import EventAction, Household, HouseholdEvent, Member
from tests.test_household_import import household_row, write_workbook

pytestmark = pytest.mark.django_db


def run(*arguments) -> int:
    """Run the command as the shell would; its exit status. (The shell's entry point closes the
    database connections when it ends, which would end the test's transaction: keep them.)"""
    with patch.object(connections, "close_all"):
        try:
            execute_from_command_line(["manage.py", "import_households", *map(str, arguments)])
        except SystemExit as exit:
            return exit.code
    return 0


def counts() -> tuple[int, int, int]:
    return Household.objects.count(), Member.objects.count(), HouseholdEvent.objects.count()


@pytest.fixture
def ids():
    return DemoPeople(seed=515)


def test_a_dry_run_reports_and_saves_nothing(people, ids, tmp_path, capsys):
    path = write_workbook(tmp_path / "a.xlsx", [household_row(ids.resident_id())])
    assert run(path, "--union", "1301", "--dry-run") == 0
    assert counts() == (0, 0, 0)
    assert "1" in capsys.readouterr().out


def test_it_imports_records_without_an_actor_and_a_second_run_changes_nothing(
    people, ids, tmp_path, capsys
):
    head = ids.resident_id()
    path = write_workbook(
        tmp_path / "a.xlsx",
        [household_row(head), household_row(ids.resident_id(), 所属工会="乙镇工会")],
    )
    assert run(path, "--union", "1301") == 0
    assert Household.objects.filter(union=people.union_a).count() == 1
    assert Household.objects.filter(union=people.union_b).count() == 1
    event = Member.objects.get(id_number=head).household.events.get()
    assert (event.action, event.actor) == (EventAction.IMPORTED, None)
    assert "a.xlsx" in event.note
    before = counts()
    assert run(path, "--union", "1301") == 0
    assert counts() == before


def test_any_error_exits_1_prints_every_error_and_saves_nothing(people, ids, tmp_path, capsys):
    path = write_workbook(
        tmp_path / "a.xlsx",
        [
            household_row(ids.resident_id()),
            household_row(1.10105199001011e17),
            household_row(ids.resident_id(), 住房情况="窑洞"),
        ],
    )
    assert run(path, "--union", "1301") == 1
    assert counts() == (0, 0, 0)
    errors = capsys.readouterr().err
    assert "户信息" in errors and "身份证号" in errors and "住房情况" in errors
    assert "3" in errors and "4" in errors


def test_an_unknown_union_or_file_exits_1(people, ids, tmp_path):
    path = write_workbook(tmp_path / "a.xlsx", [household_row(ids.resident_id())])
    assert run(path, "--union", "9999") == 1
    assert run(path, "--union", "1300") == 1  # the county itself holds no files
    assert run(tmp_path / "missing.xlsx", "--union", "1301") == 1
    assert counts() == (0, 0, 0)


def test_call_command_works_too(people, ids, tmp_path):
    path = write_workbook(tmp_path / "a.xlsx", [household_row(ids.resident_id())])
    call_command("import_households", str(path), union="1301")
    assert Household.objects.count() == 1
