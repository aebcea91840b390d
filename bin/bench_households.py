"""Benchmarks of the household registry against the speed targets of the registry issue.

    python bin/bench_households.py [--households 100000] [--import-rows 10000] [--keep]
        [--ledger-lines 1000000] [--report-households 500] [--list-only] [--time-limit 15]
        [--no-targets]

Settings come from the environment like the rest of the project (`make bench` passes the test
settings: DEBUG off). DATABASE_URL must name PostgreSQL: the script connects there only to drop
and create the throw-away database `helpcenter_bench`, and does everything else in that one.

It builds a county with N households of 1–3 members, then times the list page through Django's
test client (as a county supervisor and as a grassroots caseworker; median of 5 after a warm-up),
the Excel import of a generated workbook into an empty union, the Excel export of every file, and
PostgreSQL's own COPY of the household rows for scale; then the ledger of relief (issue 9,
bin/bench_ledger.py): N ledger lines, the ledger list, the .xlsx and CSV exports beside COPY.
It prints a table, writes
var/bench/households.json (with EXPLAIN ANALYZE of every list query) and drops the database
unless --keep. Exit status: 0 when every target is met (or --no-targets: when the run finished,
as CI runs it), 1 when one is missed or the run failed, 2 when it cannot run here.
docs/benchmarks.md says what is measured and what was found.
"""

import argparse
import io
import json
import os
import platform
import random
import secrets
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

BENCH_DATABASE = "helpcenter_bench"
RESULTS_FILE = BASE_DIR / "var" / "bench" / "households.json"
TIME_LIMIT = 15  # minutes for the whole run (--time-limit): it stops and drops the database
STATEMENT_TIMEOUT = "120s"  # any single SQL statement in the bench database
SEED = 2026
BATCH = 2000  # households generated per transaction
RUNS = 5  # timed requests per list variant, after one warm-up
COPY_CHUNK = 1024 * 1024

LIST_TARGET = 0.100  # seconds: under 100 ms at 1,000,000 households (issue 8)
CLOSE = 0.75  # a result above this share of its target passes, but is reported as close
IMPORT_TARGET = 10.0  # 10,000 household rows with members
EXPORT_TARGET = 30.0  # the full list
REPORT_HOUSEHOLDS = 500  # file cards timed by bin/bench_reports.py (--report-households)


class BenchError(Exception):
    """The run cannot go on; the message says why."""


def _out_of_time(signum, frame):
    raise BenchError("the run took longer than its --time-limit and was stopped")


@dataclass
class Result:
    what: str
    seconds: float
    target: float | None = None  # None: reported for scale, no target
    details: dict = field(default_factory=dict)
    check: bool | None = None  # a target that is not a time (equal query counts, memory)
    shown: str = ""  # what is printed as measured instead of the time
    target_text: str = ""  # what is printed as the target instead of the time

    @property
    def passed(self) -> bool | None:
        if self.check is False:
            return False
        if self.target is None:
            return self.check
        return self.seconds < self.target

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return "for scale"
        if not self.passed:
            return "FAIL"
        if self.target is None:
            return "pass"
        return "pass, close" if self.seconds >= CLOSE * self.target else "pass"

    def as_json(self) -> dict:
        return {
            "what": self.what,
            "seconds": round(self.seconds, 4),
            "target_seconds": self.target,
            "passed": self.passed,
            "verdict": self.verdict,
            **self.details,
        }


@dataclass
class County:
    unions: list  # the grassroots unions holding the generated files
    import_union: object  # an empty union the workbook is imported into
    supervisor: object  # county staff: sees every union
    caseworker: object  # grassroots staff of unions[0]
    importer: object  # supervisor of import_union (enters files approved on paper)


