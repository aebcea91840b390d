from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from helpcenter.admin_site import ScopedModelAdmin
from helpcenter.models import StaffRole, Union, User

# Roles are StaffRole rows, not Django groups; the group admin would only confuse.
admin.site.unregister(Group)

# django-axes ships no Chinese. Marked here, its model names (the login log on the admin index)
# are translated in this project's catalogue, which Django consults before an app's own.
AXES_MODEL_NAMES = [
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
]


@admin.register(Union)
class UnionAdmin(ScopedModelAdmin):
    """County administrators only (helpcenter/rules.py); scoped all the same."""

    list_display = ["code", "name", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.visible_to(request.user)


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 1

    def _may_edit(self, request, obj) -> bool:
        # Nobody grants or takes away their own roles.
        return request.user.is_superuser or obj is None or obj.pk != request.user.pk

    def has_add_permission(self, request, obj=None) -> bool:
        return self._may_edit(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._may_edit(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._may_edit(request, obj) and super().has_delete_permission(request, obj)


@admin.register(User)
class UserAdmin(ScopedModelAdmin, DjangoUserAdmin):
    inlines = [StaffRoleInline]
    list_display = ["username", "name", "union", "is_active", "last_login"]
    # The union filter offers the unions of the listed (scoped) staff, not every union.
    list_filter = [
        ("union", admin.RelatedOnlyFieldListFilter),
        "role_grants__role",
        "is_active",
    ]
    list_select_related = ["union"]
    search_fields = ["username", "name", "phone"]
    ordering = ["username"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Staff member"), {"fields": ("name", "union", "phone", "email")}),
        (_("Status"), {"fields": ("is_active", "is_superuser", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "name", "union", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ["last_login", "date_joined"]

    def get_queryset(self, request):
        """An administrator of a grassroots union manages that union's staff only."""
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(union__in=Union.objects.visible_to(request.user))

    def has_change_permission(self, request, obj=None) -> bool:
        # Whoever may change a superuser's password or roles holds a superuser's powers.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields.append("is_superuser")  # only a superuser makes another
            if obj is not None and obj.pk == request.user.pk:
                fields.append("union")  # nobody moves themselves to another union
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "union" and not request.user.is_superuser:
            kwargs["queryset"] = Union.objects.visible_to(request.user)
            kwargs["required"] = True  # only a superuser may be without a union
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
