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


@rules.predicate
def works_county_wide(user) -> bool:
    """Staff of the county federation (helpcenter.models.union_scope: they see every union)."""
    return user.is_authenticated and user.works_county_wide


# County-wide settings (unions, standards, holidays, document types, schedules, the login log)
# are the county's; a grassroots administrator manages its own union's staff accounts only.
is_county_administrator = is_administrator & works_county_wide


def admin_may_manage(app_label: str, predicate, *model_names: str) -> None:
    """Who manages these models in the admin site: Django's model permissions, and the app-level
    permission rules' backend answers for `has_module_perms`, which the admin index and sidebar
    ask before listing an app. Declared together here so the index shows exactly what may be
    used. A StaffRole is edited on its user's page; UserAdmin scopes users to visible unions."""
    for model_name in model_names:
        for action in ("view", "add", "change", "delete"):
            rules.add_perm(f"{app_label}.{action}_{model_name}", predicate)
    if rules.perm_exists(app_label):
        predicate = rules.permissions.permissions[app_label] | predicate
    rules.set_perm(app_label, predicate)


admin_may_manage("helpcenter", is_county_administrator, "union")
admin_may_manage("helpcenter", is_administrator, "user", "staffrole")
admin_may_manage("axes", is_county_administrator, "accessattempt", "accesslog", "accessfailurelog")
admin_may_manage(
    "django_celery_beat",
    is_county_administrator,
    "periodictask",
    "crontabschedule",
    "intervalschedule",
    "solarschedule",
    "clockedschedule",
)
