"""Security log for failed logins, without personal data.

A receiver, not business logic: it only writes a log line. The user name is replaced by a short
keyed hash so that repeated failures against one account can be correlated without the name.
"""

import hashlib
import hmac
import logging

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

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
