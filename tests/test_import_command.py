"""`python manage.py import_households FILE --union CODE --user USERNAME [--register-directly]
[--dry-run]`: the web import's checks and rules (a caseworker files registration applications; a
supervisor may enter files approved on paper), a summary and every error printed, exit status 0
on success and 1 on any error."""

from unittest.mock import patch

import pytest
from django.core.management import call_command, execute_from_command_line
from django.db import connections

from cases.models import Application, Kind
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


def counts() -> tuple[int, int, int, int]:
    return (
        Household.objects.count(),
        Member.objects.count(),
        HouseholdEvent.objects.count(),
        Application.objects.count(),
    )


@pytest.fixture
def ids():
    return DemoPeople(seed=515)


def test_a_dry_run_reports_and_saves_nothing(people, ids, tmp_path, capsys):
    path = write_workbook(tmp_path / "a.xlsx", [household_row(ids.resident_id())])
    assert run(path, "--union", "1301", "--user", "caseworker_a", "--dry-run") == 0
    assert counts() == (0, 0, 0, 0)
    assert "1" in capsys.readouterr().out


def test_a_caseworker_files_registration_applications(people, ids, tmp_path, capsys):
    head = ids.resident_id()
    path = write_workbook(tmp_path / "a.xlsx", [household_row(head)])
    assert run(path, "--union", "1301", "--user", "caseworker_a") == 0
    assert Household.objects.count() == 0
    application = Application.objects.get()
    assert (application.kind, application.filed_by) == (Kind.REGISTRATION, people.caseworker_a)
    assert application.proposal["head"]["id_number"] == head
    assert "a.xlsx" in application.steps.get().comment


def test_a_caseworker_cannot_register_directly(people, ids, tmp_path, capsys):
    path = write_workbook(tmp_path / "a.xlsx", [household_row(ids.resident_id())])
    assert run(path, "--union", "1301", "--user", "caseworker_a", "--register-directly") == 1
    assert counts() == (0, 0, 0, 0)
    assert "--register-directly" in run_help()


def run_help() -> str:
    from io import StringIO

    from households.management.commands.import_households import Command

    out = StringIO()
    Command().create_parser("manage.py", "import_households").print_help(out)
    return out.getvalue()


def test_a_supervisor_enters_approved_files_and_a_second_run_changes_nothing(
    people, ids, tmp_path, capsys
):
    head = ids.resident_id()
    path = write_workbook(
        tmp_path / "a.xlsx",
        [household_row(head), household_row(ids.resident_id(), 所属工会="乙镇工会")],
    )
    assert run(path, "--union", "1301", "--user", "supervisor", "--register-directly") == 0
    assert Household.objects.filter(union=people.union_a).count() == 1
    assert Household.objects.filter(union=people.union_b).count() == 1
    assert Application.objects.count() == 0
    event = Member.objects.get(id_number=head).household.events.get()
    assert (event.action, event.actor) == (EventAction.IMPORT_CREATED, people.supervisor)
    assert "a.xlsx" in event.note and people.supervisor.name in event.note
    before = counts()
    assert run(path, "--union", "1301", "--user", "supervisor", "--register-directly") == 0
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
    assert run(path, "--union", "1301", "--user", "supervisor", "--register-directly") == 1
    assert counts() == (0, 0, 0, 0)
    errors = capsys.readouterr().err
    assert "户信息" in errors and "身份证号" in errors and "住房情况" in errors
    assert "3" in errors and "4" in errors


def test_an_unknown_union_or_file_exits_1(people, ids, tmp_path):
    path = write_workbook(tmp_path / "a.xlsx", [household_row(ids.resident_id())])
    assert run(path, "--union", "9999", "--user", "supervisor") == 1
    assert run(path, "--union", "1300", "--user", "supervisor") == 1  # the county holds no files
    assert run(path, "--union", "1302", "--user", "caseworker_a") == 1  # not their union
    assert run(path, "--union", "1301", "--user", "nobody") == 1
    assert run(path, "--union", "1301", "--user", "finance") == 1  # may not import
    assert run(tmp_path / "missing.xlsx", "--union", "1301", "--user", "supervisor") == 1
    assert counts() == (0, 0, 0, 0)


def test_call_command_works_too(people, ids, tmp_path):
    path = write_workbook(tmp_path / "a.xlsx", [household_row(ids.resident_id())])
    call_command(
        "import_households", str(path), union="1301", user="supervisor", register_directly=True
    )
    assert Household.objects.count() == 1
