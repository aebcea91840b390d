"""Who may do what: `rules` predicates over staff roles. Object scope is `visible_to(user)`."""

import rules

from helpcenter.models import Role


def _has_role(role: str):
    @rules.predicate(name=f"is_{role}")
    def predicate(user) -> bool:
        return user.is_authenticated and user.has_role(role)

    return predicate


is_caseworker = _has_role(Role.CASEWORKER)
is_supervisor = _has_role(Role.SUPERVISOR)
is_finance = _has_role(Role.FINANCE)
is_administrator = _has_role(Role.ADMINISTRATOR)
is_auditor = _has_role(Role.AUDITOR)
is_staff_member = is_caseworker | is_supervisor | is_finance | is_administrator | is_auditor

rules.add_perm("helpcenter.view_dashboard", is_staff_member)
rules.add_perm("helpcenter.view_unions", is_staff_member)
rules.add_perm("helpcenter.change_own_password", rules.is_authenticated)
rules.add_perm("helpcenter.use_admin", is_administrator | rules.is_superuser)


def _admin_may_manage(app_label: str, *model_names: str) -> None:
    """Administrators manage these models in the admin site (Django's model permissions)."""
    for model_name in model_names:
        for action in ("view", "add", "change", "delete"):
            rules.add_perm(f"{app_label}.{action}_{model_name}", is_administrator)


_admin_may_manage("helpcenter", "union", "user", "staffrole")
_admin_may_manage("axes", "accessattempt", "accesslog", "accessfailurelog")
_admin_may_manage(
    "django_celery_beat",
    "periodictask",
    "crontabschedule",
    "intervalschedule",
    "solarschedule",
    "clockedschedule",
)
