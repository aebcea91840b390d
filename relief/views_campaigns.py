"""Pages of campaigns (批次) and home delivery: thin views — access, scoped fetch, form,
service, redirect. The rules are in relief.campaigns."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from helpcenter.access import require, visible_or_404
from helpcenter.errors import DomainError
from helpcenter.models import Union
from relief import campaigns
from relief.forms_campaigns import CampaignForm, DeliveryForm, SelectionForm
from relief.models import Campaign, Delivery, Entitlement


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    return visible_or_404(
        campaigns.campaigns_visible_to(request.user).select_related("programme", "union"), pk=pk
    )


def _filters(request: HttpRequest, data: dict) -> dict:
    return campaigns.campaign_filters(
        actor=request.user,
        union=data["union"],
        category=data["category"],
        degree=data["degree"],
        cause=data["cause"],
        status=data["status"],
    )


@require("relief.view_campaign")
def campaign_list(request: HttpRequest) -> HttpResponse:
    rows = campaigns.campaigns_visible_to(request.user).select_related("programme", "union")
    return render(request, "relief/campaigns/list.html", {"campaigns": rows})


@require("relief.add_campaign")
def campaign_create(request: HttpRequest) -> HttpResponse:
    """Fill in the selection, see the list and total (nothing written), then confirm."""
    form = CampaignForm(request.POST or None, user=request.user)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            filters = _filters(request, data)
            if "confirm" in request.POST:
                campaign = campaigns.campaign_create(
                    actor=request.user,
                    name=data["name"],
                    programme=data["programme"],
                    year=data["year"],
                    filters=filters,
                    reason=data["reason"],
                )
                messages.success(
                    request,
                    _("Campaign %(name)s created: its applications await a supervisor's review.")
                    % {"name": campaign.name},
                )
                return redirect("relief:campaign_detail", pk=campaign.pk)
            preview = campaigns.campaign_preview(
                actor=request.user, programme=data["programme"], year=data["year"], filters=filters
            )
        except DomainError as error:
            form.add_error(None, error.message)
    context = {"form": form, "preview": preview, "title": _("New campaign")}
    return render(request, "relief/campaigns/form.html", context)


@require("relief.add_campaign")
def campaign_extend(request: HttpRequest, pk: int) -> HttpResponse:
    """Add households the campaign does not hold yet, with the same preview step."""
    campaign = _campaign(request, pk)
    form = SelectionForm(request.POST or None, user=request.user)
    preview = None
    if request.method == "POST" and form.is_valid():
        try:
            filters = _filters(request, form.cleaned_data)
            if "confirm" in request.POST:
                added = campaigns.campaign_extend(
                    actor=request.user,
                    campaign=campaign,
                    filters=filters,
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("%(count)d households added.") % {"count": added})
                return redirect("relief:campaign_detail", pk=campaign.pk)
            preview = campaigns.campaign_preview(
                actor=request.user,
                programme=campaign.programme,
                year=campaign.year,
                filters=filters,
                campaign=campaign,
            )
        except DomainError as error:
            form.add_error(None, error.message)
    title = _("Add households to %(name)s") % {"name": campaign.name}
    context = {"form": form, "preview": preview, "title": title, "campaign": campaign}
    return render(request, "relief/campaigns/form.html", context)


@require("relief.view_campaign")
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    unions = [
        (union, campaigns.campaign_figures(user=request.user, campaign=campaign, union_id=union.pk))
        for union in campaigns.campaign_unions(user=request.user, campaign=campaign)
    ]
    context = {
        "campaign": campaign,
        "figures": campaigns.campaign_figures(user=request.user, campaign=campaign),
        "unions": unions,
        "requests": campaigns.campaign_requests(user=request.user, campaign=campaign)
        .select_related("household", "application", "application__union")
        .order_by("application__union__code", "household__file_number"),
    }
    return render(request, "relief/campaigns/detail.html", context)


def _delivery_context(request: HttpRequest, pk: int, code: str) -> dict:
    campaign = _campaign(request, pk)
    union = visible_or_404(Union.objects.visible_to(request.user), code=code)
    rows = campaigns.delivery_list(user=request.user, campaign=campaign, union=union)
    return {"campaign": campaign, "union": union, "rows": rows}


@require("relief.view_campaign")
def delivery_list(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    context = _delivery_context(request, pk, code)
    context["figures"] = campaigns.campaign_figures(
        user=request.user, campaign=context["campaign"], union_id=context["union"].pk
    )
    return render(request, "relief/campaigns/deliveries.html", context)


@require("relief.view_campaign")
def delivery_print(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """发放签收表 of one union, on A4 (print CSS: static/css/delivery_print.css)."""
    return render(
        request, "relief/campaigns/delivery_print.html", _delivery_context(request, pk, code)
    )


@require("relief.record_delivery")
def delivery_add(request: HttpRequest, pk: int) -> HttpResponse:
    entitlement = visible_or_404(
        Entitlement.objects.visible_to(request.user).select_related(
            "household", "household__head", "campaign", "programme"
        ),
        pk=pk,
    )
    cash_done, goods_done = campaigns.delivered_so_far(entitlement)
    left_goods = {
        item: line["quantity"] - goods_done.get(item, 0)
        for item, line in campaigns.goods_lines(entitlement.goods).items()
    }
    form = DeliveryForm(
        request.POST or None,
        request.FILES or None,
        entitlement=entitlement,
        left_cash=entitlement.cash_amount - cash_done,
        left_goods=left_goods,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaigns.delivery_record(
                actor=request.user,
                entitlement=entitlement,
                delivered_on=data["delivered_on"],
                delivered_by=data["delivered_by"],
                cash_given=data["cash_given"],
                goods_given=form.goods_given(),
                signed_by=data["signed_by"],
                receipt_photo=data["receipt_photo"],
                note=data["note"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The home delivery was recorded."))
            if entitlement.campaign_id:
                return redirect(
                    "relief:delivery_list",
                    pk=entitlement.campaign_id,
                    code=entitlement.union.code,
                )
            return redirect("households:detail", pk=entitlement.household_id)
    context = {
        "form": form,
        "entitlement": entitlement,
        "deliveries": entitlement.deliveries.select_related("recorded_by"),
        "title": _("Record a home delivery"),
    }
    return render(request, "relief/campaigns/delivery_form.html", context)


@require("relief.view_campaign")
def delivery_photo(request: HttpRequest, pk: int) -> FileResponse:
    delivery = get_object_or_404(
        Delivery.objects.exclude(receipt_photo="").filter(
            entitlement__in=Entitlement.objects.visible_to(request.user)
        ),
        pk=pk,
    )
    if not delivery.receipt_photo:
        raise Http404
    return FileResponse(delivery.receipt_photo.open("rb"))
