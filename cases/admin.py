"""The county's administrators keep the holiday table here: statutory holidays and adjusted
working days (调休) for years the chinese-calendar package does not know yet, or corrections.
Applications and notices change only through the product's pages and services, which record
every step."""

from django.contrib import admin

from cases.models import CalendarDay
from helpcenter.admin_site import ScopedModelAdmin


@admin.register(CalendarDay)
class CalendarDayAdmin(ScopedModelAdmin):
    list_display = ["day", "kind", "name"]
    list_filter = ["kind"]
    search_fields = ["name"]
    date_hierarchy = "day"
