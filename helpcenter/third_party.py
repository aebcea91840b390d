"""Chinese for the admin pages of the apps we use but do not write: Django's admin, django-axes
(the login log) and django-celery-beat (the schedules).

Two kinds of gap. Some of their texts go through gettext but have no Chinese in the app's own
catalogue (axes ships none; Django's and celery-beat's lack a few recent strings): they are
marked below with gettext_noop, so `makemessages` puts them in this project's catalogue, which
Django consults first (LOCALE_PATHS). Others never go through gettext (a field's plain
verbose_name, a method's label, a model's __str__, cron_descriptor's description in the
process's locale): `give_chinese_words()` labels them at start-up (HelpcenterConfig.ready).
Nothing here changes a third-party model's database schema or migrations (labels only).
"""

from django.utils.translation import get_language, gettext, gettext_lazy, gettext_noop

MISSING_MESSAGES = [
    # Django's admin (5.2) and auth admin templates
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    # django-axes: fields, fieldsets, filters and actions of its admin
    gettext_noop("Access Attempt"),
    gettext_noop("Access lock out"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Attempt Time"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Expires At"),
    gettext_noop("Failed Logins"),
    gettext_noop("Form Data"),
    gettext_noop("GET Data"),
    gettext_noop("HTTP Accept"),
    gettext_noop("IP Address"),
    gettext_noop("Locked Out"),
    gettext_noop("Logout Time"),
    gettext_noop("Meta Data"),
    gettext_noop("Not set"),
    gettext_noop("POST Data"),
    gettext_noop("Path"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("User Agent"),
    gettext_noop("Username"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    # django-celery-beat
    gettext_noop("Schedule"),
    gettext_noop("Arguments"),
    gettext_noop("Execution Options"),
    gettext_noop("Periodic Tasks Using This Schedule"),
    gettext_noop('Cron Months (1-12) Of The Year to Run. Use "*" for "all". (Example: "1,12")'),
    gettext_noop(
        'Cron Days Of The Week to Run. Use "*" for "all", Sunday is 0 or 7, Monday is 1. '
        '(Example: "0,5")'
    ),
]


def access_log_title(log) -> str:
    """AccessLog's __str__ (the change page's title and breadcrumb) in words."""
    return gettext("Login of %(username)s at %(time)s") % {
        "username": log.username,
        "time": f"{log.attempt_time:%Y-%m-%d %H:%M:%S}",
    }


def access_attempt_title(attempt) -> str:
    """AccessAttempt's and AccessFailureLog's __str__ in words."""
    return gettext("Failed login of %(username)s at %(time)s") % {
        "username": attempt.username,
        "time": f"{attempt.attempt_time:%Y-%m-%d %H:%M:%S}",
    }


def give_chinese_words() -> None:
    """Label what the third-party apps never pass through gettext."""
    from axes.admin import AccessAttemptAdmin
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from cron_descriptor import ExpressionDescriptor, Options
    from django_celery_beat import models as beat_models
    from django_celery_beat.admin import PeriodicTaskAdmin

    beat_models.PeriodicTask._meta.get_field("task").verbose_name = gettext_lazy("Task Name")
    PeriodicTaskAdmin.crontab_translation.short_description = gettext_lazy("Crontab translation")
    human_readable = beat_models.CrontabSchedule.human_readable.fget
    human_readable.short_description = gettext_lazy("Human readable")
    AccessLog.__str__ = access_log_title
    AccessAttempt.__str__ = access_attempt_title
    AccessFailureLog.__str__ = access_attempt_title
    AccessAttemptAdmin.status.short_description = gettext_lazy("Status")

    def chinese_description(expression: str, options=None) -> str:
        options = options or Options()
        if (get_language() or "").startswith("zh"):
            options.locale_code = "zh_CN"
            options.use_24hour_time_format = True
        return ExpressionDescriptor(expression, options).get_description()

    beat_models.get_description = chinese_description
