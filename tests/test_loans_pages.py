"""The micro-loan pages: applying from the household's page, the loan page, the finance forms,
the portfolio with its chart, the household's loans and the inbox card. Grassroots staff see
their union's loans only."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from cases.models import Application, Kind
from relief import lending
from relief.models import Loan, Repayment
from tests.loan_support import disbursed_loan, file_loan, guarantor, loan_programme

pytestmark = pytest.mark.django_db


def _guarantor_rows(*rows: dict) -> dict:
    data = {
        "guarantors-TOTAL_FORMS": "3",
        "guarantors-INITIAL_FORMS": "0",
        "guarantors-MIN_NUM_FORMS": "0",
        "guarantors-MAX_NUM_FORMS": "5",
    }
    for index, row in enumerate(rows):
        data.update({f"guarantors-{index}-{name}": value for name, value in row.items()})
    return data


def _application_data(programme, **overrides) -> dict:
    person = guarantor()
    data = {
        "programme": programme.pk,
        "principal": "２００００",  # full-width digits are read as 20000
        "term_months": "24",
        "purpose": "开办修车铺",
        "business_plan": "租门面，购工具。",
        "laid_off_employed": "0",
        **_guarantor_rows(
            {
                "kind": "public_staff",
                "name": person.name,
                "id_number": person.id_number,
                "work_unit": "县医院",
                "share": "100",
            }
        ),
    }
    data.update(overrides)
    return data


def test_a_caseworker_applies_for_a_loan_from_the_household_page(client, registry):
    people = registry
    programme = loan_programme()
    client.force_login(people.caseworker_a)
    page = client.get(reverse("households:detail", args=[people.household_a.pk]))
    assert reverse("relief:loan_apply", args=[people.household_a.pk]) in page.content.decode()
    response = client.post(
        reverse("relief:loan_apply", args=[people.household_a.pk]), _application_data(programme)
    )
    application = Application.objects.get(kind=Kind.LOAN)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:application_detail", args=[application.pk])
    loan = application.loan
    assert (loan.principal, loan.term_months, loan.guarantors.count()) == (
        Decimal("20000.00"),
        24,
        1,
    )


def test_a_refused_application_shows_why_and_saves_nothing(client, registry):
    people = registry
    programme = loan_programme()
    client.force_login(people.caseworker_a)
    response = client.post(
        reverse("relief:loan_apply", args=[people.household_a.pk]),
        _application_data(programme, principal="5000", term_months="18"),
    )
    assert response.status_code == 200
    assert 'data-testid="error-summary"' in response.content.decode()
    assert not Loan.objects.exists() and not Application.objects.filter(kind=Kind.LOAN).exists()


def test_grassroots_staff_see_their_unions_loans_only(client, registry):
    people = registry
    loan_a = disbursed_loan(people)
    loan_b = disbursed_loan(people, household=people.household_b)
    client.force_login(people.caseworker_a)
    assert client.get(reverse("relief:loan_detail", args=[loan_a.pk])).status_code == 200
    assert client.get(reverse("relief:loan_detail", args=[loan_b.pk])).status_code == 404
    portfolio = client.get(reverse("relief:loan_portfolio")).content.decode()
    assert people.union_a.name in portfolio and people.union_b.name not in portfolio
    client.force_login(people.supervisor_a)
    assert client.get(reverse("relief:loan_detail", args=[loan_b.pk])).status_code == 404
    client.force_login(people.auditor)
    assert client.get(reverse("relief:loan_detail", args=[loan_b.pk])).status_code == 200
    response = client.post(
        reverse("relief:loan_repay", args=[loan_b.pk]),
        {"method": "cash", "amount": "10", "paid_on": "2025-02-10"},
    )
    assert response.status_code == 403 and not Repayment.objects.exists()


def test_finance_records_a_repayment_and_an_excess_is_refused_with_the_amount_owed(
    client, registry
):
    people = registry
    loan = disbursed_loan(people)
    client.force_login(people.finance)
    url = reverse("relief:loan_repay", args=[loan.pk])
    refused = client.post(url, {"method": "cash", "amount": "99999", "paid_on": "2025-02-10"})
    owed = lending.loan_owed(loan, on=date(2025, 2, 10)).total
    assert refused.status_code == 200 and str(owed) in refused.content.decode()
    assert not Repayment.objects.exists()
    response = client.post(url, {"method": "cash", "amount": "1060.00", "paid_on": "2025-02-10"})
    assert response.status_code == 302
    assert Repayment.objects.get().amount == Decimal("1060.00")


def test_the_loan_page_shows_the_schedule_overdue_and_the_subsidy(client, registry):
    people = registry
    loan = disbursed_loan(people)
    lending.loans_mark_overdue(today=date(2025, 3, 1))
    client.force_login(people.caseworker_a)
    page = client.get(reverse("relief:loan_detail", args=[loan.pk])).content.decode()
    assert page.count('data-status="overdue"') == 12  # every instalment is past due by now
    assert 'data-testid="overdue"' in page
    for row in lending.loan_instalments(loan):
        lending.loan_repay(
            actor=people.finance, loan=loan, amount=row.left, paid_on=row.instalment.due
        )
    lending.loan_subsidy_pay(actor=people.finance, loan=loan, paid_on=date(2026, 1, 12))
    page = client.get(reverse("relief:loan_detail", args=[loan.pk])).content.decode()
    assert page.count('data-status="paid"') == 12
    assert "390.00 × (0.06000 − 0.02000) ÷ 0.06000" in page and "260.00" in page


def test_the_portfolio_groups_by_bucket_and_draws_the_chart(client, registry):
    people = registry
    overdue = disbursed_loan(people)
    disbursed_loan(people, household=people.household_b, principal="20000.00")
    lending.loans_mark_overdue(today=date(2025, 3, 1))  # both 19 days past due
    lending.loan_repay(
        actor=people.finance, loan=overdue, amount=Decimal("1060.00"), paid_on=date(2025, 2, 10)
    )
    lending.loans_mark_overdue(today=date(2025, 3, 1))  # A is now current, B still overdue
    client.force_login(people.finance)
    response = client.get(reverse("relief:loan_portfolio"))
    page = response.content.decode()
    rows = {row.union_name: row for row in response.context["rows"]}
    assert rows[people.union_a.name].outstanding == Decimal("11000.00")
    assert rows[people.union_a.name].overdue_total == 0
    assert rows[people.union_b.name].overdue["1-30"] == [1, Decimal("20000.00")]
    assert response.context["total"].outstanding == Decimal("31000.00")
    assert '<svg role="img"' in page and "style=" not in page.split("<svg", 1)[1].split("</svg>")[0]
    heights = [bar.height for bar in response.context["bars"]]
    assert heights == [160, 0, 0, 0, 0]


def _overdue_card(client) -> int:
    cards = client.get("/").context["cards"]
    with translation.override("en"):
        return {str(card.title): card.count for card in cards}["Overdue loans: visit the borrowers"]


def test_the_inbox_lists_overdue_loans_with_a_reminder_to_visit(client, registry):
    people = registry
    disbursed_loan(people)
    lending.loans_mark_overdue(today=date(2025, 3, 1))
    client.force_login(people.caseworker_a)
    assert _overdue_card(client) == 1
    client.force_login(people.finance)
    assert _overdue_card(client) == 1
    client.force_login(people.caseworker_b)
    assert _overdue_card(client) == 0


def test_the_household_page_lists_its_loans(client, registry):
    people = registry
    loan = disbursed_loan(people)
    client.force_login(people.caseworker_a)
    page = client.get(reverse("households:detail", args=[people.household_a.pk])).content.decode()
    assert reverse("relief:loan_detail", args=[loan.pk]) in page


def test_the_application_page_shows_the_loan_for_review(client, registry):
    people = registry
    application = file_loan(people, guarantors=[guarantor(name="孙老师")])
    client.force_login(people.supervisor)
    page = client.get(reverse("cases:application_detail", args=[application.pk])).content.decode()
    assert 'data-testid="loan-details"' in page and "孙老师" in page
    assert reverse("relief:loan_detail", args=[application.loan.pk]) in page


def test_loan_lines_show_in_the_ledger_with_their_vouchers(client, registry):
    people = registry
    loan = disbursed_loan(people)
    repayment = lending.loan_repay(
        actor=people.finance, loan=loan, amount=Decimal("1060.00"), paid_on=date(2025, 2, 10)
    )
    client.force_login(people.finance)
    ledger = client.get(reverse("relief:ledger"))
    assert ledger.status_code == 200
    assert repayment.line.voucher_number in ledger.content.decode()
    for line in (loan.disbursement_line, repayment.line):
        assert client.get(reverse("relief:line", args=[line.pk])).status_code == 200
