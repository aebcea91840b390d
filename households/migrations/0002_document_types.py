"""Seed the proof-document types of DOMAIN.md; administrators edit them afterwards."""

from django.db import migrations

DOCUMENT_TYPES = [
    # code, name, required when (causes, or the conditions migrant_worker / subsistence_allowance)
    ("id_card", "身份证", [], True),
    ("household_register", "户口簿", [], True),
    ("income_certificate", "收入证明", [], True),
    ("diagnosis", "诊断书", ["illness"], False),
    ("hospital_bills", "住院及医疗费票据", ["illness"], False),
    ("disability_certificate", "残疾证", ["disability"], False),
    ("admission_letter", "录取通知书", ["education"], False),
    ("tuition_receipt", "学费缴费票据", ["education"], False),
    ("accident_evidence", "事故或灾害证明", ["accident"], False),
    ("job_loss_certificate", "失业或下岗证明", ["job_loss"], False),
    ("single_parent_proof", "离婚证或配偶死亡证明", ["single_parent"], False),
    ("subsistence_certificate", "低保证", ["subsistence_allowance"], False),
    ("labour_contract", "劳动合同（一年以上）", ["migrant_worker"], False),
    ("membership_proof", "工会会员证明", ["migrant_worker"], False),
]


def seed(apps, schema_editor):
    DocumentType = apps.get_model("households", "DocumentType")
    for position, (code, name, causes, for_all) in enumerate(DOCUMENT_TYPES):
        DocumentType.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "causes": causes,
                "required_for_all": for_all,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("households", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
