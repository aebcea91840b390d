"""Campaigns (批次) and home delivery (入户送温暖).

A campaign such as "2027年春节送温暖" selects households by filters (union, category, degree,
cause, status), asks relief.eligibility what each gets from the programme's tiers, and shows the
list and the total before anything is written (`campaign_preview`). `campaign_create` computes
the same preview again and files every household's relief application in one transaction,
submitted so that a supervisor reviews them and posts them in a notice like any other. A
household is in a campaign at most once: the database refuses a second
(ReliefRequest's constraint `campaign_household_once`); `campaign_extend` adds the households
a campaign does not hold yet.

After approval (relief.services makes the Entitlement), a caseworker records each home delivery
(`delivery_record`): cash and goods handed over, who signed. Partial delivery is a state; more
deliveries follow until the entitlement is delivered in full, never beyond it.

The campaign's figures (`campaign_figures`) are summed in the database: approved from the
entitlements, delivered from the deliveries, paid from the ledger lines net of reversals.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import services as case_services
from cases.models import Application, State
from helpcenter.errors import DomainError
from helpcenter.models import Role, Union, User, in_scope, union_scope
from households.choices import Category, Cause, Degree, Status
from households.models import Household
from households.services import HouseholdError, check_upload
from relief.models import (
    Campaign,
    Delivery,
    DeliveryState,
    Disbursement,
    Entitlement,
    Programme,
    ReliefRequest,
)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
FILTER_NAMES = ("union", "category", "degree", "cause", "status")


class CampaignError(DomainError):
    pass


# --- Filters ------------------------------------------------------------------------------------


def campaign_filters(
    *,
    actor: User,
    union: Union | None = None,
    category: str = "",
    degree: str = "",
    cause: str = "",
    status: str = Status.REGISTERED,
) -> dict:
    """The selection as stored on the campaign (JSON). A grassroots member of staff selects in
    their own union only, whatever was asked."""
    if union is None and union_scope(actor) is not None:
        union = actor.union
    if union is not None and not in_scope(actor, union.pk):
        raise CampaignError(
            _("You may select households of your own union only: choose %(union)s.")
            % {"union": actor.union.name}
        )
    for value, choices, label in (
        (category, Category, _("category")),
        (degree, Degree, _("degree")),
        (cause, Cause, _("cause")),
        (status, Status, _("status")),
    ):
        if value and value not in choices.values:
            raise CampaignError(_("Choose a %(label)s from the list.") % {"label": label})
    return {
        "union": union.pk if union else None,
        "category": category or "",
        "degree": degree or "",
        "cause": cause or "",
        "status": status or "",
    }


def households_selected(*, actor: User, filters: dict) -> QuerySet:
    """The households a campaign's filters select, within the actor's scope."""
    households = Household.objects.visible_to(actor).select_related("head", "union")
    if filters.get("union"):
        households = households.filter(union_id=filters["union"])
    if filters.get("category"):
        households = households.filter(category=filters["category"])
    if filters.get("degree"):
        households = households.filter(degree=filters["degree"])
    if filters.get("status"):
        households = households.filter(status=filters["status"])
    households = households.order_by("union__code", "file_number")
    if filters.get("cause"):
        # causes is a JSON list: filtered in Python, portable across SQLite and PostgreSQL.
        return [h for h in households if filters["cause"] in (h.causes or [])]
    return list(households)


# --- Preview ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewRow:
    household: Household
    tier_name: str
    cash_amount: Decimal
    goods: list
    goods_value: Decimal
    reason: str

    @property
    def total(self) -> Decimal:
        return self.cash_amount + self.goods_value


@dataclass(frozen=True)
class Excluded:
    household: Household
    reason: str


@dataclass
class Preview:
    """Who a campaign would include, with what, and who it leaves out and why."""

    programme: Programme
    year: int
    filters: dict
    rows: list[PreviewRow] = field(default_factory=list)
    excluded: list[Excluded] = field(default_factory=list)

    @property
    def households(self) -> int:
        return len(self.rows)

    @property
    def cash_total(self) -> Decimal:
        return sum((row.cash_amount for row in self.rows), ZERO)

    @property
    def goods_total(self) -> Decimal:
        return sum((row.goods_value for row in self.rows), ZERO)

    @property
    def total(self) -> Decimal:
        return self.cash_total + self.goods_total


def campaign_day(year: int) -> date:
    """The day whose tiers a campaign of `year` uses: today in the current year, 1 January of
    the next (a Spring Festival campaign is prepared in the December before)."""
    today = timezone.localdate()
    if year == today.year:
        return today
    if year == today.year + 1:
        return date(year, 1, 1)
    raise CampaignError(
        _("A campaign is for this year or the next (%(this)s or %(next)s): choose one of them.")
        % {"this": today.year, "next": today.year + 1}
    )


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def _decide(*, programme: Programme, household: Household, on: date):
    from relief.eligibility import decide_for

    return decide_for(programme=programme, household=household, on=on)


def _words(items) -> str:
    return "；".join(str(item) for item in items if item)


def campaign_preview(
    *,
    actor: User,
    programme: Programme,
    year: int,
    filters: dict,
    campaign: Campaign | None = None,
) -> Preview:
    """What a campaign would create, written nowhere: each selected household with its amount
    and goods from the tiers (relief.eligibility decides), those left out with the reason.
    With `campaign`, the households it already holds are left out (extending it)."""
    if not programme.active:
        raise CampaignError(
            _("The programme %(name)s is closed for applications: choose an open one.")
            % {"name": programme.name}
        )
    on = campaign_day(year)
    preview = Preview(programme=programme, year=year, filters=filters)
    already = set()
    if campaign is not None:
        already = set(campaign.requests.values_list("household_id", flat=True))
    pending = set(
        Application.objects.filter(
            household__isnull=False,
            kind="relief",
            relief__programme=programme,
            state__in=[
                State.DRAFT,
                State.SUBMITTED,
                State.RETURNED,
                State.REVIEWED,
                State.IN_NOTICE,
                State.AWAITING_APPROVAL,
            ],
        ).values_list("household_id", flat=True)
    )
    for household in households_selected(actor=actor, filters=filters):
        if household.pk in already:
            preview.excluded.append(Excluded(household, _("Already in this campaign.")))
            continue
        if household.pk in pending:
            preview.excluded.append(
                Excluded(
                    household,
                    _("An application for this programme is already under way for it."),
                )
            )
            continue
        decision = _decide(programme=programme, household=household, on=on)
        if not decision.eligible:
            preview.excluded.append(
                Excluded(household, _words(decision.refusals) or _("Not eligible."))
            )
            continue
        cash, goods_value = _money(decision.cash_amount), _money(decision.goods_value)
        if cash + goods_value <= 0:
            preview.excluded.append(
                Excluded(household, _("No tier of the programme gives this household an amount."))
            )
            continue
        preview.rows.append(
            PreviewRow(
                household=household,
                tier_name=decision.tier.name if decision.tier else "",
                cash_amount=cash,
                goods=list(decision.goods or []),
                goods_value=goods_value,
                reason=_words(decision.reasons),
            )
        )
    return preview


# --- Create and extend --------------------------------------------------------------------------


def _ensure_may_prepare(actor: User) -> None:
    if not actor.has_role(Role.CASEWORKER, Role.SUPERVISOR):
        raise CampaignError(_("Only a caseworker or a supervisor may prepare a campaign."))


def _file_all(*, actor: User, campaign: Campaign, preview: Preview, reason: str) -> int:
    from relief.applications import relief_application_file

    for row in preview.rows:
        try:
            with transaction.atomic():
                application = relief_application_file(
                    actor=actor,
                    household=row.household,
                    programme=campaign.programme,
                    reason=reason,
                    campaign=campaign,
                    on=campaign_day(campaign.year),
                )
        except IntegrityError:
            raise CampaignError(
                _("%(file)s is already in this campaign: a household is in a campaign once.")
                % {"file": row.household.file_number}
            ) from None
        except DomainError as error:
            raise CampaignError(
                _("%(file)s: %(error)s Nothing was created.")
                % {"file": row.household.file_number, "error": error.message}
            ) from None
        case_services.application_submit(actor=actor, application=application)
    return len(preview.rows)


@transaction.atomic
def campaign_create(
    *,
    actor: User,
    name: str,
    programme: Programme,
    year: int,
    filters: dict,
    reason: str,
) -> Campaign:
    """Create the campaign and every selected household's relief application, in one
    transaction: filed by `actor` and submitted for a supervisor's review."""
    _ensure_may_prepare(actor)
    name = (name or "").strip()
    reason = (reason or "").strip()
    if not name:
        raise CampaignError(_("Name the campaign, e.g. 2027年春节送温暖."))
    if not reason:
        raise CampaignError(_("State the reason; it is kept in every application's file."))
    if Campaign.objects.filter(name=name).exists():
        raise CampaignError(
            _("A campaign named %(name)s exists already: choose another name or extend it.")
            % {"name": name}
        )
    preview = campaign_preview(actor=actor, programme=programme, year=year, filters=filters)
    if not preview.rows:
        raise CampaignError(_("The selection includes no eligible household: change the filters."))
    union_id = filters.get("union") or actor.union_id
    campaign = Campaign.objects.create(
        name=name,
        programme=programme,
        union_id=union_id,
        year=year,
        filters=filters,
        created_by=actor,
    )
    _file_all(actor=actor, campaign=campaign, preview=preview, reason=reason)
    return campaign


