"""One authorisation mechanism, deny by default.

Every view declares who may use it with `@require("app.permission")` (login, then a `rules`
permission) or `@public` (login page, health check). `AccessDeclaredMiddleware` refuses any view
that declares nothing, so a new page cannot ship unguarded. Object scope is the model's
`objects.visible_to(user)` queryset: an object outside it is a 404, never a 403 or a 500.
"""

import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, resolve_url

logger = logging.getLogger("helpcenter.security")

PUBLIC = "public"


def require(permission: str) -> Callable:
    """Log in, then hold `permission` (a `rules` permission), or be refused."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                if getattr(request, "htmx", False):
                    response = HttpResponse(status=401)
                    response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
                    return response
                return redirect_to_login(request.get_full_path())
            if request.user.union_id is None:
                # A superuser made with createsuperuser works in the admin site until an
                # administrator gives the account a union; the product's pages need one.
                log_denied(request, reason="no union")
                raise PermissionDenied
            if not request.user.has_perm(permission):
                log_denied(request, reason=f"permission {permission}")
                raise PermissionDenied
            return view(request, *args, **kwargs)

        guarded.access = permission
        return guarded

    return decorator


def public(view: Callable) -> Callable:
    """Mark a view as open to anyone (the login page, the health check)."""
    view.access = PUBLIC
    return view


def visible_or_404(queryset: QuerySet, **lookup) -> Model:
    """Fetch one object from a `visible_to(user)` queryset; outside the scope is a 404."""
    return get_object_or_404(queryset, **lookup)


def log_denied(request: HttpRequest, *, reason: str) -> None:
    # The user id and the path only: no names, no resident IDs, no IP addresses.
    logger.warning(
        "access denied user_id=%s path=%s reason=%s",
        getattr(request.user, "pk", None),
        request.path,
        reason,
    )


class AccessDeclaredMiddleware:
    """Refuse every view that does not declare its access (Django admin checks its own)."""

    exempt_namespaces = {"admin"}

    def __init__(self, get_response: Callable):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "access", None) is not None:
            return None
        match = request.resolver_match
        if match is not None and self.exempt_namespaces.intersection(match.namespaces):
            return None
        logger.error(
            "view without an access declaration refused: %s",
            match.view_name if match else request.path,
        )
        raise PermissionDenied
