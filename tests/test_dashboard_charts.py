"""The dashboard picture: supervisors, finance and auditors see this year's key figures as SVG
charts on their home page, drawn for their own scope; other roles see their cards only."""

import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from helpcenter.dashboard import CHART_PROVIDERS, charts_for
from households import services as household_services
from relief import services
from relief.models import Method
from reports.dashboard import statistics_charts
from tests.factories import UserFactory, household_for
from tests.ledger_support import approved_relief, programme_with_budget

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def _in_chinese():
    """The charts' words are the county's language (the default); tests read them in it."""
    with translation.override("zh-hans"):
        yield


def pay(people, entitlement, amount: str) -> None:
    services.disbursement_pay(
        actor=people.finance,
        entitlement=entitlement,
        method=Method.CASH,
        amount=Decimal(amount),
        paid_on=timezone.localdate(),
        signed_by="张三",
    )


@pytest.fixture
def paid(registry):
    """Registry plus one payment in each union: 1,200.00 in union A, 3,400.00 in union B."""
    programme = programme_with_budget(allocated="10000.00")
    pay(
        registry,
        approved_relief(
            registry, household=registry.household_a, programme=programme, amount="1200.00"
        ),
        "1200.00",
    )
    pay(
        registry,
        approved_relief(
            registry, household=registry.household_b, programme=programme, amount="3400.00"
        ),
        "3400.00",
    )
    return registry


def descriptions(charts) -> list[str]:
    return [ET.fromstring(str(chart.svg)).find(f"{SVG}desc").text for chart in charts]  # noqa: S314


def test_the_reports_app_registers_its_chart_provider():
    assert statistics_charts in CHART_PROVIDERS


@pytest.mark.parametrize("name", ["supervisor", "finance", "auditor", "supervisor_a"])
def test_supervisors_finance_and_auditors_see_four_charts(client, paid, name):
    client.force_login(paid[name])

    response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    charts = response.context["charts"]
    assert len(charts) == 4
    content = response.content.decode()
    assert 'data-testid="charts"' in content
    assert content.count('role="img"') == 4
    for chart in charts:
        root = ET.fromstring(str(chart.svg))  # noqa: S314 - our own markup
        assert root.get("role") == "img"
        assert str(chart.svg) in content  # put into the page as markup, not escaped
    assert "style=" not in "".join(str(chart.svg) for chart in charts)


@pytest.mark.parametrize(
    "name", ["caseworker_a", "county_caseworker", "administrator", "administrator_a"]
)
def test_other_roles_see_no_charts(client, registry, name):
    client.force_login(registry[name])

    response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert response.context["charts"] == []
    assert 'data-testid="charts"' not in response.content.decode()


def test_accounts_without_a_union_or_a_role_see_no_figures(registry):
    """A superuser has every permission but no union: no scope, so no figures."""
    homeless = UserFactory(username="root", union=None, is_superuser=True, roles=[])

    assert homeless.has_perm("reports.view_dashboard_charts")
    assert statistics_charts(homeless) == []
    assert statistics_charts(registry.outsider) == []


def test_county_staff_see_the_county(paid):
    households, _exit_rate, money, budget = descriptions(charts_for(paid.supervisor))

    assert sum(int(part.rsplit(" ", 2)[-2]) for part in households.split("; ")) == 2
    assert "4,600.00 元" in money  # both unions' payments, in this month of one programme
    notes = [str(chart.note) for chart in charts_for(paid.supervisor)]
    assert "4,600.00" in notes[2]
    assert "%" in budget  # the county sees the share of its budgets paid
    assert "4,600.00" in notes[3]  # paid of allocated


def test_a_grassroots_supervisor_sees_its_unions_figures_only(paid):
    charts = charts_for(paid.supervisor_a)
    households, _exit_rate, money, budget = descriptions(charts)

    assert sum(int(part.rsplit(" ", 2)[-2]) for part in households.split("; ")) == 1
    assert "1,200.00 元" in money
    assert "3,400.00" not in money and "4,600.00" not in money
    assert "1,200.00" in str(charts[2].note) and "4,600.00" not in str(charts[2].note)
    assert "测试帮扶资金: 1,200.00" in budget  # its payments per fund, not the county's budgets
    assert "3,400.00" not in budget and "10,000" not in str(charts[3].note)
    assert charts[3].url is None  # the funds page is the county's


def test_the_exit_rate_is_drawn_against_the_target(registry):
    _households, before, _money, _budget = descriptions(charts_for(registry.supervisor))
    household_services.household_exit(
        actor=registry.supervisor,
        household=registry.household_b,
        reason="再就业，收入稳定",
        follow_up_on=timezone.localdate() + timedelta(days=30),
    )

    charts = charts_for(registry.supervisor)
    _households, county, _money, _budget = descriptions(charts)
    _households, union_a, _money, _budget = descriptions(charts_for(registry.supervisor_a))

    assert before == "脱困率: 0.0 %; 目标: 30.0 %"
    assert county == "脱困率: 50.0 %; 目标: 30.0 %"  # 1 of the 2 files of this year
    assert str(charts[1].note) == "本年在档 2 户中已脱困 1 户，已达到目标。"
    assert union_a == "脱困率: 0.0 %; 目标: 30.0 %"  # union B's exit is not union A's


def test_the_number_of_queries_does_not_grow_with_the_data(paid, django_assert_max_num_queries):
    user = paid.supervisor
    with CaptureQueriesContext(connection) as small:
        charts_for(user)
    for name in ("王一", "王二", "王三"):
        household = household_for(paid.union_a, actor=paid.caseworker_a, name=name)
        pay(paid, approved_relief(paid, household=household, amount="500.00"), "500.00")

    with django_assert_max_num_queries(9):  # 8 aggregates + the role check
        charts = charts_for(user)
    with CaptureQueriesContext(connection) as large:
        charts_for(user)

    assert len(large.captured_queries) == len(small.captured_queries)
    this_month = f"{timezone.localdate().month}月 500.00 元"
    assert descriptions(charts)[2].count(this_month) == 3  # three new programmes paid 500
