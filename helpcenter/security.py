"""Security log for failed logins, without personal data; the security headers of every response.

A receiver, not business logic: it only writes a log line. The user name is replaced by a short
keyed hash so that repeated failures against one account can be correlated without the name.
"""

import hashlib
import hmac
import logging

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger("helpcenter.security")


def pseudonym(value: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), value.lower().encode(), hashlib.sha256)
    return digest.hexdigest()[:12]


@receiver(user_login_failed, dispatch_uid="helpcenter.login_failed")
def log_login_failed(sender, credentials, request=None, **kwargs) -> None:
    logger.warning("login failed account=%s", pseudonym(credentials.get("username", "")))


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked account sees, with the time it may try again (AXES_LOCKOUT_CALLABLE)."""
    from axes.models import AccessAttempt
    from django.db.models import Max
    from django.shortcuts import render

    username = (credentials or {}).get("username") or request.POST.get("username", "")
    last_failure = AccessAttempt.objects.filter(username=username).aggregate(
        last=Max("attempt_time")
    )["last"]
    retry_at = last_failure + settings.AXES_COOLOFF_TIME if last_failure else None
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "retry_at": retry_at,
    }
    return render(request, "registration/locked_out.html", context, status=429)


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response, and `Cache-Control:
    no-store` on every response to a logged-in person.

    No-store for everyone logged in rather than a list of personal-data views: nearly every page
    behind the login shows a family's data (files, applications, exports, PDFs, the import
    preview, proof documents), and a list would miss the next one. Static files are served by
    WhiteNoise before this middleware runs and keep their long cache headers. The policies come
    from settings (CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY): scripts and styles from our own
    origin only, so templates carry no inline <script>, <style> or style="".
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
