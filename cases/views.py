"""Pages of applications and public notices: access → scoped fetch → form → service → redirect.

Every refusal of a service (a wrong state, segregation of duties, a missing survey) comes back
as a DomainError whose message is shown as it is; nothing has changed then.
"""

from collections.abc import Callable
from io import BytesIO

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases import printing, selectors, services
from cases.forms import (
    EDIT_FORMS,
    HOUSEHOLD_APPLICATION_FORMS,
    ApplicationFilterForm,
    ApplicationMemberForm,
    CommentForm,
    NoticeFilterForm,
    NoticeForm,
    ObjectionForm,
    OpinionForm,
    RegistrationApplicationForm,
    RejectForm,
    Resolution,
    ReturnForm,
    SurveyForm,
    choose_labels,
)
from cases.models import Application, Kind, Notice, NoticeState, Objection
from helpcenter.access import log_denied, require, visible_or_404
from helpcenter.errors import DomainError
from helpcenter.paging import page_of
from households import services as household_services
from households.forms import HOUSEHOLD_FIELDS, DocumentForm
from households.models import Household
from households.selectors import document_checklist

HOUSEHOLD_APPLICATION_TITLES = {
    Kind.RELIEF: gettext_lazy("Apply for relief"),
    Kind.EXIT: gettext_lazy("Propose an exit from hardship"),
    Kind.REMOVAL: gettext_lazy("Propose removing the file"),
}


def _application(request: HttpRequest, pk: int) -> Application:
    return visible_or_404(
        Application.objects.visible_to(request.user).select_related(
            "union", "household__head", "filed_by", "reviewed_by", "decided_by", "notice"
        ),
        pk=pk,
    )


def _notice(request: HttpRequest, pk: int) -> Notice:
    return visible_or_404(
        Notice.objects.visible_to(request.user).select_related("union", "created_by"), pk=pk
    )


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- Applications -------------------------------------------------------------------------------


@require("cases.view_application")
def application_list(request: HttpRequest) -> HttpResponse:
    form = ApplicationFilterForm(request.GET or None, user=request.user)
    applications = form.filter(
        Application.objects.visible_to(request.user).select_related("union", "household")
    )
    rows, page, has_next = page_of(request, applications)
    context = {
        "form": form,
        "applications": rows,
        "page": page,
        "has_next": has_next,
        "query": _query_without_page(request),
    }
    return render(request, "cases/application_list.html", context)


@require("cases.add_application")
def application_create(request: HttpRequest) -> HttpResponse:
    form = RegistrationApplicationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = services.application_file_registration(
                actor=request.user,
                union=data["union"],
                head_name=data["head_name"],
                head_id_number=data["head_id_number"],
                head_health=data["head_health"],
                reason=data["reason"],
                fields={name: data[name] for name in HOUSEHOLD_FIELDS if name in data},
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "The application was filed as a draft: add the family members and the proof, "
                    "record the home visit, then submit it."
                ),
            )
            return redirect("cases:application_detail", pk=application.pk)
    context = {"form": form, "title": _("New registration application")}
    return render(request, "cases/form.html", context)