# --- Entry point ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    server_url = os.environ.get("DATABASE_URL", "")
    problem = _not_postgresql(server_url)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    # Django only ever sees the bench database: nothing below can reach another one.
    os.environ["DATABASE_URL"] = _with_database(server_url, BENCH_DATABASE)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpcenter.settings")
    import django
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as error:
        print(f"The settings refuse this environment: {error}", file=sys.stderr)
        return 2
    if settings.DEBUG:
        print("Run with DEBUG=0 (as `make bench` does): DEBUG keeps every query.", file=sys.stderr)
        return 2
    # The pages link static files by name. The bench times pages, not a collectstatic run, so
    # it serves them from the apps' folders as the suite does (tests/conftest.py).
    from django.test.utils import override_settings

    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        WHITENOISE_USE_FINDERS=True,
    ).enable()
    if settings.DATABASES["default"]["NAME"] != BENCH_DATABASE:
        print(
            f"Refusing: Django would use {settings.DATABASES['default']['NAME']}.", file=sys.stderr
        )
        return 2

    admin = _admin_connection(server_url)
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(int(args.time_limit * 60))
    try:
        _recreate(admin)
        results, facts = _run(args)
    except BenchError as error:
        print(f"Benchmark failed: {error}", file=sys.stderr)
        return 1
    finally:
        signal.alarm(0)
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"Kept the database {BENCH_DATABASE}.")
        else:
            _drop(admin)
        admin.close()
    _report(results, facts)
    if args.no_targets:
        return 0
    return 0 if all(result.passed is not False for result in results) else 1


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000, help="default 100000")
    parser.add_argument("--import-rows", type=int, default=10_000, help="default 10000")
    parser.add_argument(
        "--ledger-lines",
        type=int,
        default=1_000_000,
        help="relief ledger lines to generate and time (default 1000000; 0 leaves the ledger out)",
    )
    parser.add_argument(
        "--report-households",
        type=int,
        default=REPORT_HOUSEHOLDS,
        help="time the reports (bin/bench_reports.py) with file cards of this many households "
        f"(default {REPORT_HOUSEHOLDS}; 0 leaves the reports out)",
    )
    parser.add_argument(
        "--keep", action="store_true", help=f"keep the database {BENCH_DATABASE} afterwards"
    )
    parser.add_argument(
        "--list-only",
        action="store_true",
        help="time only the list page (for large sizes: no export, COPY or import)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=TIME_LIMIT,
        metavar="MINUTES",
        help=f"stop the whole run after this many minutes (default {TIME_LIMIT})",
    )
    parser.add_argument(
        "--no-targets",
        action="store_true",
        help="report missed targets but exit 0 (CI: only a crash fails)",
    )
    args = parser.parse_args(argv)
    if args.households < 100 or args.import_rows < 1 or args.time_limit <= 0:
        parser.error(
            "--households must be at least 100, --import-rows at least 1 and --time-limit "
            "more than 0"
        )
    if args.ledger_lines < 0:
        parser.error("--ledger-lines must be 0 or more")
    if args.report_households < 0:
        parser.error("--report-households must be 0 or more")
    return args


# --- The database --------------------------------------------------------------------------------


