"""Pages of payment verification (回访核实): the samples, drawing one (N, the formula and n shown
first), and answering each check once. Grassroots staff see their union's checks only."""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from helpcenter.access import require, visible_or_404
from helpcenter.errors import DomainError
from relief import verification
from relief.forms_bank import AnswerForm, PopulationForm, campaigns_for
from relief.models import Answer, VerificationCheck


@require("relief.view_verification")
def sample_list(request: HttpRequest) -> HttpResponse:
    checks = VerificationCheck.objects.visible_to(request.user)
    samples = (
        verification.samples_visible_to(request.user)
        .select_related("drawn_by")
        .annotate(
            shown=Count("checks", filter=Q(checks__in=checks)),
            answered=Count("checks", filter=Q(checks__in=checks) & ~Q(checks__answer="")),
            not_received=Count(
                "checks", filter=Q(checks__in=checks, checks__answer=Answer.NOT_RECEIVED)
            ),
        )
    )
    return render(request, "relief/verification/list.html", {"samples": samples[:200]})


@require("relief.draw_sample")
def sample_draw(request: HttpRequest) -> HttpResponse:
    """GET with the choices shows N, the formula and n; POST draws."""
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = PopulationForm(data, campaigns=campaigns_for(request.user))
    plan = None
    if form.is_valid():
        values = form.cleaned_data
        try:
            population = verification.paid_population(
                actor=request.user,
                campaign=values["campaign"],
                programme=values["programme"],
                date_from=values["date_from"],
                date_to=values["date_to"],
            )
            plan = verification.size_plan(
                population=population.size,
                confidence=values["confidence"],
                margin=values["margin"],
            )
            if request.method == "POST":
                sample = verification.sample_draw(
                    actor=request.user,
                    title=values["title"],
                    population=population,
                    confidence=values["confidence"],
                    margin=values["margin"],
                    stratified=values["stratified"],
                )
                messages.success(request, _("%(n)d households drawn.") % {"n": sample.sample_size})
                return redirect("relief:sample_detail", pk=sample.pk)
        except DomainError as error:
            form.add_error(None, error.message)
    return render(request, "relief/verification/draw.html", {"form": form, "plan": plan})


@require("relief.view_verification")
def sample_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sample = visible_or_404(
        verification.samples_visible_to(request.user).select_related("drawn_by", "union"), pk=pk
    )
    checks = (
        VerificationCheck.objects.visible_to(request.user)
        .filter(sample=sample)
        .select_related("household__head", "union", "disbursement__programme", "asked_by")
        .select_related("follow_up")
    )
    context = {"sample": sample, "checks": checks, "answer_form": AnswerForm()}
    return render(request, "relief/verification/detail.html", context)


@require("relief.answer_check")
@require_POST
def check_answer(request: HttpRequest, pk: int, check_pk: int) -> HttpResponse:
    check = visible_or_404(
        VerificationCheck.objects.visible_to(request.user).filter(sample_id=pk), pk=check_pk
    )
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            verification.check_answer(actor=request.user, check=check, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, f"{check.household}: {error.message}")
        else:
            messages.success(request, _("Answer recorded."))
    else:
        messages.error(request, _("Choose the answer and, if given, a valid follow-up date."))
    return redirect(f"{reverse('relief:sample_detail', kwargs={'pk': pk})}#check-{check.pk}")