@require("cases.add_application")
def application_for_household(request: HttpRequest, household_pk: int) -> HttpResponse:
    household = visible_or_404(
        Household.objects.visible_to(request.user).select_related("head", "union"),
        pk=household_pk,
    )
    kind = request.GET.get("kind", Kind.RELIEF)
    if kind == Kind.RELIEF:  # filed under a programme, on relief's own form
        return redirect("relief:application_file", household_pk=household.pk)
    if kind not in HOUSEHOLD_APPLICATION_FORMS:
        raise Http404
    form = HOUSEHOLD_APPLICATION_FORMS[kind](request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_file_for_household(
                actor=request.user, household=household, kind=kind, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The application was filed as a draft: submit it."))
            return redirect("cases:application_detail", pk=application.pk)
    title = f"{HOUSEHOLD_APPLICATION_TITLES[kind]} · {household.head.name}"
    context = {"form": form, "title": title, "household": household}
    return render(request, "cases/form.html", context)


@require("cases.view_application")
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    # Proposed resident IDs are masked; ?reveal=ids shows them in full to those allowed, logged.
    reveal = request.GET.get("reveal") == "ids" and application.kind == Kind.REGISTRATION
    if reveal and not household_services.resident_ids_shown(
        reader=request.user, application=application
    ):
        log_denied(request, reason="permission households.view_resident_id")
        raise PermissionDenied
    objections = list(application.objections.select_related("notice", "resolved_by"))
    actions = selectors.application_actions(request.user, application)
    notice = application.notice
    context = {
        "application": application,
        "steps": application.steps.select_related("actor"),
        "objections": objections,
        "actions": actions.offered,
        "blocked": actions.blocked,
        "head": selectors.proposal_head(application),
        "proposal": selectors.proposal_rows(application),
        "follow_up_on": application.proposal.get("follow_up_on"),
        "reveal_ids": reveal,
        "notice_visible": notice is not None
        and Notice.objects.visible_to(request.user).filter(pk=notice.pk).exists(),
        "review_form": CommentForm(),
        "return_form": ReturnForm(),
        "reject_form": RejectForm(),
        # The proof for a relief, exit or removal application is the household's own documents.
        "checklist": document_checklist(application.household) if application.household else None,
    }
    if application.kind == Kind.REGISTRATION and application.household is None:
        context.update(_registration_context(request, application))
    return render(request, "cases/application_detail.html", context)


def _registration_context(request: HttpRequest, application: Application) -> dict:
    """A registration's family, its proof against the causes, and the means test run on them."""
    try:
        means_test, means_test_error = services.registration_means_test(application), ""
    except DomainError as error:
        means_test, means_test_error = None, error.message
    documents = application.documents.select_related("document_type", "uploaded_by")
    editable = application.state in services.EDITABLE_STATES
    return {
        "members": selectors.proposal_members(application),
        "members_editable": editable and request.user.has_perm("cases.change_application"),
        "means_test": means_test,
        "means_test_error": means_test_error,
        "reviewed_means_test": selectors.reviewed_means_test(application),
        "proof_checklist": document_checklist(
            services.proposed_household(application), documents=documents
        ),
        "proof_form": _proof_form()
        if application.state in services.PROOF_STATES
        and request.user.has_perm("cases.change_application")
        else None,
    }


def _proof_form() -> DocumentForm:
    form = DocumentForm()
    form.fields["document_type"].widget.attrs["class"] = "form-select"
    choose_labels(form)
    return form


@require("cases.change_application")
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    if request.method == "GET" and application.state not in services.EDITABLE_STATES:
        messages.error(
            request,
            _(
                "This application is %(state)s: only a draft or a returned application can be "
                "edited. Ask a supervisor to return it first."
            )
            % {"state": application.get_state_display()},
        )
        return redirect("cases:application_detail", pk=application.pk)
    if application.kind == Kind.RELIEF:  # its programme decides the amount: relief's own form
        return redirect("relief:application_edit", pk=application.pk)
    if application.kind == Kind.LOAN:  # terms and guarantors: the loan's own form
        return redirect("relief:loan_edit", pk=application.pk)
    is_registration = application.kind == Kind.REGISTRATION
    head = application.proposal.get("head", {})
    initial = {
        "reason": application.reason,
        "programme": application.programme,
        "requested_amount": application.requested_amount,
        "follow_up_on": application.proposal.get("follow_up_on"),
        "head_name": head.get("name"),
        "head_health": head.get("health"),
        **application.proposal.get("fields", {}),
    }
    form = EDIT_FORMS[application.kind](request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        reason = values.pop("reason")
        if is_registration:
            head = {
                "name": values.pop("head_name"),
                # Left blank, the ID on file stays: the form shows it masked (see the form).
                "id_number": values.pop("head_id_number") or head.get("id_number"),
                "health": values.pop("head_health"),
            }
            values = {"fields": values, "head": head}
        try:
            services.application_update(
                actor=request.user, application=application, reason=reason, **values
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The application was updated."))
            return redirect("cases:application_detail", pk=application.pk)
    context = {
        "form": form,
        "title": _("Edit the application"),
        "application": application,
        "head": selectors.proposal_head(application),
    }
    return render(request, "cases/form.html", context)


def _registration(request: HttpRequest, pk: int) -> Application:
    application = _application(request, pk)
    if application.kind != Kind.REGISTRATION:
        raise Http404
    return application


def _members_url(application: Application) -> str:
    return reverse("cases:application_detail", args=[application.pk]) + "#members"


@require("cases.change_application")
def application_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    application = _registration(request, pk)
    form = ApplicationMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_member_add(
                actor=request.user,
                application=application,
                data=household_services.MemberData(**form.cleaned_data),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Family member added: the household size follows."))
            return redirect(_members_url(application))
    context = {"form": form, "title": _("Add a family member"), "application": application}
    return render(request, "cases/form.html", context)


@require("cases.change_application")
def application_member_edit(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    application = _registration(request, pk)
    members = application.proposal.get("members", [])
    if index >= len(members):
        raise Http404
    member = members[index]
    form = ApplicationMemberForm(
        request.POST or None, initial={**member, "id_number": ""}, editing=True
    )
    if request.method == "POST" and form.is_valid():
        data = {
            **form.cleaned_data,
            "id_number": form.cleaned_data["id_number"] or member["id_number"],
        }
        try:
            services.application_member_update(
                actor=request.user,
                application=application,
                index=index,
                data=household_services.MemberData(**data),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Family member updated."))
            return redirect(_members_url(application))
    context = {
        "form": form,
        "title": _("Edit %(name)s") % {"name": member.get("name", "")},
        "application": application,
        "member": selectors.proposal_members(application)[index],
    }
    return render(request, "cases/form.html", context)


@require("cases.change_application")
@require_POST
def application_member_remove(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    application = _registration(request, pk)
    try:
        services.application_member_remove(actor=request.user, application=application, index=index)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Family member removed: the household size follows."))
    return redirect(_members_url(application))


@require("cases.change_application")
@require_POST
def application_document_add(request: HttpRequest, pk: int) -> HttpResponse:
    application = _registration(request, pk)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        try:
            services.application_document_add(
                actor=request.user,
                application=application,
                document_type=form.cleaned_data["document_type"],
                upload=form.cleaned_data["file"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The document was added."))
    return redirect(reverse("cases:application_detail", args=[application.pk]) + "#proof")


@require("households.view_document")
def application_document(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    """A registration's proof, served only through its application's scope."""
    application = _registration(request, pk)
    document = visible_or_404(application.documents.all(), pk=document_pk)
    return FileResponse(
        document.file.open("rb"),
        content_type=document.content_type,
        filename=document.original_name,
    )


@require("cases.change_application")
def application_survey(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    initial = {}
    if application.survey_on:
        initial = {
            "survey_on": application.survey_on,
            "visitors": application.survey_visitors,
            "findings": application.survey_findings,
            "authorised": application.income_check_authorised,
        }
    form = SurveyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_record_survey(
                actor=request.user, application=application, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The home-visit survey was recorded."))
            return redirect("cases:application_detail", pk=application.pk)
    context = {"form": form, "title": _("Home-visit survey"), "application": application}
    return render(request, "cases/form.html", context)


def _act(request: HttpRequest, application: Application, action: Callable, success: str):
    """A one-click transition (submit): the service decides, the page reports."""
    try:
        action(actor=request.user, application=application)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("cases:application_detail", pk=application.pk)


@require("cases.change_application")
@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    return _act(request, application, services.application_submit, _("Submitted for review."))


def _decide(
    request: HttpRequest, pk: int, *, decision: str, form_class, action: Callable, title, success
):
    """A decision on one application: GET shows what it rests on and asks for the opinion or
    reason, or shows the decision disabled with the reason the service would refuse it; POST
    goes to the service, which checks again."""
    application = _application(request, pk)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            action(actor=request.user, application=application, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, success)
            return redirect("cases:application_detail", pk=application.pk)
    context = {
        "form": form,
        "title": title,
        "application": application,
        "refusal": selectors.decision_refusal(request.user, application, decision),
        **selectors.decision_facts(application),
    }
    return render(request, "cases/application_decide.html", context)


@require("cases.approve_application")
def application_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        decision="approve",
        form_class=OpinionForm,
        action=services.application_approve,
        title=_("Approve"),
        success=_("Approved."),
    )


@require("cases.review_application")
def application_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        decision="review",
        form_class=CommentForm,
        action=services.application_review,
        title=_("Review"),
        success=_("Reviewed: the application can go on a public notice."),
    )


@require("cases.return_application")
def application_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        decision="return",
        form_class=ReturnForm,
        action=services.application_return,
        title=_("Return for changes"),
        success=_("Returned to the filer with your reason."),
    )


@require("cases.reject_application")
def application_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        decision="reject",
        form_class=RejectForm,
        action=services.application_reject,
        title=_("Reject"),
        success=_("Rejected with the reason the applicant will be told."),
    )


# --- Public notices -----------------------------------------------------------------------------


@require("cases.view_notice")
def notice_list(request: HttpRequest) -> HttpResponse:
    form = NoticeFilterForm(request.GET or None)
    rows, page, has_next = page_of(
        request, form.filter(selectors.notices_with_counts(request.user))
    )
    context = {
        "form": form,
        "notices": rows,
        "page": page,
        "has_next": has_next,
        "query": _query_without_page(request),
    }
    return render(request, "cases/notice_list.html", context)


@require("cases.add_notice")
def notice_create(request: HttpRequest) -> HttpResponse:
    form = NoticeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notice = services.notice_create(
                actor=request.user,
                union=request.user.union,
                title=data["title"],
                place=data["place"],
                contact=data["contact"],
                start_on=data["start_on"],
                working_days=data["working_days"],
                applications=list(data["applications"]),
                show_masked_ids=data["show_masked_ids"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The notice is prepared: check it, then post it."))
            return redirect("cases:notice_detail", pk=notice.pk)
    return render(request, "cases/notice_form.html", {"form": form})


@require("cases.view_notice")
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    # The page checks the period on view as well as the daily task (safe to run twice).
    if notice.state == NoticeState.PUBLISHED and services.notice_close(notice=notice):
        messages.info(
            request,
            _(
                "The notice period has ended: the notice is closed and archived, and the "
                "applications without an open objection await approval."
            ),
        )
        notice = _notice(request, pk)
    context = {
        "notice": notice,
        **selectors.notice_page(request.user, notice),
        "objections": Objection.objects.visible_to(request.user)
        .filter(notice=notice)
        .select_related("application", "recorded_by", "resolved_by"),
        "end_preview": None
        if notice.end_on
        else services.notice_period_end(start=notice.start_on, working_days=notice.working_days),
        "objection_form": ObjectionForm(notice=notice, user=request.user),
        "resolution_form": Resolution(),
    }
    return render(request, "cases/notice_detail.html", context)


def _notice_as_a_whole(request: HttpRequest, pk: int) -> Notice:
    """A notice `request.user` may act on as a whole (services.may_act_on_notice): one that
    lists another union's applicants is county staff's, and not found for anyone else."""
    return visible_or_404(
        Notice.objects.wholly_visible_to(request.user).select_related("union", "created_by"),
        pk=pk,
    )


@require("cases.publish_notice")
def notice_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the rows as they will be posted, the period with its end date and the place; POST
    (with the opinion): post it."""
    notice = _notice_as_a_whole(request, pk)
    form = OpinionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_publish(
                actor=request.user, notice=notice, comment=form.cleaned_data["comment"]
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("The notice is posted until %(end)s.") % {"end": f"{notice.end_on:%Y-%m-%d}"},
            )
            return redirect("cases:notice_detail", pk=notice.pk)
    context = {
        "form": form,
        "title": _("Post the notice"),
        "notice": notice,
        "refusal": selectors.publish_refusal(request.user, notice),
        "rows": printing.notice_rows(notice),
        "end_on": notice.end_on
        or services.notice_period_end(start=notice.start_on, working_days=notice.working_days),
    }
    return render(request, "cases/notice_confirm.html", context)


@require("cases.approve_application")
def notice_approve_all(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the applications that will be approved and those held, with why; POST (with the
    opinion): approve them, each checked again by the service."""
    notice = _notice_as_a_whole(request, pk)
    form = OpinionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            approved, refusals = services.notice_approve_all(
                actor=request.user, notice=notice, comment=form.cleaned_data["comment"]
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Applications approved: %(count)d.") % {"count": approved})
            for refusal in dict.fromkeys(refusals):
                messages.error(request, refusal)
            return redirect("cases:notice_detail", pk=notice.pk)
    to_approve, held = selectors.approval_preview(request.user, notice)
    context = {
        "form": form,
        "title": _("Approve all without objection"),
        "notice": notice,
        "refusal": selectors.approve_all_refusal(request.user, notice, to_approve=to_approve),
        "to_approve": to_approve,
        "held": held,
    }
    return render(request, "cases/notice_confirm.html", context)


@require("cases.change_notice")
def notice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft's terms and list; a posted notice is a record (the service refuses it too)."""
    notice = _notice(request, pk)
    if request.method == "GET" and notice.state != NoticeState.DRAFT:
        messages.error(request, _("This notice has been posted: what was posted stays on record."))
        return redirect("cases:notice_detail", pk=notice.pk)
    initial = {name: getattr(notice, name) for name in services.NOTICE_TERMS}
    initial["applications"] = list(notice.applications.values_list("pk", flat=True))
    form = NoticeForm(request.POST or None, user=request.user, notice=notice, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.notice_update(
                actor=request.user,
                notice=notice,
                applications=list(data.pop("applications")),
                **data,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The notice was changed: check it, then post it."))
            return redirect("cases:notice_detail", pk=notice.pk)
    return render(request, "cases/notice_form.html", {"form": form, "notice": notice})


@require("cases.delete_notice")
@require_POST
def notice_discard(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    try:
        services.notice_discard(actor=request.user, notice=notice)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("cases:notice_detail", pk=notice.pk)
    messages.success(
        request, _("The draft notice was discarded: its applications can go on another notice.")
    )
    return redirect("cases:notice_list")


@require("cases.view_notice")
def notice_print(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    return render(request, "cases/notice_print.html", printing.notice_context(notice))


@require("cases.view_notice")
def notice_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The archived PDF of a closed notice (it never changes), else one printed now."""
    notice = _notice(request, pk)
    if notice.state == NoticeState.CLOSED and notice.archived_pdf:
        content = notice.archived_pdf.open("rb")
    else:
        content = BytesIO(printing.notice_pdf(notice))
    return FileResponse(
        content, content_type="application/pdf", filename=f"{notice.title}.pdf", as_attachment=True
    )


# --- Objections ---------------------------------------------------------------------------------


@require("cases.add_objection")
def objection_record(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    form = ObjectionForm(request.POST or None, notice=notice, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.objection_record(actor=request.user, notice=notice, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("The objection was recorded; it holds its application until resolved.")
            )
            return redirect(f"{notice_url(notice)}#objections")
    title = _("Record an objection")
    context = {"form": form, "title": title, "submit_label": title, "notice": notice}
    return render(request, "cases/form.html", context)


@require("cases.resolve_objection")
def objection_resolve(request: HttpRequest, pk: int, objection_pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    objection = visible_or_404(
        Objection.objects.visible_to(request.user)
        .filter(notice=notice)
        .select_related("application"),
        pk=objection_pk,
    )
    form = Resolution(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.objection_resolve(
                actor=request.user, objection=objection, **form.service_arguments()
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The objection was resolved."))
            return redirect(f"{notice_url(notice)}#objections")
    title = _("Resolve the objection")
    context = {
        "form": form,
        "title": title,
        "submit_label": title,
        "notice": notice,
        "objection": objection,
    }
    return render(request, "cases/form.html", context)


def notice_url(notice: Notice) -> str:
    return reverse("cases:notice_detail", args=[notice.pk])