def _not_postgresql(url: str) -> str:
    """Why this URL cannot be benchmarked, or "" when it names PostgreSQL."""
    if not url:
        return (
            "DATABASE_URL is not set: the benchmarks measure PostgreSQL. Set it to a server, "
            "e.g. postgres://postgres@127.0.0.1:5432/postgres (make bench does)."
        )
    import dj_database_url

    try:
        engine = dj_database_url.parse(url).get("ENGINE", "")
    except ValueError as error:
        return f"DATABASE_URL is not a database URL: {error}"
    if engine != "django.db.backends.postgresql":
        return (
            f"DATABASE_URL names {engine or 'an unknown engine'}; the benchmarks need PostgreSQL."
        )
    return ""


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin_connection(url: str):
    """A connection to the server, to drop and create the bench database (autocommit)."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    name = config.get("NAME") or "postgres"
    return psycopg.connect(
        dbname="postgres" if name == BENCH_DATABASE else name,
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
        **config.get("OPTIONS", {}),
    )


def _recreate(admin) -> None:
    from psycopg import sql

    name = sql.Identifier(BENCH_DATABASE)
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(name))
        cursor.execute(
            sql.SQL("ALTER DATABASE {} SET statement_timeout = {}").format(
                name, sql.Literal(STATEMENT_TIMEOUT)
            )
        )


def _drop(admin) -> None:
    from psycopg import sql

    with admin.cursor() as cursor:
        cursor.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(BENCH_DATABASE)
            )
        )
    print(f"Dropped the database {BENCH_DATABASE}.")


# --- The run -------------------------------------------------------------------------------------

_started = time.perf_counter()


def _say(message: str) -> None:
    print(f"[{time.perf_counter() - _started:6.1f} s] {message}", flush=True)


def _run(args: argparse.Namespace) -> tuple[list[Result], dict]:
    from django.core.management import call_command

    from helpcenter.demo import DemoPeople

    facts: dict = {
        "households": args.households,
        "import_rows": args.import_rows,
        "ledger_lines": args.ledger_lines,
        "report_households": args.report_households,
    }
    _say(f"migrating {BENCH_DATABASE}")
    call_command("migrate", interactive=False, verbosity=0)
    county = _build_county()
    people = DemoPeople(seed=SEED)
    _say(f"generating {args.households} households")
    start = time.perf_counter()
    facts.update(_generate(count=args.households, unions=county.unions, people=people))
    facts["generation_seconds"] = round(time.perf_counter() - start, 1)
    _analyze()
    _say("timing the list page")
    results, plans = _bench_list(county)
    facts["plans"] = plans
    if args.ledger_lines:
        results.extend(_bench_ledger(county, args))
    if args.report_households and not args.list_only:
        results.extend(_bench_reports(args))
    if args.list_only:
        facts.update(_machine())
        facts["total_seconds"] = round(time.perf_counter() - _started, 1)
        return results, facts
    _say("timing the export")
    results.append(_bench_export(county, expected=args.households))
    if _on_postgresql():
        _say("timing COPY")
        results.extend(_bench_copy(expected=args.households))
    _say(f"timing the import of {args.import_rows} households")
    results.extend(_bench_import(county, people=people, rows=args.import_rows))
    facts.update(_machine())
    facts["total_seconds"] = round(time.perf_counter() - _started, 1)
    return results, facts


def _build_county() -> County:
    """The demo county's unions (fixtures/demo_county.json), an empty union, three staff."""
    from helpcenter import services
    from helpcenter.models import Role, UnionKind

    plan = json.loads((BASE_DIR / "fixtures" / "demo_county.json").read_text(encoding="utf-8"))
    county = services.union_ensure(parent=None, **plan["county"])
    unions = [services.union_ensure(parent=county, **spec) for spec in plan["unions"]]
    import_union = services.union_ensure(
        code="1399", name="基准测试导入工会", kind=UnionKind.ENTERPRISE, parent=county
    )

    def staff(username: str, name: str, union, role: str):
        password = secrets.token_urlsafe(24)  # never used: the client logs in with force_login
        return services.staff_create(
            username=username, name=name, union=union, roles=[role], password=password
        )

    return County(
        unions=unions,
        import_union=import_union,
        supervisor=staff("bench_supervisor", "基准主管", county, Role.SUPERVISOR),
        caseworker=staff("bench_caseworker", "基准业务员", unions[0], Role.CASEWORKER),
        importer=staff("bench_importer", "基准导入员", import_union, Role.SUPERVISOR),
    )


# --- Generating the county's files ---------------------------------------------------------------


@cache
def _initials(name: str) -> str:
    from households.pinyin import initials

    return initials(name)


