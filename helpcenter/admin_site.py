from collections import Counter

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import NestedObjects
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList, ChangeListSearchForm
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import router
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from helpcenter.access import log_denied
from helpcenter.models import union_scope


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


def sees_every_union(user) -> bool:
    """Superusers, and county staff by the one visibility rule (union_scope)."""
    return user.is_superuser or union_scope(user) is None


class ScopedModelAdmin(admin.ModelAdmin):
    """The base of every ModelAdmin here. Each subclass scopes its own rows in get_queryset; this
    scopes what Django's delete confirmation shows. Django lists every related row that would be
    deleted or that blocks the deletion (protected) by its str(): a file number, a name, another
    union's staff. For staff who do not see every union it names only the objects being deleted
    (already in their scope) and counts the related rows by kind. A history page asks the
    model permission before looking the object up."""

    def get_changelist(self, request, **kwargs):
        return BoundedSearchChangeList

    def history_view(self, request, object_id, extra_context=None):
        # Permission first, then scope, as on the product's pages (Django looks the object up
        # first and answers "not found" for one out of scope, 403 for one in scope).
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if sees_every_union(request.user):
            return deleted, model_count, perms_needed, protected
        named = [format_html("{}: {}", capfirst(obj._meta.verbose_name), obj) for obj in objs]
        if protected:
            protected = _counted(_protected_rows(objs, self.model))
        return named, model_count, perms_needed, protected


def _protected_rows(objs, model) -> list:
    collector = NestedObjects(using=router.db_for_write(model))
    collector.collect(objs)
    return list(collector.protected)


def _counted(rows) -> list[str]:
    counts = Counter(capfirst(row._meta.verbose_name_plural) for row in rows)
    return [
        gettext("%(kind)s: %(count)s") % {"kind": kind, "count": count}
        for kind, count in sorted(counts.items())
    ]


# Longer than any name, code or phone number. SQLite refuses a LIKE pattern of 50,000 bytes, so
# an unbounded search of pasted text was a 500; now it is a message and the unfiltered list.
ADMIN_SEARCH_MAX_LENGTH = 100


class BoundedSearchForm(ChangeListSearchForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[SEARCH_VAR] = forms.CharField(
            required=False,
            strip=False,
            max_length=ADMIN_SEARCH_MAX_LENGTH,
            error_messages={
                "max_length": _("Search with at most %(limit_value)d characters: shorten it.")
            },
        )


class BoundedSearchChangeList(ChangeList):
    """Django's change list with its search bounded (ScopedModelAdmin.get_changelist)."""

    search_form_class = BoundedSearchForm
