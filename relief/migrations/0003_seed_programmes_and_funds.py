"""Seed the programmes of DOMAIN.md with their tiers, goods items and proof documents, and the
four fund sources (without amounts: a county enters its own). Administrators edit all of it
afterwards in the admin site; running `seed` again adds nothing that is already there.

Figures (from the seeds, each a default a county changes):
- 两节送温暖: 特困 2,000 / 重困 1,000 / 一般困难 500 元 with rice and oil.
- 金秋助学: registered families 5,000 (university) / 3,000 (high school) 元; families outside the
  register 4,000 / 2,000 元; once per student per school year.
- 医疗救助: a stay without surgery up to 500 元 and goods worth 100 元; with surgery up to 1,000 元
  and goods worth 200 元; at most 2,000 元 per person a year.
- 生活救助: 1,000 元 (特困, 重困) / 600 元 (一般困难 and other registered households).
- 临时救助: up to 1,000 元 after a sudden blow.
"""

from datetime import date
from decimal import Decimal

from django.db import migrations

SINCE = date(2024, 1, 1)
COMMON_DOCUMENTS = ["id_card", "household_register", "income_certificate"]

GOODS = [
    # name, unit, unit value
    ("大米", "袋", "60.00"),
    ("食用油", "桶", "80.00"),
    ("棉被", "床", "150.00"),
    ("慰问品", "份", "100.00"),
]

FUNDS = [
    ("central", "中央财政帮扶资金", "central"),
    ("local", "地方财政配套", "local"),
    ("union", "工会自筹", "union"),
    ("donation", "社会捐赠", "donation"),
]

# code, name, kind, options, documents, tiers:
# (name, cash, {criteria}, ceiling, {goods: quantity})
PROGRAMMES = [
    (
        "warmth",
        "两节送温暖",
        "warmth",
        {
            "county_approval_above": "2000.00",
            "description": "元旦、春节入户送温暖：慰问金和慰问品。",
        },
        COMMON_DOCUMENTS,
        [
            ("特困", "2000.00", {"degree": "severe"}, False, {"大米": 2, "食用油": 2}),
            ("重困", "1000.00", {"degree": "serious"}, False, {"大米": 1, "食用油": 1}),
            ("一般困难", "500.00", {"degree": "general"}, False, {"大米": 1, "食用油": 1}),
        ],
    ),
    (
        "tuition",
        "金秋助学",
        "tuition",
        {
            "registered_only": False,
            "once_per_student_year": True,
            "county_approval_above": "3000.00",
            "description": "子女升学助学金：每名学生每学年一次，不与其他助学资助重复。",
        },
        [*COMMON_DOCUMENTS, "admission_letter", "tuition_receipt"],
        [
            ("在册·大学", "5000.00", {"school_stage": "university"}, False, {}),
            ("在册·高中", "3000.00", {"school_stage": "high_school"}, False, {}),
            (
                "非在册·大学",
                "4000.00",
                {"school_stage": "university", "for_registered": False},
                False,
                {},
            ),
            (
                "非在册·高中",
                "2000.00",
                {"school_stage": "high_school", "for_registered": False},
                False,
                {},
            ),
        ],
    ),
    (
        "medical",
        "医疗救助",
        "medical",
        {
            "yearly_cap_per_person": "2000.00",
            "county_approval_above": "1000.00",
            "description": "职工本人或直系亲属住院：每人每年累计不超过 2,000 元。",
        },
        [*COMMON_DOCUMENTS, "diagnosis", "hospital_bills"],
        [
            ("住院（未手术）", "500.00", {"medical_case": "stay"}, True, {"慰问品": 1}),
            ("住院（手术）", "1000.00", {"medical_case": "surgery"}, True, {"慰问品": 2}),
        ],
    ),
    (
        "living",
        "生活救助",
        "living",
        {"county_approval_above": "1000.00", "description": "生活困难的一次性救助。"},
        COMMON_DOCUMENTS,
        [
            ("特困", "1000.00", {"degree": "severe"}, False, {}),
            ("重困", "1000.00", {"degree": "serious"}, False, {}),
            ("一般困难", "600.00", {"degree": "general"}, False, {}),
            ("其他在册困难户", "600.00", {}, False, {}),
        ],
    ),
    (
        "emergency",
        "临时救助",
        "emergency",
        {"county_approval_above": "1000.00", "description": "突发意外、灾害后的临时救助。"},
        [*COMMON_DOCUMENTS, "accident_evidence"],
        [("临时救助", "1000.00", {}, True, {})],
    ),
]


def seed(apps, schema_editor):
    Programme = apps.get_model("relief", "Programme")
    Tier = apps.get_model("relief", "Tier")
    TierGoods = apps.get_model("relief", "TierGoods")
    GoodsItem = apps.get_model("relief", "GoodsItem")
    Fund = apps.get_model("relief", "Fund")
    DocumentType = apps.get_model("households", "DocumentType")

    for code, name, kind in FUNDS:
        Fund.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})
    items = {}
    for name, unit, value in GOODS:
        items[name], _ = GoodsItem.objects.get_or_create(
            name=name, valid_from=SINCE, defaults={"unit": unit, "unit_value": Decimal(value)}
        )
    for position, (code, name, kind, options, documents, tiers) in enumerate(PROGRAMMES):
        values = {
            key: Decimal(value) if key.endswith(("_above", "_person")) else value
            for key, value in options.items()
        }
        programme, created = Programme.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "position": position, **values}
        )
        if not created:
            continue
        programme.required_documents.set(DocumentType.objects.filter(code__in=documents))
        for tier_position, (tier_name, cash, criteria, ceiling, goods) in enumerate(tiers):
            tier = Tier.objects.create(
                programme=programme,
                name=tier_name,
                cash_amount=Decimal(cash),
                is_ceiling=ceiling,
                valid_from=SINCE,
                position=tier_position,
                **criteria,
            )
            for item_name, quantity in goods.items():
                TierGoods.objects.create(
                    tier=tier, item=items[item_name], quantity=Decimal(quantity)
                )


class Migration(migrations.Migration):
    dependencies = [
        ("relief", "0002_ledger_guards"),
        ("households", "0002_document_types"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