def _generate(*, count: int, unions: list, people) -> dict:
    """`count` households of 1–3 members across the unions, in bulk: households, members,
    the head of each, one registration event each."""
    from django.db import transaction
    from django.db.models import OuterRef, Subquery
    from django.utils import timezone

    from households.choices import Relation
    from households.models import EventAction, Household, HouseholdEvent, Member

    chooser = random.Random(SEED)  # noqa: S311 (benchmark data)
    today = timezone.localdate()
    sequences: Counter = Counter()
    heads = Member.objects.filter(household=OuterRef("pk"), relation=Relation.SELF)
    members = 0
    for start in range(0, count, BATCH):
        drafts = [
            _draft(chooser, people, unions[index % len(unions)], today, sequences)
            for index in range(start, min(start + BATCH, count))
        ]
        with transaction.atomic():
            households = Household.objects.bulk_create([household for household, _ in drafts])
            batch = []
            for household, people_of in drafts:
                for member in people_of:
                    member.household = household
                    batch.append(member)
            Member.objects.bulk_create(batch, batch_size=BATCH)
            HouseholdEvent.objects.bulk_create(
                HouseholdEvent(
                    household=household, action=EventAction.REGISTERED, note=household.file_number
                )
                for household in households
            )
            Household.objects.filter(pk__in=[household.pk for household in households]).update(
                head=Subquery(heads.values("pk")[:1])
            )
        members += len(batch)
        if (start // BATCH) % 10 == 9:
            _say(f"  {start + len(drafts)} households")
    return {"members": members, "events": count}


HOUSEHOLD_STATUSES = (("registered", 80), ("exited", 12), ("removed", 8))
CATEGORIES = (
    ("subsistence", 30),
    ("near_subsistence", 30),
    ("accident", 15),
    ("not_eligible", 10),
    ("", 15),
)


def _weighted(chooser: random.Random, pairs: tuple) -> str:
    values, weights = zip(*pairs, strict=True)
    return chooser.choices(values, weights=weights)[0]


def _draft(chooser: random.Random, people, union, today: date, sequences: Counter) -> tuple:
    """An unsaved household of `union` and its unsaved members (head first)."""
    from households.choices import Cause, Degree, Employment, Health, Housing, Relation
    from households.demo import FINDINGS, WORK_UNITS
    from households.models import Household, Member

    registered_on = today - timedelta(days=chooser.randrange(6 * 365))
    sequences[union.code, registered_on.year] += 1
    number = f"{union.code}-{registered_on.year}-{sequences[union.code, registered_on.year]:05d}"
    adults, children = (
        (date(1965, 1, 1), date(1995, 12, 31)),
        (date(2006, 1, 1), date(2018, 12, 31)),
    )
    members = [
        Member(
            relation=Relation.SELF,
            health=chooser.choice([Health.HEALTHY, Health.HEALTHY, Health.CHRONIC]),
            **_person(people, adults),
        )
    ]
    for relation in (Relation.SPOUSE, Relation.CHILD)[: chooser.choice([0, 1, 1, 2])]:
        born = adults if relation == Relation.SPOUSE else children
        members.append(Member(relation=relation, **_person(people, born)))
    size = len(members) + chooser.choice([0, 0, 1])
    status = _weighted(chooser, HOUSEHOLD_STATUSES)
    category = _weighted(chooser, CATEGORIES)
    days_since = (today - registered_on).days
    household = Household(
        file_number=number,
        union=union,
        status=status,
        phone=people.phone(),
        work_unit=chooser.choice(WORK_UNITS),
        employment=chooser.choice(Employment.values),
        is_migrant_worker=chooser.random() < 0.15,
        size=size,
        monthly_income=Decimal(chooser.choice([380, 520, 610, 700, 850, 1100, 1600]) * size),
        receives_subsistence_allowance=category == "subsistence",
        housing=chooser.choice(Housing.values),
        category=category,
        degree=chooser.choice(Degree.values) if category not in ("", "not_eligible") else "",
        causes=chooser.sample(Cause.values, k=chooser.choice([1, 1, 2])),
        family_situation=f"{size}口之家，{chooser.choice(FINDINGS)}",
        skills=chooser.choice(["电焊", "驾驶", "缝纫", "无"]),
        employment_wishes=chooser.choice(["希望到附近企业做保洁", "想学厨师", "暂无"]),
        state_of_mind=chooser.choice(["情绪稳定，积极向上", "压力较大，需要关心"]),
        responsible=people.name(),
        contact=people.name(),
        registered_on=registered_on,
        last_reviewed_on=registered_on + timedelta(days=chooser.randrange(days_since + 1))
        if chooser.random() < 0.6
        else None,
        next_visit_on=today + timedelta(days=chooser.randrange(-90, 270))
        if status != "removed"
        else None,
    )
    if status != "registered":
        household.ended_on = registered_on + timedelta(days=chooser.randrange(days_since + 1))
        household.end_reason = "基准测试数据"
    return household, members


def _person(people, born_between: tuple[date, date]) -> dict:
    name = people.name()
    return {
        "name": name,
        "name_initials": _initials(name),
        "id_number": people.resident_id(born_between=born_between),
    }


def _analyze() -> None:
    """What autovacuum would have done by now on a real server: statistics for the planner."""
    from django.db import connection

    from households.models import Household, HouseholdEvent, Member

    if not _on_postgresql():
        return
    # VACUUM also sets the visibility map that index-only scans (a deep page's keys) rely on;
    # inside a transaction (tests/test_bench.py) only ANALYZE may run.
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    _say(command)
    with connection.cursor() as cursor:
        for model in (Household, Member, HouseholdEvent):
            cursor.execute(f'{command} "{model._meta.db_table}"')


# --- The list page -------------------------------------------------------------------------------


def _list_variants(county: County) -> dict[str, dict]:
    """The five variants of the targets. The last 4 digits are those of a head in unions[0],
    so both the supervisor and the caseworker find at least that file."""
    from households.models import Household

    sample = (
        Household.objects.filter(union=county.unions[0])
        .order_by("pk")
        .select_related("head")
        .values_list("head__id_number", flat=True)
    )
    digits = sample[sample.count() // 2][-4:]
    return {
        "first page": {},
        "filtered (registered, subsistence, severe)": {
            "status": "registered",
            "category": "subsistence",
            "degree": "severe",
        },
        "search by pinyin initials (zw)": {"q": "zw"},
        f"search by last 4 ID digits ({digits})": {"q": digits},
        "page 50": {"page": "50"},
    }


def _bench_list(county: County) -> tuple[list[Result], dict]:
    from django.db import connection
    from django.http import QueryDict
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from helpcenter.paging import PAGE_SIZE
    from households.filters import households_filtered

    url = reverse("households:list")
    variants = _list_variants(county)
    results, plans = [], {}
    for role, user in (
        ("county supervisor", county.supervisor),
        ("grassroots caseworker", county.caseworker),
    ):
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        for variant, params in variants.items():
            query = urlencode(params)
            path = f"{url}?{query}" if query else url
            times = _time_get(client, path)
            with CaptureQueriesContext(connection) as queries:
                _get(client, path)
            households = households_filtered(user, QueryDict(query)).qs
            page = int(params.get("page", 1))
            start = (page - 1) * PAGE_SIZE
            what = f"list: {variant} — {role}"
            plans[what] = _plan(households, start)
            results.append(
                Result(
                    what,
                    statistics.median(times),
                    LIST_TARGET,
                    {
                        "runs_seconds": [round(seconds, 4) for seconds in times],
                        "queries": len(queries),
                        "sql_seconds": round(sum(float(q["time"]) for q in queries), 4),
                        "matches": households.count(),
                    },
                )
            )
    return results, plans


def _plan(households, start: int) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of what the page runs: one query on page 1; past it, the
    page's keys and then their rows (helpcenter.paging.page_of with keys_first)."""
    from helpcenter.paging import PAGE_SIZE

    options = {"analyze": True, "buffers": True} if _on_postgresql() else {}
    if not start:
        return households[: PAGE_SIZE + 1].explain(**options)
    keys = households.values_list("pk", flat=True)[start : start + PAGE_SIZE + 1]
    rows = households.filter(pk__in=list(keys))
    return (
        f"-- the page's keys\n{keys.explain(**options)}\n-- their rows\n{rows.explain(**options)}"
    )


def _get(client, path: str):
    from django.conf import settings

    response = client.get(path, secure=settings.SECURE_SSL_REDIRECT)
    if response.status_code != 200:
        raise BenchError(
            f"GET {path} answered {response.status_code}: ALLOWED_HOSTS must include localhost"
        )
    return response


def _time_get(client, path: str) -> list[float]:
    _get(client, path)  # warm-up: templates, translations, the connection
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        _get(client, path)
        times.append(time.perf_counter() - start)
    return times


# --- The ledger (bin/bench_ledger.py) ------------------------------------------------------------


def _bench_ledger(county: County, args: argparse.Namespace) -> list[Result]:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "bench_ledger", Path(__file__).resolve().with_name("bench_ledger.py")
    )
    ledger = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ledger)
    try:
        return ledger.run(
            county,
            lines=args.ledger_lines,
            list_only=args.list_only,
            say=_say,
            result=Result,
            time_get=_time_get,
            get=_get,
        )
    except RuntimeError as error:
        raise BenchError(str(error)) from error


