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
