from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from helpcenter.access import log_denied


class HelpcenterAdminSite(admin.AdminSite):
    site_header = _("Helpcenter administration")
    site_title = _("Helpcenter administration")
    index_title = _("Organisations, staff and settings")

    def has_permission(self, request) -> bool:
        return request.user.is_active and request.user.has_perm("helpcenter.use_admin")

    def login(self, request, extra_context=None):
        """One login page for the whole product; staff without the role are refused (403)."""
        if self.has_permission(request):
            return redirect("admin:index")
        if request.user.is_authenticated:
            log_denied(request, reason="admin site")
            raise PermissionDenied
        return redirect_to_login(request.GET.get("next", reverse("admin:index")))
