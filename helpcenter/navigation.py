"""The role-aware navigation: one list, filtered by the permissions a user holds."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    permission: str


# Apps add their pages here as they land; an item shows only to users holding its permission.
NAVIGATION: list[NavItem] = [
    NavItem(_("Dashboard"), "dashboard", "helpcenter.view_dashboard"),
    NavItem(_("Household files"), "households:list", "households.view_household"),
    NavItem(_("Applications"), "cases:application_list", "cases.view_application"),
    NavItem(_("Public notices"), "cases:notice_list", "cases.view_notice"),
    NavItem(_("Relief funds"), "relief:index", "relief.view_ledger"),
    NavItem(_("Reports"), "reports:index", "reports.view_reports"),
    NavItem(_("Unions and staff"), "org:union_list", "helpcenter.view_unions"),
    NavItem(_("Administration"), "admin:index", "helpcenter.use_admin"),
]


def navigation(request) -> dict:
    """Context processor: the navigation items this user may open, the current one marked."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    items = []
    for item in NAVIGATION:
        if user.has_perm(item.permission):
            url = reverse(item.url_name)
            active = request.path == url if url == "/" else request.path.startswith(url)
            items.append({"label": item.label, "url": url, "active": active})
    return {"navigation": items}