def _bench_reports(args: argparse.Namespace) -> list[Result]:
    import importlib.util

    from django.utils import timezone

    spec = importlib.util.spec_from_file_location(
        "bench_reports", Path(__file__).resolve().with_name("bench_reports.py")
    )
    reports = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reports)
    try:
        # The ledger's year (bin/bench_ledger.py): last year, a whole one.
        return reports.run(
            year=timezone.localdate().year - 1,
            file_cards=args.report_households,
            say=_say,
            result=Result,
        )
    except RuntimeError as error:
        raise BenchError(str(error)) from error


# --- Export, COPY, import ------------------------------------------------------------------------


def _bench_export(county: County, *, expected: int) -> Result:
    from django.http import QueryDict

    from households.exporting import export_households
    from households.filters import households_filtered

    households = households_filtered(county.supervisor, QueryDict()).qs
    stream = io.BytesIO()
    start = time.perf_counter()
    rows = export_households(households, stream)
    seconds = time.perf_counter() - start
    if rows != expected:
        raise BenchError(f"the export wrote {rows} rows, not {expected}")
    megabytes = round(len(stream.getbuffer()) / 1_000_000, 1)
    return Result(
        f"export: all {rows} households to .xlsx",
        seconds,
        EXPORT_TARGET,
        {"rows": rows, "megabytes": megabytes},
    )


