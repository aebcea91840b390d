"""Demo applications and notices for `seed_demo`: each state of the workflow has an example.

Idempotent: it builds them only when the county has no application yet.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cases import services
from cases.models import Application
from helpcenter.demo import DemoPeople
from helpcenter.errors import DomainError
from helpcenter.models import Role, Union, UnionKind, User
from households.choices import Relation, SchoolStage, Status
from households.models import Household
from households.services import MemberData

REASONS = [
    "本人下岗，妻子重病，孩子上学",
    "丈夫因工伤致残，家庭收入低",
    "单亲母亲，独自抚养两个孩子",
]


def seed_cases(*, people: DemoPeople, seed: int) -> int:
    county = Union.objects.get(kind=UnionKind.COUNTY)
    if Application.objects.exists():
        return 0
    chooser = random.Random(f"{seed}-cases")  # noqa: S311 (demo data)
    supervisors = User.objects.filter(union=county, role_grants__role=Role.SUPERVISOR).order_by(
        "username"
    )
    # The one who reviews and posts is not the one who approves (segregation of duties).
    supervisor = supervisors.filter(username="supervisor").first() or supervisors.first()
    approver = supervisors.exclude(pk=getattr(supervisor, "pk", None)).first()
    unions = list(Union.objects.filter(parent=county).order_by("code"))
    caseworkers = {
        user.union_id: user
        for user in User.objects.filter(role_grants__role=Role.CASEWORKER, union__in=unions)
    }
    if supervisor is None or approver is None:
        return 0
    with transaction.atomic():
        filed = [
            _registration(people, chooser, union, caseworkers[union.pk]) for union in unions[:6]
        ]
        # 0: a draft; 1: submitted without its survey (overdue); 2–5: reviewed.
        services.application_submit(actor=filed[1].filed_by, application=filed[1])
        for application in filed[2:]:
            _survey(application)
            services.application_submit(actor=application.filed_by, application=application)
            services.application_review(
                actor=supervisor, application=application, comment="材料齐全"
            )
        today = timezone.localdate()
        closed = services.notice_create(
            actor=supervisor,
            union=county,
            title=f"{today.year}年第一批困难职工建档公示",
            place="县总工会一楼公示栏",
            contact="县总工会帮扶中心 0311-5550123",
            start_on=today - timedelta(days=21),
            working_days=5,
            applications=filed[2:4],
        )
        # Posted three weeks ago (the demo's clock): its period is over.
        services.notice_publish(actor=supervisor, notice=closed, today=closed.start_on)
        services.notice_close(notice=closed)
        services.application_approve(actor=approver, application=filed[2])
        current = services.notice_create(
            actor=supervisor,
            union=county,
            title=f"{today.year}年第二批困难职工建档公示",
            place="县总工会一楼公示栏、各基层工会公开栏",
            contact="县总工会帮扶中心 0311-5550123",
            start_on=today,
            working_days=5,
            applications=filed[4:6],
        )
        services.notice_publish(actor=supervisor, notice=current)
        services.objection_record(
            actor=supervisor,
            notice=current,
            application=filed[4],
            channel="hotline",
            received_at=timezone.now(),
            content="来电反映该户家中有一辆私家车",
        )
        relief_for = Household.objects.filter(status=Status.REGISTERED, union=unions[0]).first()
        if relief_for is not None:
            _relief_draft(actor=caseworkers[unions[0].pk], household=relief_for)
    return Application.objects.count()


def _relief_draft(*, actor: User, household: Household) -> None:
    """A draft medical-aid application under the programme relief's migration seeds (left out
    where an administrator removed it: the demo builds what it can)."""
    from relief.applications import relief_application_file
    from relief.models import Programme

    programme = Programme.objects.filter(code="medical", active=True).first()
    if programme is None or household.head is None:
        return
    try:
        relief_application_file(
            actor=actor,
            household=household,
            programme=programme,
            reason="住院手术，自付费用较高",
            cash_amount=Decimal("1000.00"),
            medical_case="surgery",
            patient=household.head,
        )
    except DomainError:
        return  # not eligible in this demo county (a cap used, a programme changed)


def _registration(
    people: DemoPeople, chooser: random.Random, union: Union, caseworker: User
) -> Application:
    head_name, head_id_number = people.name(), people.resident_id()
    members = [
        MemberData(
            name=people.name(),
            id_number=people.resident_id(born_between=(date(1965, 1, 1), date(1995, 12, 31))),
            relation=Relation.SPOUSE,
            health=chooser.choice(["healthy", "chronic", "serious_illness"]),
            employment=chooser.choice(["打零工", "无业", "务农"]),
            monthly_income=Decimal(chooser.choice([0, 600, 900])),
        )
    ]
    for _ in range(chooser.choice([0, 1, 2])):
        members.append(
            MemberData(
                name=people.name(),
                id_number=people.resident_id(born_between=(date(2008, 1, 1), date(2018, 12, 31))),
                relation=Relation.CHILD,
                school_stage=chooser.choice([SchoolStage.COMPULSORY, SchoolStage.HIGH_SCHOOL]),
            )
        )
    size = 1 + len(members)  # the household size follows the family listed
    return services.application_file_registration(
        actor=caseworker,
        union=union,
        head_name=head_name,
        head_id_number=head_id_number,
        head_health=chooser.choice(["healthy", "chronic", "serious_illness"]),
        reason=chooser.choice(REASONS),
        members=members,
        fields={
            "employment": chooser.choice(["laid_off", "unemployed", "employed"]),
            "monthly_income": Decimal(chooser.choice([350, 450, 520])) * size,
            "housing": chooser.choice(["rented", "public_rental"]),
            "causes": [chooser.choice(["illness", "disability", "single_parent", "low_income"])],
        },
    )


def _survey(application: Application) -> None:
    services.application_record_survey(
        actor=application.filed_by,
        application=application,
        survey_on=timezone.localdate() - timedelta(days=1),
        visitors=f"{application.filed_by.name}、工会主席",
        findings="家中陈设简陋，情况属实",
        authorised=True,
    )
