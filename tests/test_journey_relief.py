"""Browser journey of issue 9: a holiday warmth campaign (2027年春节送温暖) is previewed and
created by a caseworker; a supervisor reviews its applications and posts them on a public
notice; when the period has passed a second supervisor approves them (each approval commits an
entitlement against the budget); the caseworker prints the union's delivery list and delivers at
home (one household partly, then in full, with the photo of the signed receipt; too much is
refused); finance pays cash and goods, and the third household by bank card: the bank's return
file marks its line failed, it returns to the queue and a second sheet pays it; the campaign
page, the fund page, the ledger and each household's ledger agree to the fen; a supervisor
draws a verification sample of the campaign and records the answers. Screenshots:
test-artifacts/journey/relief-*.png.

The pages are found by element ids, data-testid and addresses, and their words through the
catalogue (str(label)), so the journey reads the same in English and in Chinese."""

import re
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from playwright.sync_api import Page, expect

from cases import services as case_services
from cases.models import Application, Notice, NoticeState, State
from helpcenter.models import Role
from relief.campaigns import campaign_figures
from relief.models import (
    Answer,
    BankAccount,
    BankResult,
    BankSheet,
    Budget,
    Campaign,
    Delivery,
    DeliveryState,
    Disbursement,
    Entitlement,
    EntitlementState,
    Fund,
    Programme,
    VerificationSample,
)
from tests.browser import (  # noqa: F401  (fixtures)
    allow_orm_beside_playwright,
    browser_type_launch_args,
    log_in,
    no_axe_violations,
    no_csp_violations,
    shot,
)
from tests.factories import UserFactory, household_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate
NAME = f"{TODAY().year + 1}年春节送温暖"


def log_out(page: Page) -> None:
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()


def png_bytes() -> bytes:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (320, 200), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def yuan(amount: Decimal) -> str:
    """As the campaign page shows an amount: 4,060.00."""
    return f"{amount:,.2f}"


def amount_on(locator) -> Decimal:
    """The amount a page shows in `locator`, to the fen (4,060.00, 4060.00 and 4060 agree)."""
    expect(locator).to_have_text(re.compile(r"^\s*-?[\d,]+(\.\d{1,2})?\s*$"))
    return Decimal(locator.inner_text().replace(",", "").strip())


@pytest.fixture
def county(registry):
    """The seeded warmth programme (relief migration 0003, seeded again after a flush) with
    this year's budget, and three households of union A, one of each degree."""
    from importlib import import_module

    from django.apps import apps

    import_module("relief.migrations.0003_seed_programmes_and_funds").seed(apps, None)
    people = registry
    programme = Programme.objects.get(code="warmth")
    Budget.objects.create(
        programme=programme,
        fund=Fund.objects.get(code="central"),
        year=TODAY().year,
        allocated=Decimal("50000.00"),
    )
    people.programme = programme
    people.severe = household_for(
        people.union_a, actor=people.caseworker_a, name="陈卫东", degree="severe"
    )
    people.serious = household_for(
        people.union_a, actor=people.caseworker_a, name="刘秀英", degree="serious"
    )
    people.general = household_for(
        people.union_a, actor=people.caseworker_a, name="周建国", degree="general"
    )
    people.approver = UserFactory(
        username="supervisor_2", union=people.county, roles=[Role.SUPERVISOR]
    )
    return people