@transaction.atomic
def campaign_extend(*, actor: User, campaign: Campaign, filters: dict, reason: str) -> int:
    """Add to `campaign` the households the filters select that it does not hold yet; returns
    how many were added."""
    _ensure_may_prepare(actor)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not in_scope(actor, campaign.union_id):
        raise CampaignError(
            _("This campaign was issued by another union: ask its staff to extend it.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise CampaignError(_("State the reason; it is kept in every application's file."))
    preview = campaign_preview(
        actor=actor,
        programme=campaign.programme,
        year=campaign.year,
        filters=filters,
        campaign=campaign,
    )
    if not preview.rows:
        raise CampaignError(
            _("The selection adds no household: every one is in the campaign or not eligible.")
        )
    return _file_all(actor=actor, campaign=campaign, preview=preview, reason=reason)


# --- Reads --------------------------------------------------------------------------------------


def campaigns_visible_to(user: User) -> QuerySet:
    """Campaigns a user may open: those of their scope, and those listing households of their
    union (a county campaign that covers union A is union A's to deliver)."""
    own = union_scope(user)
    if own is None:
        return Campaign.objects.all()
    listed = union_scope(user, field="requests__application__union_id")
    return Campaign.objects.filter(pk__in=Campaign.objects.filter(own | listed).values("pk"))


def campaign_requests(*, user: User, campaign: Campaign) -> QuerySet:
    """The campaign's relief requests within the user's scope."""
    return ReliefRequest.objects.visible_to(user).filter(campaign=campaign)


def _sum(field_name: str):
    return Coalesce(Sum(field_name), Value(ZERO), output_field=DecimalField())


def _net_paid():
    lines = (
        Disbursement.objects.filter(entitlement=OuterRef("pk"))
        .order_by()
        .values("entitlement")
        .annotate(net=Sum("amount"))
        .values("net")
    )
    return Coalesce(Subquery(lines), Value(ZERO), output_field=DecimalField())


@dataclass(frozen=True)
class Figure:
    households: int
    amount: Decimal


@dataclass(frozen=True)
class CampaignFigures:
    total: Figure  # every application of the campaign not rejected
    approved: Figure  # entitlements
    delivered: Figure  # households delivered in full; 元 handed over (cash and goods)
    paid: Figure  # households paid in full; 元 of ledger lines net of reversals


def campaign_figures(
    *, user: User, campaign: Campaign, union_id: int | None = None
) -> CampaignFigures:
    """The campaign's figures within the user's scope (optionally one union), summed in the
    database."""
    requests = campaign_requests(user=user, campaign=campaign).exclude(
        application__state=State.REJECTED
    )
    entitlements = Entitlement.objects.visible_to(user).filter(
        application__relief__campaign=campaign
    )
    deliveries = Delivery.objects.filter(entitlement__in=entitlements.values("pk"))
    lines = Disbursement.objects.filter(entitlement__in=entitlements.values("pk"))
    if union_id is not None:
        requests = requests.filter(application__union_id=union_id)
        entitlements = entitlements.filter(union_id=union_id)
        deliveries = deliveries.filter(entitlement__union_id=union_id)
        lines = lines.filter(entitlement__union_id=union_id)
    total = requests.aggregate(
        households=Count("household", distinct=True),
        cash=_sum("cash_amount"),
        goods=_sum("goods_value"),
    )
    approved = entitlements.aggregate(
        households=Count("household", distinct=True), amount=_sum("amount")
    )
    handed = deliveries.aggregate(cash=_sum("cash_given"), goods=_sum("goods_value_given"))
    delivered_households = entitlements.filter(
        Exists(Delivery.objects.filter(entitlement=OuterRef("pk"), state=DeliveryState.DELIVERED))
    ).aggregate(n=Count("household", distinct=True))["n"]
    paid_households = (
        entitlements.annotate(net=_net_paid())
        .filter(net__gte=F("amount"))
        .aggregate(n=Count("household", distinct=True))["n"]
    )
    paid = lines.aggregate(amount=_sum("amount"))["amount"]
    return CampaignFigures(
        total=Figure(total["households"], _money(total["cash"] + total["goods"])),
        approved=Figure(approved["households"], _money(approved["amount"])),
        delivered=Figure(delivered_households, _money(handed["cash"] + handed["goods"])),
        paid=Figure(paid_households, _money(paid)),
    )


def campaign_unions(*, user: User, campaign: Campaign) -> QuerySet:
    """The unions of the campaign's households within the user's scope, with their counts."""
    return Union.objects.filter(
        pk__in=campaign_requests(user=user, campaign=campaign).values("application__union_id")
    ).order_by("code")


def delivery_list(*, user: User, campaign: Campaign, union: Union) -> QuerySet:
    """发放名册 of one union: the campaign's approved entitlements, with what was delivered."""
    return (
        Entitlement.objects.visible_to(user)
        .filter(application__relief__campaign=campaign, union=union)
        .select_related("household", "household__head")
        .annotate(
            cash_delivered=_subsum("cash_given"),
            goods_delivered=_subsum("goods_value_given"),
            fully_delivered=Exists(
                Delivery.objects.filter(entitlement=OuterRef("pk"), state=DeliveryState.DELIVERED)
            ),
        )
        .order_by("household__file_number")
    )


def _subsum(field_name: str):
    rows = (
        Delivery.objects.filter(entitlement=OuterRef("pk"))
        .order_by()
        .values("entitlement")
        .annotate(total=Sum(field_name))
        .values("total")
    )
    return Coalesce(Subquery(rows), Value(ZERO), output_field=DecimalField())


# --- Home delivery ------------------------------------------------------------------------------


def goods_lines(goods) -> dict[str, dict]:
    """An entitlement's goods by item: quantity and the value of one unit."""
    lines = {}
    for entry in goods or []:
        item = str(entry.get("item") or entry.get("name") or "").strip()
        if not item:
            continue
        quantity = Decimal(str(entry.get("quantity") or 0))
        if "unit_value" in entry:
            unit_value = Decimal(str(entry["unit_value"]))
        else:
            value = Decimal(str(entry.get("value") or 0))
            unit_value = value / quantity if quantity else ZERO
        line = lines.setdefault(
            item,
            {
                "item": item,
                "unit": entry.get("unit", ""),
                "quantity": Decimal(0),
                "unit_value": unit_value,
            },
        )
        line["quantity"] += quantity
    return lines


def delivered_so_far(entitlement: Entitlement) -> tuple[Decimal, dict[str, Decimal]]:
    """Cash and goods (by item) already handed over on an entitlement."""
    cash = _money(entitlement.deliveries.aggregate(cash=_sum("cash_given"))["cash"])
    goods: dict[str, Decimal] = {}
    for given in entitlement.deliveries.values_list("goods_given", flat=True):
        for entry in given:
            goods[entry["item"]] = goods.get(entry["item"], Decimal(0)) + Decimal(
                str(entry["quantity"])
            )
    return cash, goods


def _checked_quantity(value, item: str) -> Decimal:
    quantity = Decimal(str(value or 0))
    if quantity < 0 or quantity != quantity.quantize(CENT):
        raise CampaignError(
            _("Give the quantity of %(item)s as 0 or more, with at most two decimals.")
            % {"item": item}
        )
    return quantity


@transaction.atomic
def delivery_record(
    *,
    actor: User,
    entitlement: Entitlement,
    delivered_on: date,
    delivered_by: str,
    cash_given: Decimal,
    goods_given: dict[str, Decimal] | list | None,
    signed_by: str,
    receipt_photo: UploadedFile | None = None,
    note: str = "",
) -> Delivery:
    """入户送温暖: record what was handed over at home on an approved entitlement, signed for.
    `goods_given` maps each item to the quantity handed over (or is a list of {item, quantity}).
    The delivery is full when the cash and every item reach what the entitlement holds;
    anything beyond it is refused with the figures."""
    entitlement = (
        Entitlement.objects.select_for_update(of=("self",))
        .select_related("household")
        .get(pk=entitlement.pk)
    )
    if not actor.has_role(Role.CASEWORKER, Role.SUPERVISOR):
        raise CampaignError(_("Only a caseworker or a supervisor may record a home delivery."))
    if not in_scope(actor, entitlement.union_id):
        raise CampaignError(
            _("This household belongs to another union: its own caseworkers record the delivery.")
        )
    if delivered_on > timezone.localdate():
        raise CampaignError(
            _("A delivery cannot be dated in the future: give the day it was made.")
        )
    if delivered_on < entitlement.approved_at.date():
        raise CampaignError(
            _("The relief was approved on %(day)s: a delivery is dated that day or later.")
            % {"day": entitlement.approved_at.date().isoformat()}
        )
    delivered_by = (delivered_by or "").strip()
    signed_by = (signed_by or "").strip()
    if not delivered_by:
        raise CampaignError(_("Name who delivered."))
    if not signed_by:
        raise CampaignError(_("Name who signed for it (签收)."))
    cash_given = Decimal(str(cash_given or 0))
    if cash_given < 0 or cash_given != cash_given.quantize(CENT):
        raise CampaignError(_("Give the cash as 0 or more yuan, with at most two decimals (fen)."))

    cash_before, goods_before = delivered_so_far(entitlement)
    owed = goods_lines(entitlement.goods)
    if cash_before >= entitlement.cash_amount and all(
        goods_before.get(item, 0) >= line["quantity"] for item, line in owed.items()
    ):
        raise CampaignError(_("This relief has been delivered in full already: nothing is left."))

    if isinstance(goods_given, list):
        goods_given = {entry["item"]: entry["quantity"] for entry in goods_given}
    given_lines, goods_value = [], ZERO
    for item, value in (goods_given or {}).items():
        quantity = _checked_quantity(value, item)
        if not quantity:
            continue
        if item not in owed:
            raise CampaignError(
                _("%(item)s is not among the goods approved: deliver only what was approved.")
                % {"item": item}
            )
        left = owed[item]["quantity"] - goods_before.get(item, Decimal(0))
        if quantity > left:
            raise CampaignError(
                _(
                    "Only %(left)s %(unit)s of %(item)s are left to deliver (approved "
                    "%(owed)s, delivered %(done)s); %(quantity)s is too many."
                )
                % {
                    "left": left.normalize(),
                    "unit": owed[item]["unit"],
                    "item": item,
                    "owed": owed[item]["quantity"].normalize(),
                    "done": goods_before.get(item, Decimal(0)).normalize(),
                    "quantity": quantity.normalize(),
                }
            )
        value = (quantity * owed[item]["unit_value"]).quantize(CENT)
        goods_value += value
        given_lines.append(
            {
                "item": item,
                "unit": owed[item]["unit"],
                "quantity": str(quantity.normalize()),
                "value": str(value),
            }
        )
    cash_left = entitlement.cash_amount - cash_before
    if cash_given > cash_left:
        raise CampaignError(
            _(
                "Only %(left)s yuan in cash is left to deliver (approved %(owed)s, delivered "
                "%(done)s); %(given)s is too much."
            )
            % {
                "left": cash_left,
                "owed": entitlement.cash_amount,
                "done": cash_before,
                "given": cash_given,
            }
        )
    if cash_given <= 0 and not given_lines:
        raise CampaignError(_("Record the cash or goods that were handed over."))

    given_now = {line["item"]: Decimal(line["quantity"]) for line in given_lines}
    full = cash_before + cash_given >= entitlement.cash_amount and all(
        goods_before.get(item, 0) + given_now.get(item, 0) >= line["quantity"]
        for item, line in owed.items()
    )
    delivery = Delivery(
        entitlement=entitlement,
        delivered_on=delivered_on,
        delivered_by=delivered_by,
        cash_given=cash_given,
        goods_given=given_lines,
        goods_value_given=goods_value,
        signed_by=signed_by,
        state=DeliveryState.DELIVERED if full else DeliveryState.PARTIAL,
        note=(note or "").strip(),
        recorded_by=actor,
    )
    if receipt_photo:
        try:
            content_type, extension = check_upload(receipt_photo)
        except HouseholdError as error:
            raise CampaignError(error.message) from None
        if content_type == "application/pdf":
            raise CampaignError(_("The photo of the receipt must be a JPEG or PNG image."))
        delivery.receipt_photo.save(uuid.uuid4().hex + extension, receipt_photo, save=False)
    delivery.save()
    return delivery
