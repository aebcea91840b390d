"""Freeze the rows of the notices posted before rows were kept (best effort).

Until now a posted notice was rendered from the current data, so what it showed when it was
posted is not on record. This freezes each posted or closed notice as it lists now: its
applications that are still on it (a returned application had already left its notice, so it
cannot be recovered here), in the order the notice printed them, with today's names, unions and
amounts. The category is the household's where a file exists; a registration not yet approved
gets none here (the means test is not run in a migration). The issuing union's name is today's.
A closed notice's archived PDF, where there is one, remains the record of what was posted.
"""

from django.db import migrations

KIND_LABELS = {"exit": "脱困申请", "removal": "注销申请"}
CATEGORY_LABELS = {
    "subsistence": "低保户",
    "near_subsistence": "低保边缘户",
    "accident": "意外致困户",
    "not_eligible": "不符合困难条件",
}


def _mask(number: str) -> str:
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def _row(notice, application, position, NoticeRow):
    household = application.household
    head = household.head if household is not None else None
    number = (
        head.id_number
        if head is not None
        else application.proposal.get("head", {}).get("id_number", "")
    )
    if application.programme:
        programme = application.programme
    elif application.kind == "registration":
        programme = "建档"
    else:
        programme = KIND_LABELS.get(application.kind, application.kind)
    return NoticeRow(
        notice=notice,
        application=application,
        position=position,
        name=application.applicant_name,
        union_name=application.union.name,
        programme=programme,
        category=CATEGORY_LABELS.get(household.category, "") if household is not None else "",
        amount=application.requested_amount if application.kind == "relief" else None,
        masked_id=_mask(number) if notice.show_masked_ids and number else "",
    )


def freeze(apps, schema_editor):
    Notice = apps.get_model("cases", "Notice")
    NoticeRow = apps.get_model("cases", "NoticeRow")
    for notice in Notice.objects.exclude(state="draft").filter(rows=None).select_related("union"):
        applications = (
            notice.applications.exclude(state="returned")
            .select_related("union", "household__head")
            .order_by("union__code", "id")
        )
        NoticeRow.objects.bulk_create(
            _row(notice, application, position, NoticeRow)
            for position, application in enumerate(applications, start=1)
        )
        if not notice.issuer_name:
            Notice.objects.filter(pk=notice.pk).update(issuer_name=notice.union.name)


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_notice_rows_as_posted")]

    operations = [migrations.RunPython(freeze, migrations.RunPython.noop)]
