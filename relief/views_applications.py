"""Filing and editing a relief application: choose a programme, give what it needs, see the
decision (classification, proof checklist, what the household already received this year and
the cap left) before submitting. The decision panel is refreshed by htmx on every change
(`application_preview`); without JavaScript the "Show the decision" button does the same."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Application, Kind
from cases.services import EDITABLE_STATES
from helpcenter.access import require, visible_or_404
from helpcenter.errors import DomainError
from households.models import Household
from relief.applications import relief_application_file, relief_application_update
from relief.eligibility import Decision, decide_for
from relief.forms_applications import ReliefApplicationForm
from relief.models import ReliefRequest


def _household(request: HttpRequest, pk: int) -> Household:
    return visible_or_404(
        Household.objects.visible_to(request.user).select_related("head", "union"), pk=pk
    )


def _relief_application(request: HttpRequest, pk: int) -> Application:
    return visible_or_404(
        Application.objects.visible_to(request.user)
        .filter(kind=Kind.RELIEF)
        .select_related("household__head", "household__union", "union"),
        pk=pk,
    )


def _decision(form: ReliefApplicationForm, household: Household, application=None):
    """The decision on what the form holds so far (None before a programme is chosen)."""
    if form.programme is None:
        return None
    if not form.is_bound:  # a page opened on an application: decide on what it holds
        form = ReliefApplicationForm(
            _as_data(form.initial), household=household, keep_programme=form.programme
        )
    form.is_valid()  # cleans what it can; the panel shows the rules' reasons, not form errors
    facts = {name: value for name, value in form.facts().items() if name in form.cleaned_data}
    return decide_for(
        programme=form.programme,
        household=household,
        on=timezone.localdate(),
        exclude_application=application,
        **{**_empty_facts(), **facts},
    )


def _as_data(initial: dict) -> dict:
    data = {}
    for name, value in initial.items():
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else getattr(value, "pk", value)
    return data


def _empty_facts() -> dict:
    return {
        "cash_amount": None,
        "student": None,
        "school_year": None,
        "other_grant": False,
        "medical_case": "",
        "patient": None,
    }


def _context(household: Household, form, decision: Decision | None, **extra) -> dict:
    programme = form.programme
    documents = list(programme.required_documents.order_by("position")) if programme else []
    missing = set(decision.missing_documents) if decision else set()
    return {
        "household": household,
        "form": form,
        "decision": decision,
        "proof": [(document.name, document.name not in missing) for document in documents],
        **extra,
    }


@require("cases.add_application")
def application_file(request: HttpRequest, household_pk: int) -> HttpResponse:
    household = _household(request, household_pk)
    form = ReliefApplicationForm(request.POST or None, household=household)
    decision = _decision(form, household) if request.method == "POST" else None
    if request.method == "POST" and "preview" not in request.POST and form.is_valid():
        try:
            application = relief_application_file(
                actor=request.user,
                household=household,
                programme=form.cleaned_data["programme"],
                reason=form.cleaned_data["reason"],
                out_of_pocket=form.cleaned_data.get("out_of_pocket"),
                **{**_empty_facts(), **form.facts()},
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The application was filed as a draft: submit it."))
            return redirect("cases:application_detail", pk=application.pk)
    title = _("Apply for relief · %(name)s") % {"name": household.head.name}
    return render(
        request, "relief/application_form.html", _context(household, form, decision, title=title)
    )


@require("cases.add_application")
def application_preview(request: HttpRequest, household_pk: int) -> HttpResponse:
    """The form's details and decision for what is chosen so far (htmx), saving nothing."""
    household = _household(request, household_pk)
    application = None
    if request.GET.get("application"):
        if not request.GET["application"].isdigit() or len(request.GET["application"]) > 9:
            raise Http404
        application = _relief_application(request, int(request.GET["application"]))
    data = ReliefApplicationForm(request.GET, household=household)
    decision = _decision(data, household, application)
    shown = ReliefApplicationForm(initial=request.GET.dict(), household=household)
    return render(request, "relief/_application_body.html", _context(household, shown, decision))


def _initial(relief: ReliefRequest | None, application: Application) -> dict:
    initial = {"reason": application.reason}
    if relief is not None:
        initial.update(
            programme=relief.programme,
            student=relief.student_id,
            school_year=relief.school_year,
            other_grant=relief.other_grant,
            medical_case=relief.medical_case,
            patient=relief.patient_id,
            out_of_pocket=relief.out_of_pocket,
            cash_amount=relief.decision.get("asked_cash_amount"),
        )
    return initial


@require("cases.change_application")
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _relief_application(request, pk)
    if request.method == "GET" and application.state not in EDITABLE_STATES:
        messages.error(
            request,
            _(
                "This application is %(state)s: only a draft or a returned application can be "
                "edited. Ask a supervisor to return it first."
            )
            % {"state": application.get_state_display()},
        )
        return redirect("cases:application_detail", pk=application.pk)
    household = application.household
    relief = ReliefRequest.objects.filter(application=application).first()
    form = ReliefApplicationForm(
        request.POST or None,
        household=household,
        initial=_initial(relief, application),
        keep_programme=relief.programme if relief else None,
    )
    decision = _decision(form, household, application)
    if request.method == "POST" and "preview" not in request.POST and form.is_valid():
        try:
            relief_application_update(
                actor=request.user,
                application=application,
                programme=form.cleaned_data["programme"],
                reason=form.cleaned_data["reason"],
                out_of_pocket=form.cleaned_data.get("out_of_pocket"),
                **{**_empty_facts(), **form.facts()},
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The application was updated."))
            return redirect("cases:application_detail", pk=application.pk)
    context = _context(
        household, form, decision, title=_("Edit the application"), application=application
    )
    return render(request, "relief/application_form.html", context)