def _bench_copy(*, expected: int) -> list[Result]:
    """PostgreSQL's floor: the household rows out to CSV in memory, and into a copy of the
    table (same columns, defaults, constraints and indexes; no foreign keys) from it."""
    from django.db import connection
    from psycopg import sql

    from households.models import Household

    table = sql.Identifier(Household._meta.db_table)
    scratch = sql.Identifier("bench_copy_household")
    connection.ensure_connection()
    csv = io.BytesIO()
    with connection.connection.cursor() as cursor:
        start = time.perf_counter()
        with cursor.copy(sql.SQL("COPY {} TO STDOUT (FORMAT csv)").format(table)) as copy:
            for data in copy:
                csv.write(data)
        copied_out = time.perf_counter() - start
        cursor.execute(sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(scratch, table))
        data = csv.getbuffer()
        start = time.perf_counter()
        with cursor.copy(sql.SQL("COPY {} FROM STDIN (FORMAT csv)").format(scratch)) as copy:
            for offset in range(0, len(data), COPY_CHUNK):
                copy.write(data[offset : offset + COPY_CHUNK])
        copied_in = time.perf_counter() - start
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(scratch))
        (rows,) = cursor.fetchone()
        cursor.execute(sql.SQL("DROP TABLE {}").format(scratch))
    del data
    if rows != expected:
        raise BenchError(f"COPY loaded {rows} rows, not {expected}")
    megabytes = round(len(csv.getbuffer()) / 1_000_000, 1)
    return [
        Result(
            f"COPY FROM: {rows} household rows (CSV in memory)",
            copied_in,
            None,
            {"rows": rows, "megabytes": megabytes},
        ),
        Result(f"COPY TO: {rows} household rows (CSV in memory)", copied_out, None, {"rows": rows}),
    ]


def _bench_import(county: County, *, people, rows: int) -> list[Result]:
    """A generated workbook of new households with their members, planned (the preview) and
    applied (the confirm) as the import page does, into an empty union: a supervisor entering
    files approved on paper, so that the files themselves are written."""
    from households.importing import apply_import, plan_import
    from households.models import Household, Member

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "households.xlsx"
        members = _write_workbook(path, people=people, rows=rows)
        start = time.perf_counter()
        plan = plan_import(
            path,
            actor=county.importer,
            union=county.import_union,
            source_name=path.name,
            register_directly=True,
        )
        planned = time.perf_counter() - start
        if plan.errors:
            raise BenchError(
                f"the generated workbook has {len(plan.errors)} errors: {plan.errors[0]}"
            )
        apply_import(plan, actor=county.importer)
        total = time.perf_counter() - start
    imported = Household.objects.filter(union=county.import_union).count()
    people_imported = Member.objects.filter(household__union=county.import_union).count()
    if (imported, people_imported) != (rows, rows + members):
        raise BenchError(f"imported {imported} households and {people_imported} people")
    details = {"households": rows, "members": rows + members}
    return [
        Result(
            f"import: {rows} households, {rows + members} people", total, IMPORT_TARGET, details
        ),
        Result("  of which reading and checking (the preview)", planned, None),
        Result("  of which writing", total - planned, None),
    ]


