"""Pages of the household registry: thin views — access, scoped fetch, form, service, redirect."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from helpcenter.access import log_denied, require, visible_or_404
from helpcenter.errors import DomainError
from helpcenter.models import Union
from helpcenter.paging import page_of
from households import selectors, services
from households.choices import Relation
from households.filters import households_filtered
from households.forms import (
    HOUSEHOLD_FIELDS,
    ClassifyForm,
    DocumentForm,
    ExitForm,
    HouseholdForm,
    MeasureForm,
    MeasureUpdateForm,
    MemberForm,
    ReasonForm,
    RegisterForm,
    ReviewForm,
    StandardImpactForm,
    VisitForm,
)
from households.means_test import NoStandardInForce, household_means_test
from households.models import Household, LivingStandard, PersonalDataRead, SpotCheck


def _household(request: HttpRequest, pk: int) -> Household:
    return visible_or_404(
        Household.objects.visible_to(request.user).select_related("union", "head"), pk=pk
    )


@require("households.view_household")
@vary_on_headers("HX-Request")
def household_list(request: HttpRequest) -> HttpResponse:
    household_filter = households_filtered(request.user, request.GET)
    rows, page, has_next = page_of(request, household_filter.qs, keys_first=True)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": household_filter,
        "households": rows,
        "page": page,
        "has_next": has_next,
        "query": query.urlencode(),
        # A search typed in gets the rows alone; going back to a pushed address gets the page.
        "partial": bool(request.htmx) and not request.htmx.history_restore_request,
    }
    template = "households/_list_rows.html" if context["partial"] else "households/list.html"
    return render(request, template, context)


@require("households.register_household")
def household_create(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            household = services.household_register(
                actor=request.user,
                union=data["union"],
                head=services.MemberData(
                    name=data["head_name"],
                    id_number=data["head_id_number"],
                    health=data["head_health"],
                ),
                **{name: data[name] for name in HOUSEHOLD_FIELDS},
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("File %(number)s registered.") % {"number": household.file_number}
            )
            return redirect("households:detail", pk=household.pk)
    return render(
        request, "households/form.html", {"form": form, "title": _("Enter an approved file")}
    )


@require("households.view_household")
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    # Resident IDs are masked; ?reveal=ids shows them in full to those allowed, each read logged
    # (the same rule as on a registration application).
    show_ids = request.GET.get("reveal") == "ids"
    if show_ids and not services.resident_ids_shown(reader=request.user, household=household):
        log_denied(request, reason="permission households.view_resident_id")
        raise PermissionDenied
    checklist = selectors.document_checklist(household)
    context = {
        "household": household,
        "show_ids": show_ids,
        "members": household.members.all(),
        "classification": household.classifications.select_related(
            "decided_by", "standard"
        ).first(),
        "checklist": checklist,
        "missing_documents": sum(item.missing for item in checklist),
        "measures": household.measures.all(),
        "visits": household.visits.select_related("recorded_by"),
        "events": selectors.timeline(household),
        "document_form": DocumentForm(),
        "measure_form": MeasureForm(),
        "visit_form": VisitForm(),
        "measure_update_form": MeasureUpdateForm(),
        "today": timezone.localdate(),
    }
    return render(request, "households/detail.html", context)


@require("households.change_household")
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    form = HouseholdForm(request.POST or None, instance=Household.objects.get(pk=household.pk))
    if request.method == "POST" and form.is_valid():
        # Only what this person changed: a colleague's edit saved meanwhile is not undone.
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.household_update(actor=request.user, household=household, **values)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The file was updated."))
            return redirect("households:detail", pk=household.pk)
    title = _("Edit file %(number)s") % {"number": household.file_number}
    return render(
        request, "households/form.html", {"form": form, "title": title, "household": household}
    )


@require("households.change_household")
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_add(
                actor=request.user,
                household=household,
                data=services.MemberData(**form.cleaned_data),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Family member added."))
            return redirect("households:detail", pk=household.pk)
    context = {"form": form, "title": _("Add a family member"), "household": household}
    return render(request, "households/form.html", context)


@require("households.change_household")
def member_edit(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    household = _household(request, pk)
    member = get_object_or_404(household.members, pk=member_pk)
    PersonalDataRead.objects.create(household=household, reader=request.user)
    initial = {name: getattr(member, name) for name in services.MEMBER_FIELDS}
    form = MemberForm(request.POST or None, initial=initial, head=member.relation == Relation.SELF)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(
                actor=request.user, member=member, data=services.MemberData(**form.cleaned_data)
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Family member updated."))
            return redirect("households:detail", pk=household.pk)
    title = _("Edit %(name)s") % {"name": member.name}
    return render(
        request, "households/form.html", {"form": form, "title": title, "household": household}
    )


@require("households.change_household")
def member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    household = _household(request, pk)
    member = get_object_or_404(household.members, pk=member_pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_remove(
                actor=request.user, member=member, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("%(name)s left the household.") % {"name": member.name})
            return redirect("households:detail", pk=household.pk)
    title = _("%(name)s leaves the household") % {"name": member.name}
    return render(
        request, "households/form.html", {"form": form, "title": title, "household": household}
    )


@require("households.classify_household")
def household_classify(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    try:
        result = household_means_test(household=household, on=timezone.localdate())
    except NoStandardInForce as error:
        messages.error(request, error.message)
        return redirect("households:detail", pk=household.pk)
    form = ClassifyForm(
        request.POST or None, initial={"category": result.category, "degree": result.degree}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.household_classify(
                actor=request.user, household=household, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The classification was recorded with its explanation."))
            return redirect("households:detail", pk=household.pk)
    context = {"household": household, "result": result, "form": form}
    return render(request, "households/classify.html", context)


def _lifecycle(request, pk, *, form_class, action, title, success):
    household = _household(request, pk)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            action(actor=request.user, household=household, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, success)
            return redirect("households:detail", pk=household.pk)
    context = {"form": form, "title": f"{title} · {household.file_number}", "household": household}
    return render(request, "households/form.html", context)


@require("households.end_household")
def household_exit(request: HttpRequest, pk: int) -> HttpResponse:
    return _lifecycle(
        request,
        pk,
        form_class=ExitForm,
        action=services.household_exit,
        title=_("Exit hardship"),
        success=_("The household exited hardship; the follow-up visit is scheduled."),
    )


@require("households.end_household")
def household_remove(request: HttpRequest, pk: int) -> HttpResponse:
    return _lifecycle(
        request,
        pk,
        form_class=ReasonForm,
        action=services.household_remove,
        title=_("Remove the file"),
        success=_("The file was removed; it and its history are kept."),
    )


@require("households.end_household")
def household_reinstate(request: HttpRequest, pk: int) -> HttpResponse:
    return _lifecycle(
        request,
        pk,
        form_class=ReasonForm,
        action=services.household_reinstate,
        title=_("Reinstate"),
        success=_("The household is registered again, with its history."),
    )


@require("households.review_household")
def household_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _lifecycle(
        request,
        pk,
        form_class=ReviewForm,
        action=services.household_review,
        title=_("Yearly review"),
        success=_("The yearly review was recorded."),
    )


@require("households.add_document")
@require_POST
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.document_add(
                actor=request.user,
                household=household,
                document_type=form.cleaned_data["document_type"],
                upload=form.cleaned_data["file"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The document was added."))
    else:
        messages.error(request, _form_errors(form))
    return redirect(f"{household_url(household)}#documents")


@require("households.view_document")
def document_download(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    household = _household(request, pk)
    document = get_object_or_404(household.documents, pk=document_pk)
    return FileResponse(
        document.file.open("rb"),
        content_type=document.content_type,
        filename=document.original_name,
    )


@require("households.plan_household")
@require_POST
def measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    form = MeasureForm(request.POST)
    if form.is_valid():
        try:
            services.measure_add(actor=request.user, household=household, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The measure was added to the help plan."))
    else:
        messages.error(request, _form_errors(form))
    return redirect(f"{household_url(household)}#plan")


@require("households.plan_household")
@require_POST
def measure_update(request: HttpRequest, pk: int, measure_pk: int) -> HttpResponse:
    household = _household(request, pk)
    measure = get_object_or_404(household.measures, pk=measure_pk)
    form = MeasureUpdateForm(request.POST)
    if form.is_valid():
        services.measure_update(actor=request.user, measure=measure, **form.cleaned_data)
        messages.success(request, _("The measure was updated."))
    else:
        messages.error(request, _form_errors(form))
    return redirect(f"{household_url(household)}#plan")


@require("households.record_visit")
def visit_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    form = VisitForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_record(actor=request.user, household=household, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The visit was recorded."))
            return redirect(f"{household_url(household)}#visits")
    context = {
        "form": form,
        "title": _("Record a visit"),
        "household": household,
        "multipart": True,
    }
    return render(request, "households/form.html", context)


@require("households.view_document")
def visit_photo(request: HttpRequest, pk: int, visit_pk: int) -> FileResponse:
    household = _household(request, pk)
    visit = get_object_or_404(household.visits.exclude(photo=""), pk=visit_pk)
    return FileResponse(visit.photo.open("rb"))


@require("households.review_household")
def review_queue(request: HttpRequest) -> HttpResponse:
    households = (
        selectors.reviews_due(request.user)
        .select_related("head", "union")
        .order_by("last_reviewed_on", "registered_on")
    )
    rows, page, has_next = page_of(request, households)
    context = {"households": rows, "page": page, "has_next": has_next, "query": ""}
    return render(request, "households/review_queue.html", context)


@require("households.view_household")
def spot_checks(request: HttpRequest) -> HttpResponse:
    unions = Union.objects.visible_to(request.user).filter(parent__isnull=False, is_active=True)
    if request.method == "POST":
        if not request.user.has_perm("households.draw_spot_check"):
            raise PermissionDenied
        union_id = request.POST.get("union", "")
        union = get_object_or_404(unions, pk=int(union_id) if union_id.isdigit() else 0)
        try:
            check = services.spot_check_draw(actor=request.user, union=union)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(count)d of %(population)d files of %(union)s were drawn for the spot check.")
                % {
                    "count": check.households.count(),
                    "population": check.population,
                    "union": union,
                },
            )
        return redirect("households:spot_checks")
    checks = (
        SpotCheck.objects.visible_to(request.user)
        .select_related("union", "drawn_by")
        .prefetch_related("households__head")[:20]
    )
    return render(request, "households/spot_checks.html", {"checks": checks, "unions": unions})


@require("households.view_standard_impact")
def standard_impact(request: HttpRequest) -> HttpResponse:
    latest = selectors.upcoming_or_latest_standards(request.user).first()
    initial = (
        {"monthly_amount": latest.monthly_amount, "effective_from": latest.effective_from}
        if latest
        else {}
    )
    form = StandardImpactForm(request.GET or None, initial=initial)
    rows = None
    if form.is_valid() and latest is not None:
        proposed = LivingStandard(county_id=latest.county_id, **form.cleaned_data)
        try:
            rows = selectors.standard_impact(user=request.user, standard=proposed)
        except NoStandardInForce as error:
            messages.error(request, error.message)
    context = {
        "form": form,
        "rows": rows,
        "latest": latest,
        "standards": selectors.upcoming_or_latest_standards(request.user)[:5],
    }
    return render(request, "households/standard_impact.html", context)


def _form_errors(form) -> str:
    """A form's errors as one message: 'label: what is wrong'."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label}：{'；'.join(errors)}" if label else "；".join(errors))
    return "；".join(parts)


def household_url(household: Household) -> str:
    return reverse("households:detail", args=[household.pk])
