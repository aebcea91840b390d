"""Browser journey of issue 10: a caseworker applies for a micro-loan with two guarantors from
the household's page; it goes through review and the public notice (the workflow's services: the
notice pages have their own journey) and is approved; finance pays it out and sees the schedule,
records a partial repayment; the loan goes overdue (the daily task run with the date moved) and
shows in finance's inbox and the portfolio; finance repays it in full and pays the interest
subsidy, whose calculation the loan page shows. Screenshots: test-artifacts/journey/loans-*.png.

Pages are found by element ids, data-testid and addresses."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases import services as case_services
from cases.models import Application, Kind
from helpcenter.demo import DemoPeople
from relief import lending
from relief.models import Loan, LoanState
from tests.browser import (  # noqa: F401  (fixtures)
    allow_orm_beside_playwright,
    browser_type_launch_args,
    log_in,
    no_axe_violations,
    no_csp_violations,
    shot,
)
from tests.ledger_support import approver
from tests.loan_support import loan_programme, through_notice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate


def log_out(page: Page) -> None:
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()


def test_a_loan_is_applied_for_noticed_paid_out_repaid_and_subsidised(
    page: Page, live_server, registry
):
    base = live_server.url
    people = registry
    programme = loan_programme()
    household = people.household_a
    ids = DemoPeople(seed=77)
    first, second = ids.resident_id(), ids.resident_id()

    # --- The caseworker applies from the household's page, with two guarantors. ----------------
    log_in(page, base, "caseworker_a")
    page.goto(f"{base}/households/{household.pk}/")
    page.get_by_test_id("apply-loan").click()
    page.locator("#id_programme").select_option(str(programme.pk))
    page.locator("#id_principal").fill("12000")
    page.locator("#id_term_months").fill("12")
    page.locator("#id_purpose").fill("开办早餐店")
    page.locator("#id_business_plan").fill("租门面一间，购置设备，雇工二人。")
    for index, (name, number, share) in enumerate(
        [("王老师", first, "100"), ("李医生", second, "50")]
    ):
        page.locator(f"#id_guarantors-{index}-kind").select_option("public_staff")
        page.locator(f"#id_guarantors-{index}-name").fill(name)
        page.locator(f"#id_guarantors-{index}-id_number").fill(number)
        page.locator(f"#id_guarantors-{index}-work_unit").fill("县第一中学")
        page.locator(f"#id_guarantors-{index}-share").fill(share)
    shot(page, "loans-1-application")
    page.get_by_test_id("file-loan").click()
    expect(page.get_by_test_id("loan-details")).to_contain_text("王老师")
    application = Application.objects.get(kind=Kind.LOAN)
    assert application.loan.guarantors.count() == 2
    log_out(page)

    # --- Review, the public notice and approval (the workflow's services). ---------------------
    application = through_notice(people, application)
    case_services.application_approve(actor=approver(people), application=application)
    loan = Loan.objects.get(application=application)
    assert loan.state == LoanState.APPROVED

    # --- Finance pays it out: the schedule is stored. -------------------------------------------
    log_in(page, base, "finance")
    page.goto(f"{base}/relief/loans/{loan.pk}/")
    page.get_by_test_id("loan-actions").get_by_role("link").first.click()
    disbursed_on = TODAY() - timedelta(days=75)
    page.locator("#id_disbursed_on").fill(disbursed_on.isoformat())
    page.locator("#id_first_due").fill((disbursed_on + timedelta(days=30)).isoformat())
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("schedule").locator("tbody tr")).to_have_count(12)
    shot(page, "loans-2-paid-out")

    # --- A partial repayment. -------------------------------------------------------------------
    page.get_by_test_id("loan-actions").get_by_role("link").first.click()
    page.locator("#id_amount").fill("1060.00")
    page.locator("#id_paid_on").fill((disbursed_on + timedelta(days=30)).isoformat())
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("repayments")).to_contain_text("1060.00")

    # --- Overdue: the daily task, with the date moved; finance's inbox and the portfolio. -------
    lending.loans_mark_overdue(today=TODAY())
    loan.refresh_from_db()
    assert loan.days_past_due > 0
    page.goto(f"{base}/relief/loans/{loan.pk}/")
    expect(page.get_by_test_id("overdue")).to_be_visible()
    shot(page, "loans-3-overdue")
    page.goto(f"{base}/")
    expect(page.get_by_test_id("cards")).to_contain_text("1")
    page.goto(f"{base}/relief/loans/")
    expect(page.get_by_test_id("overdue-loans")).to_contain_text(household.head.name)
    shot(page, "loans-4-portfolio-overdue")

    # --- Repaid in full today (interest to the day), then the subsidy. --------------------------
    page.goto(f"{base}/relief/loans/{loan.pk}/")
    owed = page.get_by_test_id("owed").inner_text().split()[0]
    assert Decimal(owed) == lending.loan_owed(loan, on=TODAY()).total
    page.get_by_test_id("loan-actions").get_by_role("link").first.click()
    page.locator("#id_amount").fill(owed)
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("loan-state")).to_be_visible()
    loan.refresh_from_db()
    assert loan.state == LoanState.REPAID
    page.get_by_test_id("loan-actions").get_by_role("link").first.click()
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("subsidy")).to_contain_text(
        Loan.objects.get(pk=loan.pk).subsidy_calculation["subsidy"]
    )
    shot(page, "loans-5-subsidy")
    page.goto(f"{base}/relief/loans/")
    expect(page.get_by_test_id("total-subsidy")).to_have_text(
        Loan.objects.get(pk=loan.pk).subsidy_calculation["subsidy"]
    )
    shot(page, "loans-6-portfolio-repaid")