def test_a_campaign_is_created_noticed_approved_delivered_and_paid(page: Page, live_server, county):
    base = live_server.url
    people = county

    # --- The caseworker previews the campaign, then creates it. -------------------------------
    log_in(page, base, "caseworker_a")
    page.get_by_test_id("main-nav").locator('a[href="/relief/"]').click()
    page.get_by_test_id("relief-pages").locator('a[href="/relief/campaigns/"]').click()
    page.get_by_test_id("new-campaign").click()
    page.locator("#id_name").fill(NAME)
    page.locator("#id_programme").select_option(str(people.programme.pk))
    page.locator("#id_year").select_option(str(TODAY().year + 1))
    page.locator("#id_reason").fill("春节前入户慰问困难职工家庭")
    page.get_by_test_id("preview").click()
    preview = page.get_by_test_id("campaign-preview")
    expect(preview.get_by_test_id("preview-row")).to_have_count(3)
    # 特困 2,000 + 2 rice (60) + 2 oil (80); 重困 1,000 and 一般困难 500, each + 1 rice + 1 oil.
    expect(preview.get_by_test_id("preview-cash")).to_have_text("3,500.00")
    expect(preview.get_by_test_id("preview-goods")).to_have_text("560.00")
    expect(preview.get_by_test_id("preview-total")).to_have_text("4,060.00")
    # household_a has no degree: it is left out, with the reason.
    expect(preview.get_by_test_id("preview-excluded")).to_contain_text(
        people.household_a.file_number
    )
    assert not Campaign.objects.exists() and not Application.objects.exists()
    shot(page, "relief-1-campaign-preview")
    page.get_by_test_id("confirm").click()
    campaign = Campaign.objects.get()
    expect(page).to_have_url(f"{base}/relief/campaigns/{campaign.pk}/")
    expect(page.get_by_test_id("figure-total")).to_contain_text("4,060.00")
    expect(page.get_by_test_id("figure-approved")).to_contain_text("0.00")
    applications = list(Application.objects.filter(relief__campaign=campaign).order_by("pk"))
    assert [a.state for a in applications] == [State.SUBMITTED] * 3
    shot(page, "relief-2-campaign-created")
    log_out(page)

    # --- A supervisor reviews each application and posts them on a notice. -------------------
    log_in(page, base, "supervisor")
    for application in applications:
        page.goto(f"{base}/cases/applications/{application.pk}/review/")
        page.locator("#id_comment").fill("入户核实，符合送温暖条件")
        page.get_by_test_id("confirm").click()
        expect(page.get_by_test_id("state")).to_have_text(str(State.REVIEWED.label))
    shot(page, "relief-3-reviewed")
    page.goto(f"{base}/cases/notices/new/")
    page.locator("#id_title").fill(f"{NAME}慰问对象公示")
    page.locator("#id_place").fill("甲厂厂务公开栏")
    page.locator("#id_contact").fill("县总工会帮扶中心 0311-1234567")
    for application in applications:
        page.locator(f"input[name=applications][value='{application.pk}']").check()
    page.get_by_test_id("notice-form").locator("button[type=submit]").click()
    page.get_by_test_id("publish").click()
    page.locator("#id_comment").fill("名单核实无误，同意公示")
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("notice-state")).to_have_text(str(NoticeState.PUBLISHED.label))
    expect(page.get_by_test_id("notice-rows")).to_contain_text("陈卫东")
    shot(page, "relief-4-notice-posted")
    log_out(page)

    # --- A month passes; a second supervisor closes the notice and approves all. ---------------
    notice = Notice.objects.get()
    start = notice.start_on - timedelta(days=30)
    Notice.objects.filter(pk=notice.pk).update(
        start_on=start, end_on=case_services.notice_period_end(start=start, working_days=5)
    )
    log_in(page, base, "supervisor_2")
    page.goto(f"{base}/cases/notices/{notice.pk}/")
    expect(page.get_by_test_id("notice-state")).to_have_text(str(NoticeState.CLOSED.label))
    page.get_by_test_id("approve-all").click()
    page.locator("#id_comment").fill("公示期满无异议，同意发放")
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("notice-applications")).to_contain_text(str(State.APPROVED.label))
    shot(page, "relief-5-approved")
    entitlements = {
        e.household_id: e
        for e in Entitlement.objects.filter(application__relief__campaign=campaign)
    }
    assert len(entitlements) == 3
    severe = entitlements[people.severe.pk]
    serious = entitlements[people.serious.pk]
    assert (severe.cash_amount, severe.goods_value) == (Decimal("2000.00"), Decimal("280.00"))
    page.goto(f"{base}/relief/campaigns/{campaign.pk}/")
    expect(page.get_by_test_id("figure-approved")).to_contain_text("4,060.00")
    log_out(page)

    # --- The caseworker prints the union's list and delivers at home. -------------------------
    log_in(page, base, "caseworker_a")
    page.goto(f"{base}/relief/campaigns/{campaign.pk}/")
    page.get_by_test_id("delivery-list-link").click()
    expect(page.get_by_test_id("delivery-row")).to_have_count(3)
    shot(page, "relief-6-delivery-list")
    page.goto(f"{base}/relief/campaigns/{campaign.pk}/unions/{people.union_a.code}/print/")
    expect(page.locator("th.signature")).to_be_visible()
    page.emulate_media(media="print")
    shot(page, "relief-7-delivery-print")
    page.emulate_media(media="screen")

    # The severe household: the cash and rice first (partial), the oil a day later (full).
    page.goto(f"{base}/relief/entitlements/{severe.pk}/delivery/")
    page.locator("#id_delivered_by").fill("王干事、李干事")
    page.locator("#id_cash_given").fill("2000.00")
    page.locator("#id_goods_0").fill("2")
    page.locator("#id_goods_1").fill("0")
    page.locator("#id_signed_by").fill("陈卫东")
    page.locator("#id_receipt_photo").set_input_files(
        files=[{"name": "签收单.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    shot(page, "relief-8-delivery-form")
    page.get_by_test_id("delivery-form").locator("button[type=submit]").click()
    rows = page.get_by_test_id("delivery-row")
    expect(rows.filter(has_text="陈卫东").get_by_test_id("delivery-state")).to_have_text(
        str(DeliveryState.PARTIAL.label)
    )
    # More oil than approved is refused with the figures; nothing is saved.
    page.goto(f"{base}/relief/entitlements/{severe.pk}/delivery/")
    page.locator("#id_delivered_by").fill("王干事")
    page.locator("#id_cash_given").fill("0")
    page.locator("#id_goods_1").fill("3")
    page.locator("#id_signed_by").fill("陈卫东")
    page.get_by_test_id("delivery-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("2")
    assert Delivery.objects.count() == 1
    shot(page, "relief-9-over-delivery-refused")
    page.locator("#id_goods_1").fill("2")
    page.get_by_test_id("delivery-form").locator("button[type=submit]").click()
    expect(rows.filter(has_text="陈卫东").get_by_test_id("delivery-state")).to_have_text(
        str(DeliveryState.DELIVERED.label)
    )
    # The serious household in one visit.
    page.goto(f"{base}/relief/entitlements/{serious.pk}/delivery/")
    page.locator("#id_delivered_by").fill("王干事")
    page.locator("#id_signed_by").fill("刘秀英")
    page.get_by_test_id("delivery-form").locator("button[type=submit]").click()
    expect(rows.filter(has_text="刘秀英").get_by_test_id("delivery-state")).to_have_text(
        str(DeliveryState.DELIVERED.label)
    )
    assert list(Delivery.objects.order_by("pk").values_list("state", flat=True)) == [
        DeliveryState.PARTIAL,
        DeliveryState.DELIVERED,
        DeliveryState.DELIVERED,
    ]
    assert Delivery.objects.exclude(receipt_photo="").count() == 1
    page.goto(f"{base}/relief/campaigns/{campaign.pk}/")
    expect(page.get_by_test_id("figure-delivered")).to_contain_text(
        yuan(severe.amount + serious.amount)
    )
    shot(page, "relief-10-campaign-delivered")

    # The general household is paid by bank card: the caseworker records the head's card.
    page.goto(f"{base}/relief/households/{people.general.pk}/cards/")
    page.locator("#id_holder").select_option(str(people.general.head_id))
    page.locator("#id_bank_name").fill("县农村信用联社")
    page.locator("#id_card_number").fill("6217 0000 1234 5678 901")
    page.locator("form.hc-form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/households/{people.general.pk}/")
    assert BankAccount.objects.get(household=people.general).card_last4 == "8901"
    log_out(page)

    # --- Finance pays: cash and goods at home; the general household by a bank sheet. ---------
    log_in(page, base, "finance")
    for entitlement in (severe, serious):
        page.goto(f"{base}/relief/to-pay/{entitlement.pk}/")
        form = page.get_by_test_id("pay-form")
        form.locator("input[name=method][value=cash]").check()
        form.locator("#id_amount").fill(str(entitlement.cash_amount))
        form.locator("#id_paid_on").fill(TODAY().isoformat())
        form.locator("#id_signed_by").fill(entitlement.household.head.name)
        page.get_by_test_id("pay").click()
        expect(page.get_by_test_id("pay-form")).to_have_count(0)
        page.goto(f"{base}/relief/to-pay/{entitlement.pk}/")
        form = page.get_by_test_id("pay-form")
        form.locator("input[name=method][value=goods]").check()
        form.locator("#id_amount").fill(str(entitlement.goods_value))
        form.locator("#id_paid_on").fill(TODAY().isoformat())
        form.locator("#id_signed_by").fill(entitlement.household.head.name)
        form.locator("#id_goods").fill(
            "\n".join(
                f"{item['item']} {item['quantity']}{item['unit']}" for item in entitlement.goods
            )
        )
        if entitlement == severe:
            shot(page, "relief-11-pay-goods")
        page.get_by_test_id("pay").click()
        expect(page.get_by_test_id("pay-form")).to_have_count(0)
    general = entitlements[people.general.pk]

    def bank_sheet() -> "BankSheet":
        page.goto(f"{base}/relief/bank-sheets/new/")
        page.locator("#id_paid_on").fill(TODAY().isoformat())
        page.get_by_test_id("queue-table").locator(
            f"input[name=entitlements][value='{general.pk}']"
        ).check()
        page.locator("form.hc-form button[type=submit]").click()
        expect(page.get_by_test_id("line-table")).to_contain_text("周建国")
        return BankSheet.objects.order_by("-pk").first()

    def bank_return(sheet, status: str, paid: str) -> None:
        book = Workbook()
        book.active.append(["序号", "户名", "卡号后四位", "实付金额", "状态", "说明"])
        book.active.append([1, "周建国", "8901", paid, status, "户名不符" if paid == "0" else ""])
        content = BytesIO()
        book.save(content)
        page.locator("#id_file").set_input_files(
            files=[
                {
                    "name": f"{sheet.number}-回单.xlsx",
                    "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "buffer": content.getvalue(),
                }
            ]
        )
        page.locator(f"form[action$='/bank-sheets/{sheet.pk}/return/'] button[type=submit]").click()
        expect(page.get_by_test_id("returned")).not_to_contain_text(str(_("awaiting the bank")))

    first = bank_sheet()
    with page.expect_download() as download:
        page.get_by_test_id("download-sheet").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    shot(page, "relief-12-bank-sheet")
    bank_return(first, "失败", "0")
    expect(page.get_by_test_id("line-table")).to_contain_text(str(BankResult.FAILED.label))
    shot(page, "relief-13-bank-return-failed")
    assert Entitlement.objects.get(pk=general.pk).state == EntitlementState.TO_PAY
    assert not Disbursement.objects.filter(entitlement=general).exists()
    # The failed line is back in the queue: a second sheet pays it.
    second = bank_sheet()
    bank_return(second, "成功", str(general.cash_amount))
    expect(page.get_by_test_id("line-table")).to_contain_text(str(BankResult.PAID.label))
    shot(page, "relief-14-bank-return-paid")
    page.goto(f"{base}/relief/to-pay/{general.pk}/")
    form = page.get_by_test_id("pay-form")
    form.locator("input[name=method][value=goods]").check()
    form.locator("#id_amount").fill(str(general.goods_value))
    form.locator("#id_paid_on").fill(TODAY().isoformat())
    form.locator("#id_signed_by").fill("周建国")
    form.locator("#id_goods").fill("大米 1袋\n食用油 1桶")
    page.get_by_test_id("pay").click()
    expect(page.get_by_test_id("pay-form")).to_have_count(0)
    total = severe.amount + serious.amount + general.amount
    lines = Disbursement.objects.filter(entitlement__campaign=campaign)
    assert sum(line.amount for line in lines) == total == Decimal("4060.00")
    assert set(Entitlement.objects.filter(campaign=campaign).values_list("state", flat=True)) == {
        EntitlementState.PAID
    }

    # --- The campaign, the fund page, the ledger and each household's ledger agree. -----------
    page.goto(f"{base}/relief/campaigns/{campaign.pk}/")
    expect(page.get_by_test_id("figure-paid")).to_contain_text(yuan(total))
    expect(page.get_by_test_id("figure-paid")).to_contain_text("3")
    shot(page, "relief-15-campaign-paid")
    page.goto(f"{base}/relief/funds/")
    warmth_row = page.get_by_test_id("programme-figures").locator(
        f"tr[data-row='{people.programme.pk}']"
    )
    assert amount_on(warmth_row.locator("[data-figure=paid]")) == total
    assert amount_on(warmth_row.locator("[data-figure=committed]")) == total
    shot(page, "relief-16-funds")
    page.goto(f"{base}/relief/ledger/?programme={people.programme.pk}")
    assert amount_on(page.get_by_test_id("net")) == total
    shot(page, "relief-17-ledger")
    for household, entitlement in (
        (people.severe, severe),
        (people.serious, serious),
        (people.general, general),
    ):
        page.goto(f"{base}/households/{household.pk}/")
        page.get_by_test_id("relief-ledger-tab").click()
        net = page.get_by_test_id("household-years").locator("tbody tr td").last
        assert amount_on(net) == entitlement.amount
        if household == people.severe:
            shot(page, "relief-18-household-ledger")
    figures = campaign_figures(user=people.finance, campaign=campaign)
    assert (figures.paid.households, figures.paid.amount) == (3, total)
    assert figures.approved.amount == total
    log_out(page)

    # --- A supervisor draws a verification sample of the campaign and records the answers. ----
    log_in(page, base, "supervisor")
    page.goto(f"{base}/relief/verification/draw/")
    population = page.get_by_test_id("population-form")
    population.locator("#id_title").fill(f"{NAME}发放回访")
    population.locator("#id_campaign").select_option(str(campaign.pk))
    population.locator("button[type=submit]").click()
    expect(page.get_by_test_id("population-size")).to_have_text("3")
    shot(page, "relief-19-sample-plan")
    page.get_by_test_id("draw").click()
    sample = VerificationSample.objects.get()
    checks = page.get_by_test_id("check-table")
    for check in sample.checks.all():
        checks.locator(f"#answer-{check.pk}").select_option("received")
        checks.locator(f"#note-{check.pk}").fill("电话回访，本人确认已收到慰问金和慰问品")
        checks.locator(f"form:has(#answer-{check.pk}) button[type=submit]").click()
    expect(page.get_by_test_id("answer").first).to_have_text(str(Answer.RECEIVED.label))
    shot(page, "relief-20-sample-answered")
    assert not sample.checks.filter(answer="").exists()
