from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.views.i18n import set_language

from helpcenter import selectors
from helpcenter.access import public, require, visible_or_404
from helpcenter.dashboard import cards_for, charts_for
from helpcenter.models import Role, Union


@require("helpcenter.view_dashboard")
def dashboard(request: HttpRequest) -> HttpResponse:
    roles = [label for value, label in Role.choices if value in request.user.roles]
    return render(
        request,
        "helpcenter/dashboard.html",
        {
            "cards": cards_for(request.user),
            "charts": charts_for(request.user),
            "role_labels": roles,
        },
    )


@require("helpcenter.view_unions")
def union_list(request: HttpRequest) -> HttpResponse:
    unions = selectors.unions_with_staff_counts(request.user)
    return render(request, "helpcenter/union_list.html", {"unions": unions})


@require("helpcenter.view_unions")
def union_detail(request: HttpRequest, code: str) -> HttpResponse:
    union = visible_or_404(Union.objects.visible_to(request.user), code=code)
    return render(
        request,
        "helpcenter/union_detail.html",
        {"union": union, "staff": selectors.staff_of(union)},
    )


login = public(
    auth_views.LoginView.as_view(
        redirect_authenticated_user=True,
        extra_context={
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )
)
logout = public(auth_views.LogoutView.as_view())
password_change = require("helpcenter.change_own_password")(
    auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("password_change_done"))
)
password_change_done = require("helpcenter.change_own_password")(
    auth_views.PasswordChangeDoneView.as_view()
)
language = public(set_language)
