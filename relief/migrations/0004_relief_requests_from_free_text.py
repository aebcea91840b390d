"""Relief applications filed before programmes existed named their programme in free text
(cases.Application.programme). Each gets its ReliefRequest now: the programme of that name, or
else a new inactive programme named after the text (kind "other", so nothing is lost and an
administrator can merge it later); the cash asked is the requested amount. The application keeps
its state and trail; no entitlement is created here (relief.services.entitlements_backfill
commits approved ones against the budgets)."""

from decimal import Decimal

from django.db import migrations

UNNAMED = "未注明项目"


def _legacy_code(Programme, used: set[str]) -> str:
    number = 1
    while f"legacy-{number}" in used or Programme.objects.filter(code=f"legacy-{number}").exists():
        number += 1
    used.add(f"legacy-{number}")
    return f"legacy-{number}"


def forward(apps, schema_editor):
    Application = apps.get_model("cases", "Application")
    Programme = apps.get_model("relief", "Programme")
    ReliefRequest = apps.get_model("relief", "ReliefRequest")

    used: set[str] = set()
    pending = Application.objects.filter(kind="relief", relief__isnull=True).order_by("pk")
    for application in pending.iterator(chunk_size=500):
        if application.household_id is None:
            continue  # a relief application always names its household; nothing to attach to
        text = (application.programme or "").strip() or UNNAMED
        programme = Programme.objects.filter(name=text).first()
        if programme is None:
            programme = Programme.objects.create(
                code=_legacy_code(Programme, used),
                name=text,
                kind="other",
                active=False,
                description="由原自由填写的帮扶项目迁移而来；请管理员核对后合并或设置档位。",
            )
        amount = application.requested_amount or Decimal(0)
        ReliefRequest.objects.create(
            application=application,
            household_id=application.household_id,
            programme=programme,
            cash_amount=amount,
            decision={
                "migrated": True,
                "eligible": None,
                "cash_amount": str(amount),
                "goods": [],
                "goods_value": "0.00",
                "reasons": [f"由原自由填写的帮扶项目“{application.programme}”迁移，未重新核定。"],
                "refusals": [],
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("relief", "0003_seed_programmes_and_funds"),
        ("cases", "0004_freeze_posted_notices"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