def _write_workbook(path: Path, *, people, rows: int) -> int:
    """The import sheets (户信息 and 家庭成员) with `rows` new households; the number of
    members beside the heads."""
    from django.utils import timezone
    from openpyxl import Workbook

    from households.choices import Cause, Employment, Health, Housing, Relation, SchoolStage
    from households.demo import FINDINGS, WORK_UNITS
    from households.workbook import (
        HOUSEHOLD_COLUMNS,
        HOUSEHOLD_SHEET,
        MEMBER_COLUMNS,
        MEMBER_SHEET,
        word,
    )

    chooser = random.Random(SEED + 1)  # noqa: S311 (benchmark data)
    today = timezone.localdate()
    adults, children = (
        (date(1965, 1, 1), date(1995, 12, 31)),
        (date(2006, 1, 1), date(2018, 12, 31)),
    )
    book = Workbook(write_only=True)
    household_sheet, member_sheet = (
        book.create_sheet(HOUSEHOLD_SHEET),
        book.create_sheet(MEMBER_SHEET),
    )
    household_sheet.append([column.header for column in HOUSEHOLD_COLUMNS])
    member_sheet.append([column.header for column in MEMBER_COLUMNS])
    members = 0
    for _ in range(rows):
        head_id = people.resident_id(born_between=adults)
        others = (Relation.SPOUSE, Relation.CHILD)[: chooser.choice([0, 1, 1, 2])]
        size = 1 + len(others) + chooser.choice([0, 0, 1])
        category = _weighted(chooser, CATEGORIES)
        household = {
            "name": people.name(),
            "id_number": head_id,
            "phone": people.phone(),
            "work_unit": chooser.choice(WORK_UNITS),
            "employment": word("employment", chooser.choice(Employment.values)),
            "is_migrant_worker": "是" if chooser.random() < 0.15 else "否",
            "size": size,
            "monthly_income": chooser.choice([380, 520, 610, 700, 850, 1100, 1600]) * size,
            "receives_subsistence_allowance": "是" if category == "subsistence" else "否",
            "housing": word("housing", chooser.choice(Housing.values)),
            "category": word("category", category),
            "causes": "、".join(
                word("cause", cause)
                for cause in chooser.sample(Cause.values, k=chooser.choice([1, 2]))
            ),
            "responsible": people.name(),
            "family_situation": f"{size}口之家，{chooser.choice(FINDINGS)}",
            "registered_on": today - timedelta(days=chooser.randrange(1, 3 * 365)),
        }
        household_sheet.append([household.get(column.key) for column in HOUSEHOLD_COLUMNS])
        for relation in others:
            member = {
                "head_id_number": head_id,
                "name": people.name(),
                "id_number": people.resident_id(
                    born_between=adults if relation == Relation.SPOUSE else children
                ),
                "relation": word("relation", relation),
                "health": word("health", chooser.choice([Health.HEALTHY, Health.CHRONIC])),
                "school_stage": word(
                    "school_stage",
                    SchoolStage.NONE if relation == Relation.SPOUSE else SchoolStage.COMPULSORY,
                ),
                "employment": chooser.choice(["打零工", "无业", "务农"]),
                "monthly_income": chooser.choice([0, 600, 900]),
            }
            member_sheet.append([member.get(column.key) for column in MEMBER_COLUMNS])
            members += 1
    book.save(path)
    return members


# --- Report --------------------------------------------------------------------------------------


def _machine() -> dict:
    import django
    from django.db import connection
    from django.utils import timezone

    server_version = connection.vendor  # tests/test_bench.py runs the pieces on SQLite too
    if _on_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            (server_version,) = cursor.fetchone()
    return {
        "measured_at": timezone.now().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": server_version,
    }


def _on_postgresql() -> bool:
    """Always, when run as a script (main refuses anything else); tests/test_bench.py runs the
    pieces on the suite's database, which may be SQLite: then PostgreSQL's own steps are left
    out (VACUUM, EXPLAIN ANALYZE, COPY)."""
    from django.db import connection

    return connection.vendor == "postgresql"


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _target(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"< {seconds * 1000:.0f} ms" if seconds < 1 else f"< {seconds:.0f} s"


def _report(results: list[Result], facts: dict) -> None:
    width = max(len(result.what) for result in results)
    print()
    print(f"{'what':<{width}}  {'measured':>10}  {'target':>10}  result")
    for result in results:
        measured = result.shown or _duration(result.seconds)
        target = result.target_text or _target(result.target)
        print(f"{result.what:<{width}}  {measured:>10}  {target:>10}  {result.verdict}")
    slowest = max((r for r in results if r.what.startswith("list:")), key=lambda r: r.seconds)
    print(f"\nEXPLAIN ANALYZE of the slowest list variant ({slowest.what}):")
    print(facts["plans"][slowest.what])
    print(
        f"\n{facts['households']} households, {facts['members']} people, generated in "
        f"{facts['generation_seconds']} s; whole run {facts['total_seconds']} s "
        f"on {facts['cpus']} CPUs, PostgreSQL {facts['postgresql']}."
    )
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    document = {**facts, "results": [result.as_json() for result in results]}
    RESULTS_FILE.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"Written to {RESULTS_FILE}.")


if __name__ == "__main__":
    sys.exit(main())
