"""Seed the fixed-date statutory holidays of 2027, a year chinese-calendar 1.11 does not know.

Administrators add the Spring Festival and the adjusted working days (调休) when the State
Council publishes the 2027 schedule (系统管理 → 节假日与调休).
"""

from datetime import date

from django.db import migrations

FIXED_2027 = [
    (date(2027, 1, 1), "元旦"),
    (date(2027, 5, 1), "劳动节"),
    (date(2027, 10, 1), "国庆节"),
    (date(2027, 10, 2), "国庆节"),
    (date(2027, 10, 3), "国庆节"),
]


def seed(apps, schema_editor):
    CalendarDay = apps.get_model("cases", "CalendarDay")
    for day, name in FIXED_2027:
        CalendarDay.objects.get_or_create(day=day, defaults={"kind": "holiday", "name": name})


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
