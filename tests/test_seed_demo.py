import io
import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from stdnum.cn import ric

from helpcenter.demo import DemoPeople
from helpcenter.models import Role, StaffRole, Union, UnionKind, User

pytestmark = pytest.mark.django_db


def seed(**options) -> str:
    out = io.StringIO()
    options.setdefault("households", 6)
    call_command("seed_demo", allow_production=True, stdout=out, **options)
    return out.getvalue()


def printed_logins(output: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+(\S+)\s+(hc-\S+)", output, flags=re.MULTILINE))


def test_it_builds_a_county_with_staff_for_every_role():
    seed()
    county = Union.objects.get(kind=UnionKind.COUNTY)
    grassroots = Union.objects.exclude(pk=county.pk)
    assert grassroots.count() == 8
    assert set(grassroots.values_list("parent", flat=True)) == {county.pk}
    assert len(set(grassroots.values_list("kind", flat=True))) == 4
    assert set(StaffRole.objects.values_list("role", flat=True)) == set(Role.values)
    for union in grassroots:
        assert union.staff.filter(role_grants__role=Role.CASEWORKER).exists()
    # A grassroots supervisor and a grassroots administrator, so the demo exercises them.
    for role in (Role.SUPERVISOR, Role.ADMINISTRATOR):
        assert User.objects.filter(union__in=grassroots, role_grants__role=role).exists()


def test_every_printed_demo_login_works(rf):
    logins = printed_logins(seed())
    assert len(logins) == User.objects.count() == 18
    for username, password in logins.items():
        assert authenticate(rf.post("/accounts/login/"), username=username, password=password)


def test_a_second_run_changes_nothing_and_keeps_changed_passwords():
    first = printed_logins(seed())
    user = User.objects.get(username="supervisor")
    user.set_password("changed-by-the-supervisor")
    user.save()
    counts = (Union.objects.count(), User.objects.count(), StaffRole.objects.count())
    output = seed()
    assert (Union.objects.count(), User.objects.count(), StaffRole.objects.count()) == counts
    assert printed_logins(output) == first
    user.refresh_from_db()
    assert user.check_password("changed-by-the-supervisor")
    assert "已存在" in output


def test_the_same_seed_gives_the_same_people():
    seed(seed=5, households=0)
    names = dict(User.objects.values_list("username", "name"))
    StaffRole.objects.all().delete()
    User.objects.all().delete()
    seed(seed=5, households=0)
    assert dict(User.objects.values_list("username", "name")) == names


def test_it_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not User.objects.exists()


def test_demo_people_have_valid_resident_ids_and_rarer_characters():
    people = DemoPeople(seed=1)
    ids = [people.resident_id() for _ in range(500)]
    assert len(set(ids)) == 500
    assert all(len(number) == 18 and ric.is_valid(number) for number in ids)
    names = "".join(people.name() for _ in range(2000))
    assert {"喆", "堃", "淼"} <= set(names)
    assert DemoPeople(seed=1).name() == DemoPeople(seed=1).name()


def test_it_builds_household_files_with_their_history_once():
    from django.db.models import Count

    from households.models import Classification, Household, HouseholdEvent, Member

    output = seed(households=12)
    assert "12" in output
    # 12 files, and one more registered by approving a demo registration application
    assert Household.objects.count() == 13
    assert Household.objects.filter(head__isnull=True).count() == 0
    # each file classified once; the approved registration's first is the category noticed
    assert Classification.objects.count() == 13
    # 家庭人口 is the people listed, in every file and on every registration under way
    sizes = Household.objects.annotate(people=Count("members")).values_list("size", "people")
    assert all(size == people for size, people in sizes)
    from cases.models import Application, Kind

    for application in Application.objects.filter(kind=Kind.REGISTRATION):
        assert application.proposal["members"]
        assert application.proposal["fields"]["size"] == 1 + len(application.proposal["members"])
    assert (
        Member.objects.filter(name__regex=r"[喆堃淼犇鑫垚]").exists() or Member.objects.count() > 12
    )
    events = HouseholdEvent.objects.count()
    seed(households=12)
    assert Household.objects.count() == 13
    assert HouseholdEvent.objects.count() == events


def test_it_shows_every_step_of_the_workflow_once():
    from cases.models import Application, Notice, Objection

    seed(households=12)
    states = set(Application.objects.values_list("state", flat=True))
    assert {"draft", "submitted", "approved", "awaiting_approval", "in_notice"} <= states
    assert set(Notice.objects.values_list("state", flat=True)) == {"closed", "published"}
    assert Objection.objects.count() == 1
    count = Application.objects.count()
    seed(households=12)
    assert Application.objects.count() == count


def test_every_finance_page_has_data(client):
    from django.urls import reverse

    from relief.models import (
        BankResult,
        BankSheet,
        BankSheetLine,
        Campaign,
        Disbursement,
        Entitlement,
        EntitlementState,
        FundYear,
        LineKind,
        VerificationSample,
    )

    seed(households=12)
    year = Disbursement.objects.order_by("-paid_on").first().paid_on.year
    assert FundYear.objects.filter(year=year).exists()
    assert Disbursement.objects.filter(kind=LineKind.PAYMENT).count() >= 4
    reversal = Disbursement.objects.get(kind=LineKind.REVERSAL)
    assert Disbursement.objects.filter(entitlement=reversal.entitlement).count() == 3  # paid again
    assert len({line.paid_on.month for line in Disbursement.objects.all()}) >= 3  # over the year
    assert BankSheetLine.objects.filter(result=BankResult.FAILED).exists()
    assert BankSheetLine.objects.filter(result=BankResult.PAID).exists()
    assert Entitlement.objects.filter(state=EntitlementState.TO_PAY).exists()
    assert VerificationSample.objects.get().checks.exclude(answer="").exists()
    campaign = Campaign.objects.get()
    assert "春节送温暖" in campaign.name and campaign.requests.exists()

    client.force_login(User.objects.get(username="finance"))
    pages = {
        "relief:to_pay": Entitlement.objects.filter(state=EntitlementState.TO_PAY)
        .first()
        .household.file_number,
        "relief:ledger": reversal.voucher_number,
        "relief:funds": "中央财政帮扶资金",
        "relief:months": "",
        "relief:campaign_list": campaign.name,
        "relief:bank_sheet_list": BankSheet.objects.get().number,
        "relief:sample_list": VerificationSample.objects.get().title,
    }
    for name, shown in pages.items():
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert shown in response.content.decode(), name
    export = client.get(reverse("relief:ledger_export"), {"format": "csv"})
    rows = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert len(rows) == 1 + Disbursement.objects.count() + 1

    lines = Disbursement.objects.count()
    seed(households=12)
    assert Disbursement.objects.count() == lines
