"""Build a realistic demo county: `python manage.py seed_demo [--seed S]`.

Deterministic for a seed and idempotent: a second run changes nothing that exists (passwords a
person changed stay changed) and adds what is missing.
"""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cases.demo import seed_cases
from helpcenter import services
from helpcenter.demo import DemoPeople
from helpcenter.models import Role, User
from households.demo import seed_households
from relief.demo import seed_relief
from relief.demo_loans import seed_loans
from reports.demo import seed_reports

COUNTY_FILE = settings.BASE_DIR / "fixtures" / "demo_county.json"


class Command(BaseCommand):
    help = "Build the demo county: its unions and staff for every role (demo passwords)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument(
            "--households",
            type=int,
            default=60,
            help="household files to create across the unions (default 60)",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="run even with DEBUG off (only on a server that is itself a demo)",
        )

    def handle(self, *args, seed: int, households: int, allow_production: bool, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "seed_demo creates accounts with published demo passwords and refuses to run "
                "with DEBUG off. On a server that is only a demo, add --allow-production."
            )
        county_plan = json.loads(COUNTY_FILE.read_text(encoding="utf-8"))
        people = DemoPeople(seed)
        with transaction.atomic():
            logins = self._build(county_plan, people)
        created = seed_households(people=people, count=households, seed=seed)
        self.stdout.write(f"困难职工档案 Household files: {created} new")
        if households:
            applications = seed_cases(people=people, seed=seed)
            self.stdout.write(f"申请与公示 Applications: {applications} new")
            lines = seed_relief(people=people, seed=seed)
            self.stdout.write(f"帮扶资金台账 Ledger lines: {lines} new")
            loans = seed_loans(people=people, seed=seed)
            self.stdout.write(f"小额借款 Micro-loans: {loans} new")
            ready = seed_reports()
            self.stdout.write(f"报表 Reports: {ready} ready")
        self._print_logins(logins)

    def _build(self, plan: dict, people: DemoPeople) -> list[tuple[User, str, bool]]:
        county = services.union_ensure(parent=None, **plan["county"])
        unions = [services.union_ensure(parent=county, **spec) for spec in plan["unions"]]
        accounts = [(spec["username"], county, spec["roles"]) for spec in plan["county_staff"]]
        accounts += [
            (plan["grassroots_caseworker_prefix"] + union.code, union, [Role.CASEWORKER])
            for union in unions
        ]
        # Grassroots supervisors and administrators come last, so that adding them left every
        # earlier account's drawn name, phone and password as it was.
        by_code = {union.code: union for union in unions}
        accounts += [
            (spec["username"], by_code[spec["union"]], spec["roles"])
            for spec in plan.get("grassroots_staff", [])
        ]
        logins = []
        for username, union, roles in accounts:
            # Draw name, phone and password for every account, existing or not, so that the
            # same seed gives every account the same values whatever already exists.
            name, phone, password = people.name(), people.phone(), people.password()
            user = User.objects.filter(username=username).first()
            created = user is None
            if created:
                user = services.staff_create(
                    username=username,
                    name=name,
                    union=union,
                    roles=roles,
                    password=password,
                    phone=phone,
                )
            logins.append((user, password, created))
        return logins

    def _print_logins(self, logins: list[tuple[User, str, bool]]) -> None:
        self.stdout.write(self.style.SUCCESS("演示账号 Demo logins (http://127.0.0.1:8000/):"))
        for user, password, created in logins:
            roles = "、".join(str(label) for value, label in Role.choices if value in user.roles)
            note = "" if created else "  (已存在，密码未改动 existing, password unchanged)"
            self.stdout.write(
                f"  {user.username:<22} {password:<14} {user.name}（{user.union}，{roles}）{note}"
            )
