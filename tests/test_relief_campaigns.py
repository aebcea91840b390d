"""Campaigns (批次) and home delivery (入户送温暖): the preview follows the programme's tiers and
writes nothing; creating files every household's application in one step; a household is in a
campaign once (the database refuses a second); home deliveries are partial until full and never
beyond the entitlement; the campaign's figures agree with independent sums."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import Application, Kind, State
from households.choices import Status
from relief import services as relief_services
from relief.campaigns import (
    CampaignError,
    campaign_create,
    campaign_extend,
    campaign_figures,
    campaign_filters,
    campaign_preview,
    delivery_record,
)
from relief.models import (
    Budget,
    Campaign,
    Delivery,
    DeliveryState,
    Disbursement,
    Entitlement,
    Fund,
    Method,
    Programme,
    ReliefRequest,
)
from tests.factories import household_for
from tests.ledger_support import approver

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
YEAR = TODAY().year
# The seeded 两节送温暖 tiers (relief migration 0003): 特困 2,000 元 + 2 rice (60) + 2 oil (80);
# 重困 1,000 元 and 一般困难 500 元, each + 1 rice + 1 oil.
SEVERE = (Decimal("2000.00"), Decimal("280.00"))
SERIOUS = (Decimal("1000.00"), Decimal("140.00"))
GENERAL = (Decimal("500.00"), Decimal("140.00"))


@pytest.fixture
def warmth(registry):
    """The seeded warmth programme with this year's budget, and households of unions A and B
    of each degree (household_a and household_b have no degree: no tier gives them anything)."""
    programme = Programme.objects.get(code="warmth")
    Budget.objects.create(
        programme=programme, fund=Fund.objects.get(code="central"), year=YEAR, allocated="100000"
    )
    people = registry
    people.severe_a = household_for(people.union_a, actor=people.caseworker_a, degree="severe")
    people.serious_a = household_for(people.union_a, actor=people.caseworker_a, degree="serious")
    people.general_a = household_for(people.union_a, actor=people.caseworker_a, degree="general")
    people.severe_b = household_for(people.union_b, actor=people.caseworker_b, degree="severe")
    people.programme = programme
    return people


def filters_for(actor, **values):
    return campaign_filters(actor=actor, **values)


def create(people, actor=None, name="2027年春节送温暖", **filters):
    actor = actor or people.caseworker_a
    return campaign_create(
        actor=actor,
        name=name,
        programme=people.programme,
        year=YEAR,
        filters=filters_for(actor, **filters),
        reason="春节前入户慰问困难职工",
    )


def through_notice_and_approval(people, campaign):
    """Review every application, post them on a notice dated a month ago, close it, approve."""
    applications = list(
        Application.objects.filter(relief__campaign=campaign, state=State.SUBMITTED)
    )
    for application in applications:
        case_services.application_review(actor=people.supervisor, application=application)
    by_union = {}
    for application in applications:
        by_union.setdefault(application.union, []).append(application)
    for union, listed in by_union.items():
        notice = case_services.notice_create(
            actor=people.supervisor,
            union=union,
            title=f"{campaign.name}公示 {union.code}",
            place="工会公示栏",
            contact="县总工会 0000-12351",
            start_on=TODAY() - timedelta(days=30),
            working_days=5,
            applications=listed,
        )
        notice = case_services.notice_publish(
            actor=people.supervisor, notice=notice, today=notice.start_on
        )
        case_services.notice_close(notice=notice)
    for application in applications:
        case_services.application_approve(
            actor=approver(people), application=Application.objects.get(pk=application.pk)
        )
    return Entitlement.objects.filter(application__relief__campaign=campaign)


def snapshot():
    return (
        Campaign.objects.count(),
        Application.objects.count(),
        ReliefRequest.objects.count(),
        Delivery.objects.count(),
    )


# --- Preview --------------------------------------------------------------------------------------


def test_the_preview_follows_the_tiers_and_writes_nothing(warmth):
    before = snapshot()
    preview = campaign_preview(
        actor=warmth.caseworker_a,
        programme=warmth.programme,
        year=YEAR,
        filters=filters_for(warmth.caseworker_a),
    )
    assert snapshot() == before
    amounts = {row.household: (row.cash_amount, row.goods_value) for row in preview.rows}
    assert amounts == {
        warmth.severe_a: SEVERE,
        warmth.serious_a: SERIOUS,
        warmth.general_a: GENERAL,
    }
    # A grassroots caseworker's selection stays in union A; household_a has no degree.
    assert [row.household for row in preview.excluded] == [warmth.household_a]
    assert preview.excluded[0].reason
    assert preview.households == 3
    assert preview.cash_total == Decimal("3500.00")
    assert preview.goods_total == Decimal("560.00")
    assert preview.total == Decimal("4060.00")
    rice = next(line for line in preview.rows if line.household == warmth.severe_a).goods
    assert {"item": "大米", "unit": "袋", "quantity": "2", "value": "120.00"} in rice


def test_a_county_preview_filters_by_degree_across_unions(warmth):
    preview = campaign_preview(
        actor=warmth.county_caseworker,
        programme=warmth.programme,
        year=YEAR,
        filters=filters_for(warmth.county_caseworker, degree="severe"),
    )
    assert {row.household for row in preview.rows} == {warmth.severe_a, warmth.severe_b}
    assert preview.total == 2 * sum(SEVERE)


def test_the_status_filter_selects_registered_households_by_default(warmth):
    from households.models import Household

    Household.objects.filter(pk=warmth.general_a.pk).update(status=Status.EXITED)
    preview = campaign_preview(
        actor=warmth.caseworker_a,
        programme=warmth.programme,
        year=YEAR,
        filters=filters_for(warmth.caseworker_a),
    )
    assert warmth.general_a not in {row.household for row in preview.rows}


def test_a_grassroots_caseworker_cannot_select_another_union(warmth):
    with pytest.raises(CampaignError, match="甲厂工会"):
        filters_for(warmth.caseworker_a, union=warmth.union_b)


def test_a_campaign_is_for_this_year_or_the_next(warmth):
    with pytest.raises(CampaignError, match=str(YEAR + 1)):
        campaign_preview(
            actor=warmth.caseworker_a,
            programme=warmth.programme,
            year=YEAR - 1,
            filters=filters_for(warmth.caseworker_a),
        )


# --- Create and extend ----------------------------------------------------------------------------


def test_create_files_every_households_application_submitted(warmth):
    campaign = create(warmth)
    assert campaign.union == warmth.union_a
    assert campaign.created_by == warmth.caseworker_a
    requests = ReliefRequest.objects.filter(campaign=campaign)
    assert {r.household for r in requests} == {warmth.severe_a, warmth.serious_a, warmth.general_a}
    for relief in requests:
        application = relief.application
        assert application.kind == Kind.RELIEF
        assert application.state == State.SUBMITTED
        assert application.filed_by == warmth.caseworker_a
        assert application.union == warmth.union_a
    severe = requests.get(household=warmth.severe_a)
    assert (severe.cash_amount, severe.goods_value) == SEVERE
    assert campaign.filters["union"] == warmth.union_a.pk
    assert campaign.filters["status"] == Status.REGISTERED


def test_a_household_is_in_a_campaign_once_the_database_refuses_a_second(warmth):
    campaign = create(warmth)
    first = ReliefRequest.objects.get(campaign=campaign, household=warmth.severe_a)
    # Written past the services, straight to the tables: the database itself refuses.
    application = Application.objects.create(
        kind=Kind.RELIEF,
        union=warmth.union_a,
        household=warmth.severe_a,
        applicant_name="重复",
        reason="重复",
        filed_by=warmth.caseworker_a,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ReliefRequest.objects.create(
            application=application,
            household=warmth.severe_a,
            programme=warmth.programme,
            campaign=campaign,
            cash_amount=Decimal("2000.00"),
        )
    assert list(ReliefRequest.objects.filter(campaign=campaign, household=warmth.severe_a)) == [
        first
    ]


def test_extending_adds_only_households_not_in_the_campaign(warmth):
    campaign = create(warmth, actor=warmth.county_caseworker, union=warmth.union_a)
    before = ReliefRequest.objects.filter(campaign=campaign).count()
    added = campaign_extend(
        actor=warmth.county_caseworker,
        campaign=campaign,
        filters=filters_for(warmth.county_caseworker),
        reason="补充乙镇困难户",
    )
    assert added == 1  # severe_b; union A's three are in it already
    households = set(
        ReliefRequest.objects.filter(campaign=campaign).values_list("household_id", flat=True)
    )
    assert len(households) == before + 1
    assert warmth.severe_b.pk in households


def test_refused_creations_save_nothing(warmth):
    create(warmth)
    before = snapshot()
    with pytest.raises(CampaignError, match="2027年春节送温暖"):
        create(warmth)  # the name is taken
    with pytest.raises(CampaignError):
        create(warmth, name="第二批", degree="severe")  # severe_a is under way already
    with pytest.raises(CampaignError):
        campaign_create(
            actor=warmth.caseworker_b,
            name="空原因",
            programme=warmth.programme,
            year=YEAR,
            filters=filters_for(warmth.caseworker_b),
            reason="  ",
        )
    with pytest.raises(CampaignError):
        create(warmth, actor=warmth.finance, name="财务不能")
    assert snapshot() == before


def test_a_failure_midway_rolls_every_application_back(warmth, monkeypatch):
    from relief import applications

    real = applications.relief_application_file
    calls = []

    def fail_on_second(**kwargs):
        calls.append(kwargs["household"])
        if len(calls) == 2:
            raise CampaignError("模拟失败")
        return real(**kwargs)

    monkeypatch.setattr(applications, "relief_application_file", fail_on_second)
    before = snapshot()
    with pytest.raises(CampaignError, match="模拟失败"):
        create(warmth)
    assert snapshot() == before


# --- Home delivery --------------------------------------------------------------------------------


@pytest.fixture
def approved(warmth):
    campaign = create(warmth)
    warmth.campaign = campaign
    warmth.entitlements = {e.household_id: e for e in through_notice_and_approval(warmth, campaign)}
    warmth.severe_entitlement = warmth.entitlements[warmth.severe_a.pk]
    return warmth


def deliver(people, entitlement, *, cash="0", goods=None, actor=None, **extra):
    values = {
        "delivered_on": TODAY(),
        "delivered_by": "王干事、李干事",
        "signed_by": "户主本人",
    }
    values.update(extra)
    return delivery_record(
        actor=actor or people.caseworker_a,
        entitlement=entitlement,
        cash_given=Decimal(cash),
        goods_given=goods or {},
        **values,
    )


def test_approval_gives_each_household_an_entitlement_of_the_campaign(approved):
    assert len(approved.entitlements) == 3
    entitlement = approved.severe_entitlement
    assert entitlement.campaign == approved.campaign
    assert (entitlement.cash_amount, entitlement.goods_value) == SEVERE


def test_a_partial_delivery_then_the_rest_makes_it_full(approved):
    entitlement = approved.severe_entitlement
    first = deliver(approved, entitlement, cash="2000.00", goods={"大米": 2})
    assert first.state == DeliveryState.PARTIAL
    assert first.goods_value_given == Decimal("120.00")
    second = deliver(approved, entitlement, goods={"食用油": Decimal("2")})
    assert second.state == DeliveryState.DELIVERED
    assert second.goods_value_given == Decimal("160.00")
    assert second.goods_given == [
        {"item": "食用油", "unit": "桶", "quantity": "2", "value": "160.00"}
    ]
    with pytest.raises(CampaignError, match=r"nothing is left|全部|已"):
        deliver(approved, entitlement, cash="1.00")
    assert entitlement.deliveries.count() == 2


def test_a_delivery_beyond_the_entitlement_is_refused_with_the_figures(approved):
    entitlement = approved.severe_entitlement
    deliver(approved, entitlement, cash="1500.00")
    before = snapshot()
    with pytest.raises(CampaignError) as refusal:
        deliver(approved, entitlement, cash="600.00")
    for figure in ("500.00", "2000.00", "1500.00", "600.00"):
        assert figure in str(refusal.value)
    with pytest.raises(CampaignError, match="3"):
        deliver(approved, entitlement, goods={"大米": 3})
    with pytest.raises(CampaignError):
        deliver(approved, entitlement, goods={"棉被": 1})  # not approved
    with pytest.raises(CampaignError):
        deliver(approved, entitlement, cash="0.005")
    assert snapshot() == before


def test_a_delivery_is_not_dated_in_the_future_nor_recorded_empty(approved):
    entitlement = approved.severe_entitlement
    before = snapshot()
    with pytest.raises(CampaignError):
        deliver(approved, entitlement, cash="100", delivered_on=TODAY() + timedelta(days=1))
    with pytest.raises(CampaignError):
        deliver(approved, entitlement)
    with pytest.raises(CampaignError):
        deliver(approved, entitlement, cash="100", signed_by=" ")
    assert snapshot() == before


def test_another_unions_caseworker_may_not_record_a_delivery(approved):
    with pytest.raises(CampaignError):
        deliver(approved, approved.severe_entitlement, cash="100", actor=approved.caseworker_b)
    with pytest.raises(CampaignError):
        deliver(approved, approved.severe_entitlement, cash="100", actor=approved.finance)
    assert not Delivery.objects.exists()


def png_bytes() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_receipt_photo_is_kept_and_a_pdf_is_refused(approved):
    entitlement = approved.severe_entitlement
    with pytest.raises(CampaignError):
        deliver(
            approved,
            entitlement,
            cash="100",
            receipt_photo=SimpleUploadedFile(
                "r.pdf", b"%PDF-1.4 x", content_type="application/pdf"
            ),
        )
    assert not Delivery.objects.exists()
    delivery = deliver(
        approved,
        entitlement,
        cash="100",
        receipt_photo=SimpleUploadedFile("签收单.png", png_bytes(), content_type="image/png"),
    )
    assert delivery.receipt_photo.name.endswith(".png")
    assert delivery.receipt_photo.storage.exists(delivery.receipt_photo.name)


# --- Figures --------------------------------------------------------------------------------------


def test_the_campaign_figures_agree_with_independent_sums(approved):
    people = approved
    severe, serious = approved.severe_entitlement, approved.entitlements[people.serious_a.pk]
    deliver(people, severe, cash="2000.00", goods={"大米": 2, "食用油": 2})
    deliver(people, serious, cash="400.00")
    pay = relief_services.disbursement_pay
    line = pay(
        actor=people.finance,
        entitlement=severe,
        method=Method.CASH,
        amount=Decimal("2280.00"),
        paid_on=TODAY(),
        signed_by="户主本人",
    )
    pay(
        actor=people.finance,
        entitlement=serious,
        method=Method.CASH,
        amount=Decimal("1140.00"),
        paid_on=TODAY(),
        signed_by="户主本人",
    )
    relief_services.disbursement_reverse(
        actor=people.finance, line=line, reason="金额有误", paid_on=TODAY()
    )
    figures = campaign_figures(user=people.supervisor, campaign=people.campaign)

    entitlements = list(Entitlement.objects.filter(campaign=people.campaign))
    assert figures.total.households == 3
    assert figures.total.amount == sum(SEVERE) + sum(SERIOUS) + sum(GENERAL)
    assert figures.approved.households == len(entitlements)
    assert figures.approved.amount == sum(e.amount for e in entitlements)
    deliveries = list(Delivery.objects.all())
    assert figures.delivered.households == 1
    assert figures.delivered.amount == sum(d.cash_given + d.goods_value_given for d in deliveries)
    assert figures.delivered.amount == Decimal("2680.00")
    lines = list(Disbursement.objects.filter(entitlement__in=entitlements))
    assert figures.paid.amount == sum(item.amount for item in lines) == Decimal("1140.00")
    assert figures.paid.households == 1  # the severe household's payment was reversed
    # Grassroots staff of union B see none of union A's campaign.
    assert (
        campaign_figures(user=people.caseworker_b, campaign=people.campaign).total.households == 0
    )


# --- Pages ----------------------------------------------------------------------------------------


def test_the_new_campaign_page_previews_then_creates(client, warmth):
    client.force_login(warmth.caseworker_a)
    url = reverse("relief:campaign_create")
    data = {
        "name": "2027年春节送温暖",
        "programme": warmth.programme.pk,
        "year": YEAR,
        "union": warmth.union_a.pk,
        "status": Status.REGISTERED,
        "reason": "春节前入户慰问",
        "preview": "",
    }
    before = snapshot()
    response = client.post(url, data)
    assert response.status_code == 200
    assert snapshot() == before
    assert response.context["preview"].households == 3
    assert "4,060.00" in response.content.decode()
    data.pop("preview")
    response = client.post(url, {**data, "confirm": ""})
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("relief:campaign_detail", kwargs={"pk": campaign.pk})
    assert ReliefRequest.objects.filter(campaign=campaign).count() == 3
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["figures"].total.amount == Decimal("4060.00")


def test_a_refused_creation_shows_the_error_and_saves_nothing(client, warmth):
    client.force_login(warmth.caseworker_a)
    before = snapshot()
    response = client.post(
        reverse("relief:campaign_create"),
        {
            "name": "没有人",
            "programme": warmth.programme.pk,
            "year": YEAR,
            "union": warmth.union_a.pk,
            "degree": "severe",
            "category": "accident",
            "status": Status.REGISTERED,
            "reason": "x",
            "confirm": "",
        },
    )
    assert response.status_code == 200
    assert 'data-testid="error-summary"' in response.content.decode()
    assert snapshot() == before


def test_delivery_pages_in_scope_and_printable(client, approved):
    campaign, union = approved.campaign, approved.union_a
    client.force_login(approved.caseworker_a)
    listing = client.get(
        reverse("relief:delivery_list", kwargs={"pk": campaign.pk, "code": union.code})
    )
    assert listing.status_code == 200
    assert len(listing.context["rows"]) == 3
    printed = client.get(
        reverse("relief:delivery_print", kwargs={"pk": campaign.pk, "code": union.code})
    )
    assert printed.status_code == 200
    assert "delivery_print.css" in printed.content.decode()
    entitlement = approved.severe_entitlement
    response = client.post(
        reverse("relief:delivery_add", kwargs={"pk": entitlement.pk}),
        {
            "delivered_on": TODAY().isoformat(),
            "delivered_by": "王干事",
            "cash_given": "2000.00",
            "goods_0": "2",
            "goods_1": "2",
            "signed_by": "户主本人",
        },
    )
    assert response.status_code == 302
    assert Delivery.objects.get().state == DeliveryState.DELIVERED
    # Union B's caseworker: the campaign lists none of its households.
    client.force_login(approved.caseworker_b)
    for name, kwargs in [
        ("relief:campaign_detail", {"pk": campaign.pk}),
        ("relief:delivery_list", {"pk": campaign.pk, "code": union.code}),
        ("relief:delivery_add", {"pk": entitlement.pk}),
    ]:
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 404
