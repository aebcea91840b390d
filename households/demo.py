"""Demo household files for `seed_demo`: deterministic for a seed, idempotent."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from helpcenter.demo import DemoPeople
from helpcenter.models import Role, Union, UnionKind, User
from households import services
from households.choices import Cause, Employment, Health, Housing, Relation, SchoolStage
from households.models import ClassificationPolicy, DocumentType, LivingStandard, Member

# Two standards seen in the field reports (570 and 664 元): the later one shows which files
# change category when a new standard takes effect.
DEMO_STANDARDS = [(date(2024, 1, 1), Decimal("570.00")), (date(2026, 1, 1), Decimal("664.00"))]

WORK_UNITS = [
    "纺织厂细纱车间",
    "机械公司铸造分厂",
    "县人民医院后勤科",
    "城关镇环卫所",
    "柳林乡农机站",
    "建筑公司三工区",
    "公交公司",
]
FINDINGS = [
    "家中老人卧床，需长期服药",
    "孩子今年考上大学，学费尚无着落",
    "本人待岗，妻子打零工",
    "住房漏雨，已联系社区修缮",
]
DELIVERIES = ["慰问金500元、大米一袋、食用油一桶", "慰问金1000元、棉被一床", "取暖煤一吨"]
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]"
    b"/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def seed_standards(county: Union) -> None:
    for effective_from, amount in DEMO_STANDARDS:
        LivingStandard.objects.get_or_create(
            county=county,
            effective_from=effective_from,
            defaults={"monthly_amount": amount, "source": "演示数据 demo"},
        )
    ClassificationPolicy.objects.get_or_create(county=county, effective_from=DEMO_STANDARDS[0][0])


def seed_households(*, people: DemoPeople, count: int, seed: int) -> int:
    county = Union.objects.get(kind=UnionKind.COUNTY)
    seed_standards(county)
    unions = list(Union.objects.filter(parent=county).order_by("code"))
    caseworkers = {
        user.union_id: user
        for user in User.objects.filter(role_grants__role=Role.CASEWORKER, union__in=unions)
    }
    created = 0
    for index in range(count):
        union = unions[index % len(unions)]
        # One generator per household: a rerun draws the same values whatever it skips.
        chooser = random.Random(f"{seed}-{index}")  # noqa: S311 (demo data)
        plan = _household_plan(people, chooser, union, index)
        if Member.objects.filter(id_number=plan["head"].id_number).exists():
            continue  # built by an earlier run: keep it as it is now
        with transaction.atomic():
            _build(plan, actor=caseworkers.get(union.pk), chooser=chooser)
        created += 1
    return created


def _household_plan(people: DemoPeople, chooser: random.Random, union: Union, index: int) -> dict:
    head = services.MemberData(
        name=people.name(),
        id_number=people.resident_id(born_between=(date(1965, 1, 1), date(1995, 12, 31))),
        health=chooser.choice(
            [Health.HEALTHY, Health.HEALTHY, Health.CHRONIC, Health.SERIOUS_ILLNESS]
        ),
    )
    members = []
    if chooser.random() < 0.8:
        members.append(
            services.MemberData(
                name=people.name(),
                id_number=people.resident_id(born_between=(date(1965, 1, 1), date(1995, 12, 31))),
                relation=Relation.SPOUSE,
                employment=chooser.choice(["打零工", "无业", "务农"]),
                monthly_income=Decimal(chooser.choice([0, 600, 900, 1200])),
            )
        )
    for _ in range(chooser.choice([0, 1, 1, 2])):
        members.append(
            services.MemberData(
                name=people.name(),
                id_number=people.resident_id(born_between=(date(2006, 1, 1), date(2018, 12, 31))),
                relation=Relation.CHILD,
                school_stage=chooser.choice(
                    [SchoolStage.COMPULSORY, SchoolStage.HIGH_SCHOOL, SchoolStage.UNIVERSITY]
                ),
            )
        )
    size = 1 + len(members)  # 家庭人口 is the people listed: the head and the members
    causes = chooser.sample(list(Cause.values), k=chooser.choice([1, 1, 2]))
    per_capita = Decimal(chooser.choice([380, 520, 610, 700, 850, 1100, 1600]))
    registered_on = timezone.localdate() - timedelta(days=chooser.randrange(30, 800))
    return {
        "union": union,
        "head": head,
        "members": members,
        "registered_on": registered_on,
        "fields": {
            "phone": people.phone(),
            "work_unit": chooser.choice(WORK_UNITS),
            "employment": chooser.choice(list(Employment.values)),
            "is_migrant_worker": chooser.random() < 0.15,
            "size": size,
            "monthly_income": per_capita * size,
            "monthly_rigid_expenses": Decimal(chooser.choice([0, 0, 200, 500, 900])),
            "annual_hardship_costs": Decimal(chooser.choice([0, 0, 5000, 30000, 80000])),
            "receives_subsistence_allowance": per_capita < 570 and chooser.random() < 0.7,
            "housing": chooser.choice(list(Housing.values)),
            "causes": causes,
            "family_situation": f"{size}口之家，" + chooser.choice(FINDINGS),
            "skills": chooser.choice(["电焊", "驾驶", "缝纫", "无"]),
            "employment_wishes": chooser.choice(["希望到附近企业做保洁", "想学厨师", "暂无"]),
            "state_of_mind": chooser.choice(["情绪稳定，积极向上", "压力较大，需要关心"]),
            "responsible": people.name(),
            "contact": people.name(),
        },
        "index": index,
    }


def _build(plan: dict, *, actor: User | None, chooser: random.Random) -> None:
    household = services.household_register(
        actor=actor,
        union=plan["union"],
        head=plan["head"],
        members=plan["members"],
        registered_on=plan["registered_on"],
        **plan["fields"],
    )
    if actor is None:
        return
    services.household_classify(actor=actor, household=household, on=plan["registered_on"])
    index = plan["index"]
    if index % 3 == 0:
        visited_on = timezone.localdate() - timedelta(days=chooser.randrange(1, 90))
        services.visit_record(
            actor=actor,
            household=household,
            visited_on=visited_on,
            visitors=f"{actor.name}、{plan['fields']['responsible']}",
            findings=chooser.choice(FINDINGS),
            delivered=chooser.choice(DELIVERIES),
            next_visit_on=visited_on + timedelta(days=chooser.randrange(30, 120)),
        )
    if index % 4 == 0:
        services.measure_add(
            actor=actor,
            household=household,
            description=chooser.choice(
                ["推荐到县人社局技能培训", "协助申请医疗救助", "联系金秋助学"]
            ),
            owner=plan["fields"]["responsible"],
            target_date=timezone.localdate() + timedelta(days=chooser.randrange(10, 120)),
        )
    if index % 5 == 0:
        id_card = DocumentType.objects.get(code="id_card")
        upload = SimpleUploadedFile("身份证.pdf", MINIMAL_PDF, content_type="application/pdf")
        services.document_add(
            actor=actor, household=household, document_type=id_card, upload=upload
        )
    if index % 11 == 0 and index:
        services.household_exit(
            actor=actor,
            household=household,
            reason="配偶实现稳定就业，家庭人均收入已超过低保标准的两倍",
            follow_up_on=timezone.localdate() + timedelta(days=90),
        )
    elif index % 17 == 0 and index:
        services.household_remove(
            actor=actor, household=household, reason="复核发现家庭拥有两套住房"
        )
