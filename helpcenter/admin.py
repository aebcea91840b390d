from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from helpcenter.models import StaffRole, Union, User

# Roles are StaffRole rows, not Django groups; the group admin would only confuse.
admin.site.unregister(Group)


@admin.register(Union)
class UnionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]


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
class UserAdmin(DjangoUserAdmin):
    inlines = [StaffRoleInline]
    list_display = ["username", "name", "union", "is_active", "last_login"]
    list_filter = ["union", "role_grants__role", "is_active"]
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
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
