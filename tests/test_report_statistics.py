"""The period statistics (月报/季报/年报): each figure of both formats against an independent
query, a grassroots union's report limited to its union, files counted in the period they
changed in, the PDF's text and fonts, period parsing, and the selectors' query counts."""

import datetime
import io
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone, translation
from openpyxl import load_workbook

from helpcenter.models import Union
from households import services as household_services
from households.choices import Category, Degree, Status
from households.models import Household, HouseholdEvent
from relief.models import Budget, Disbursement, Fund, LineKind, Programme
from reports import statistics as stats
from reports.builders import statistics as builder
from reports.catalogue import PDF, XLSX, Period, ReportError, ReportSpec
from reports.kinds import STATISTICS
from tests.factories import household_for

pytestmark = pytest.mark.django_db

YEAR = 2025
Q3 = Period.parse(f"{YEAR}-Q3")


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def _registered(people, union, *, on: datetime.date, name: str = "", **fields) -> Household:
    actor = people.caseworker_a if union == people.union_a else people.caseworker_b
    household = household_for(union, actor=actor, name=name, registered_on=on, **fields)
    HouseholdEvent.objects.filter(household=household).update(at=_at(on))
    return household


def _move(people, household, action: str, *, on: datetime.date) -> None:
    """Exit, remove or reinstate `household` through the service, dated `on`."""
    if action == "exited":
        household_services.household_exit(
            actor=people.supervisor,
            household=household,
            reason="收入稳定",
            follow_up_on=timezone.localdate() + datetime.timedelta(days=30),
        )
    elif action == "removed":
        household_services.household_remove(
            actor=people.supervisor, household=household, reason="不符合条件"
        )
    else:
        household_services.household_reinstate(
            actor=people.supervisor, household=household, reason="再次致困"
        )
    HouseholdEvent.objects.filter(household=household, action=action, at__gt=_at(on)).update(
        at=_at(on)
    )
    Household.objects.filter(pk=household.pk, ended_on__isnull=False).update(ended_on=on)
    household.refresh_from_db()


_vouchers = iter(range(1, 10**6))


def _line(people, household, *, programme, fund, amount: str, on, reverses=None):
    return Disbursement.objects.create(
        voucher_number=f"T{YEAR}{next(_vouchers):06d}",
        kind=LineKind.REVERSAL if reverses else LineKind.PAYMENT,
        paid_on=on,
        payer=people.finance,
        household=household,
        union=household.union,
        programme=programme,
        fund=fund,
        budget=Budget.objects.filter(programme=programme, fund=fund, year=YEAR).first(),
        method="cash",
        amount=Decimal(amount),
        signed_by="本人",
        reverses=reverses,
    )


@pytest.fixture
def county(registry):
    """Files of unions A and B over 2024–2025, some exited, removed and reinstated in and around
    2025-Q3, and relief lines of 2025 (one reversed, one a reversal in another quarter)."""
    people = registry
    Household.objects.filter(pk__in=[people.household_a.pk, people.household_b.pk]).update(
        registered_on=datetime.date(2024, 3, 1), category=Category.SUBSISTENCE
    )
    HouseholdEvent.objects.update(at=_at(datetime.date(2024, 3, 1)))
    a = people.union_a
    b = people.union_b
    files = {
        "a_old": _registered(
            people, a, on=datetime.date(2024, 5, 1), causes=["illness", "education"]
        ),
        "a_new_q3": _registered(people, a, on=datetime.date(2025, 8, 5), causes=["job_loss"]),
        "a_new_q4": _registered(people, a, on=datetime.date(2025, 10, 2)),
        "a_exit_q3": _registered(people, a, on=datetime.date(2024, 6, 1)),
        "a_exit_q2": _registered(people, a, on=datetime.date(2024, 6, 2)),
        "b_remove_q3": _registered(people, b, on=datetime.date(2025, 1, 15)),
        "b_back_q3": _registered(people, b, on=datetime.date(2024, 2, 1)),
    }
    Household.objects.filter(pk=files["a_old"].pk).update(
        category=Category.ACCIDENT, degree=Degree.SEVERE
    )
    _move(people, files["a_exit_q3"], "exited", on=datetime.date(2025, 9, 30))
    _move(people, files["a_exit_q2"], "exited", on=datetime.date(2025, 6, 30))
    _move(people, files["b_remove_q3"], "removed", on=datetime.date(2025, 7, 1))
    _move(people, files["b_back_q3"], "exited", on=datetime.date(2025, 4, 10))
    _move(people, files["b_back_q3"], "reinstated", on=datetime.date(2025, 8, 20))

    medical = Programme.objects.get(name="医疗救助")
    other = Programme.objects.exclude(pk=medical.pk).order_by("position").first()
    union_fund = Fund.objects.get(code="union")
    central = Fund.objects.exclude(pk=union_fund.pk).order_by("pk").first()
    for programme in (medical, other):
        Budget.objects.create(
            programme=programme, fund=union_fund, year=YEAR, allocated=Decimal("50000.00")
        )
    ha, hb = people.household_a, people.household_b
    _line(
        people,
        ha,
        programme=medical,
        fund=union_fund,
        amount="800.00",
        on=datetime.date(2025, 7, 3),
    )
    _line(
        people, ha, programme=other, fund=union_fund, amount="500.00", on=datetime.date(2025, 8, 9)
    )
    _line(
        people,
        files["a_old"],
        programme=medical,
        fund=central,
        amount="1200.50",
        on=datetime.date(2025, 9, 30),
    )
    wrong = _line(
        people, hb, programme=other, fund=union_fund, amount="300.00", on=datetime.date(2025, 7, 20)
    )
    _line(
        people,
        hb,
        programme=other,
        fund=union_fund,
        amount="-300.00",
        on=datetime.date(2025, 7, 21),
        reverses=wrong,
    )
    late = _line(
        people,
        hb,
        programme=medical,
        fund=union_fund,
        amount="600.00",
        on=datetime.date(2025, 9, 2),
    )
    _line(
        people,
        hb,
        programme=medical,
        fund=union_fund,
        amount="-600.00",
        on=datetime.date(2025, 10, 8),
        reverses=late,
    )
    _line(
        people,
        hb,
        programme=medical,
        fund=union_fund,
        amount="999.00",
        on=datetime.date(2025, 6, 30),
    )
    people.files = files
    return people


def _build(spec: ReportSpec) -> bytes:
    out = io.BytesIO()
    stages = []
    STATISTICS.build(spec, out, lambda done, total, stage="": stages.append((done, total, stage)))
    assert stages[0] == (0, builder.STEPS, "统计档案")
    assert stages[-1][0] == stages[-1][1]
    assert [done for done, _total, _stage in stages] == sorted(done for done, *_ in stages)
    return out.getvalue()


def _sheet(workbook, name: str) -> dict:
    """The sheet's body as {first cell: the other cells}, the total row included."""
    rows = {}
    for row in workbook[name].iter_rows(min_row=3, values_only=True):
        if row[0] is not None and not str(row[0]).startswith("注："):
            rows[row[0]] = list(row[1:])
    return rows


def _in_hardship_end_of_q3(union=None):
    """Independently: registered by 30 Sep, and not out then (by hand, from the fixture)."""
    end = Q3.end
    files = Household.objects.filter(registered_on__lte=end)
    if union is not None:
        files = files.filter(union=union)
    out = [h.pk for h in files if h.ended_on is not None and h.ended_on <= end]
    return files.exclude(pk__in=out)


def test_the_xlsx_figures_equal_independent_queries(county):
    Fund.objects.filter(name="中央财政帮扶资金").update(name="=中央财政帮扶资金")
    workbook = load_workbook(io.BytesIO(_build(ReportSpec("statistics", XLSX, Q3))))
    in_hardship = _in_hardship_end_of_q3()
    # b_back_q3 was exited in Q2 and reinstated in Q3: in again at the end.
    assert in_hardship.count() == 5
    assert workbook["档案变动"].freeze_panes == "A3"
    assert workbook["档案变动"]["A1"].value.startswith(
        "测试县总工会困难职工帮扶工作2025年第三季度季报"
    )

    moves = _sheet(workbook, "档案变动")
    assert moves["本期新建档"] == [1]
    assert moves["本期脱困"] == [1]
    assert moves["本期注销"] == [1]
    assert moves["本期恢复（撤销脱困或注销）"] == [1]
    assert moves["期末在册户数（2025年9月30日）"] == [in_hardship.count()]
    # 30 June: a_exit_q2 (that day) and b_back_q3 out, a_new_q3 not yet registered.
    assert moves["期初在册户数（2025年6月30日）"] == [5]

    categories = _sheet(workbook, "按困难类别")
    assert categories["合计"] == [in_hardship.count()]
    with translation.override("zh-hans"):
        subsistence = str(Category.SUBSISTENCE.label)
        accident = str(Category.ACCIDENT.label)
    assert categories[subsistence] == [in_hardship.filter(category=Category.SUBSISTENCE).count()]
    assert categories[accident] == [1]
    assert sum(v[0] for k, v in categories.items() if k != "合计") == categories["合计"][0]
    for name in ("按困难程度", "按就业状况", "按基层工会"):
        rows = _sheet(workbook, name)
        assert sum(v[0] for k, v in rows.items() if k != "合计") == rows["合计"][0]
        assert rows["合计"] == [in_hardship.count()], name
    unions = _sheet(workbook, "按基层工会")
    assert unions["甲厂工会"] == [in_hardship.filter(union=county.union_a).count()]
    causes = _sheet(workbook, "按致困原因")
    assert "合计" not in causes
    assert causes["因病"] == [sum("illness" in h.causes for h in in_hardship)]
    assert causes["因学"] == [1]

    programmes = _sheet(workbook, "按帮扶项目")
    lines = Disbursement.objects.filter(paid_on__gte=Q3.start, paid_on__lte=Q3.end)
    net = lines.aggregate(total=Sum("amount"))["total"]
    assert net == Decimal("3100.50")  # 800 + 500 + 1200.50 + 300 − 300 + 600
    total = programmes["合计（户数去重）"]
    assert total[2] == pytest.approx(float(net))
    assert total[3] == pytest.approx(0.31)
    # Only the lines dated in Q3 count: household_b's July payment and its July reversal cancel;
    # its September payment, reversed in October, is a household and a person-time of Q3.
    helped = lines.values("household").annotate(net=Sum("amount")).filter(net__gt=0)
    assert total[0] == helped.count() == 3
    payments = lines.filter(kind=LineKind.PAYMENT).count()
    reversals = lines.filter(kind=LineKind.REVERSAL).count()
    assert total[1] == payments - reversals == 4
    medical = programmes["医疗救助"]
    medical_lines = lines.filter(programme__name="医疗救助")
    assert medical[2] == pytest.approx(float(medical_lines.aggregate(t=Sum("amount"))["t"]))
    assert medical[:2] == [3, 3]
    other = Programme.objects.exclude(name="医疗救助").order_by("position").first()
    assert programmes[other.name][:3] == [1, 1, pytest.approx(500.0)]  # 500 + 300 − 300
    for name in ("按帮扶项目", "按资金来源", "按月份"):
        rows = _sheet(workbook, name)
        parts = [v for k, v in rows.items() if not k.startswith("合计")]
        assert sum(v[1] for v in parts) == rows["合计（户数去重）"][1], name
        assert round(sum(v[2] for v in parts), 2) == pytest.approx(float(net)), name
    funds = _sheet(workbook, "按资金来源")
    assert funds["'=中央财政帮扶资金"][2] == pytest.approx(1200.50)  # text, not a formula
    months = _sheet(workbook, "按月份")
    assert list(months) == ["7月", "8月", "9月", "合计（户数去重）"]
    assert months["9月"][2] == pytest.approx(1800.50)

    rate = _sheet(workbook, "脱困率")
    # At the start of 2025: household_a, household_b, a_old, a_exit_q3, a_exit_q2, b_back_q3;
    # registered in 2025 to 30 Sep: a_new_q3, b_remove_q3; none returned; exited: a_exit_q3,
    # a_exit_q2 (b_back_q3, out in April and back in August, is not an exit of the year).
    # A quarter is the year to date: no verdict against the yearly target.
    assert rate[6] == [2, 0, 8, 2, pytest.approx(0.25), pytest.approx(0.30), "进行中"]
    assert workbook["脱困率"].cell(row=3, column=6).number_format == "0.00%"
    assert workbook["按帮扶项目"].cell(row=3, column=4).number_format == "#,##0.00"
    assert workbook["按帮扶项目"].cell(row=3, column=2).number_format == "#,##0"


def test_a_grassroots_unions_report_counts_only_its_union(county):
    spec = ReportSpec("statistics", XLSX, Q3, union=county.union_b, reader=county.caseworker_b)
    workbook = load_workbook(io.BytesIO(_build(spec)))
    assert workbook["档案变动"]["A1"].value.startswith("乙镇工会困难职工帮扶工作")
    assert _sheet(workbook, "按基层工会") == {
        "乙镇工会": [2],
        "合计": [_in_hardship_end_of_q3(county.union_b).count()],
    }
    programmes = _sheet(workbook, "按帮扶项目")
    union_b = Disbursement.objects.filter(
        union=county.union_b, paid_on__gte=Q3.start, paid_on__lte=Q3.end
    )
    assert programmes["合计（户数去重）"][2] == pytest.approx(
        float(union_b.aggregate(t=Sum("amount"))["t"])
    )
    # July's payment reversed in July cancels; September's, reversed in October, counts in Q3.
    assert programmes["合计（户数去重）"][:2] == [1, 1]
    moves = _sheet(workbook, "档案变动")
    assert moves["本期新建档"] == [0]
    assert moves["本期注销"] == [1]
    assert moves["本期脱困"] == [0]


def test_a_grassroots_reader_may_not_ask_for_the_county_or_another_union(county):
    for union in (None, county.union_a):
        spec = ReportSpec("statistics", PDF, Q3, union=union, reader=county.caseworker_b)
        with pytest.raises(ReportError):
            STATISTICS.build(spec, io.BytesIO())


def test_changes_are_counted_in_the_period_they_happened_in(county):
    files = county.files
    q2 = stats.movements(start=datetime.date(2025, 4, 1), end=datetime.date(2025, 6, 30))
    q3 = stats.movements(start=Q3.start, end=Q3.end)
    q4 = stats.movements(start=datetime.date(2025, 10, 1), end=datetime.date(2025, 12, 31))
    assert (q2.new, q2.exited, q2.removed, q2.reinstated) == (0, 2, 0, 0)
    assert (q3.new, q3.exited, q3.removed, q3.reinstated) == (1, 1, 1, 1)
    assert (q4.new, q4.exited, q4.removed, q4.reinstated) == (1, 0, 0, 0)
    assert q3.at_start == q2.at_end and q4.at_start == q3.at_end
    in_july = stats.in_hardship_on(datetime.date(2025, 7, 15))
    assert not in_july.filter(pk=files["b_back_q3"].pk).exists()  # out between April and August
    assert stats.in_hardship_on(Q3.end).filter(pk=files["b_back_q3"].pk).exists()
    assert Household.objects.get(pk=files["a_exit_q3"].pk).status == Status.EXITED


def test_the_pdf_names_the_union_shows_the_figures_and_embeds_its_fonts(county, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is not installed")
    Union.objects.filter(pk=county.union_a.pk).update(name="淼喆堃䶮机械厂工会")
    path = tmp_path / "q3.pdf"
    path.write_bytes(_build(ReportSpec("statistics", PDF, Q3)))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "测试县总工会困难职工帮扶工作2025年第三季度季报" in text.replace("\n", "")
    assert "测试县总工会" in text
    assert "3,100.50" in text and "0.31" in text
    assert "25.00%" in text and "30.00%" in text and "进行中" in text
    assert "淼喆堃䶮机械厂工会" in text and "乙镇工会" in text  # rarer characters print
    for word in ("填报人", "审核人", "负责人", "填报日期", "单位盖章"):
        assert word in text
    assert re.search(r"第\s*1\s*页\s*共\s*\d+\s*页", text)
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts
    for line in fonts:
        assert line.split()[-5] == "yes", line  # the emb column


def test_period_parsing():
    assert (Period.parse("2026").start, Period.parse("2026").end) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 12, 31),
    )
    q3 = Period.parse("2026-q3")
    assert (q3.start, q3.end, q3.label, q3.report_word) == (
        datetime.date(2026, 7, 1),
        datetime.date(2026, 9, 30),
        "2026年第三季度",
        "季报",
    )
    july = Period.parse("2026-07")
    assert (july.start, july.end, july.label, july.report_word) == (
        datetime.date(2026, 7, 1),
        datetime.date(2026, 7, 31),
        "2026年7月",
        "月报",
    )
    with translation.override("zh-hans"):
        for bad in ("2026-Q5", "2026-13", "26", "二〇二六", ""):
            with pytest.raises(ValueError) as refused:
                Period.parse(bad)
            assert "2026-Q3" in str(refused.value)
            assert any("\u4e00" <= ch <= "\u9fff" for ch in str(refused.value))
        with pytest.raises(ValueError):
            Period.parse("1999")


def _selectors(union=None):
    on = Q3.end
    stats.households_by_category(union=union, on=on)
    stats.households_by_degree(union=union, on=on)
    stats.households_by_cause(union=union, on=on)
    stats.households_by_employment(union=union, on=on)
    stats.households_by_union(union=union, on=on)
    stats.exit_rate(year=YEAR, union=union)
    stats.paid_by_month_and_programme(year=YEAR, union=union)
    stats.budget_use_by_fund(year=YEAR, union=union)
    stats.relief_by("programme", start=Q3.start, end=Q3.end, union=union)
    stats.loan_figures(start=Q3.start, end=Q3.end, union=union)


def test_the_selectors_cost_the_same_queries_however_many_files(
    county, django_assert_max_num_queries, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        _selectors()
    for index in range(6):
        household = household_for(county.union_a, actor=county.caseworker_a)
        Household.objects.filter(pk=household.pk).update(registered_on=datetime.date(2025, 2, 1))
        _line(
            county,
            household,
            programme=Programme.objects.get(name="医疗救助"),
            fund=Fund.objects.get(code="union"),
            amount=f"{100 + index}.00",
            on=datetime.date(2025, 8, 1),
        )
    with django_assert_num_queries(len(few.captured_queries)):
        _selectors()
    with django_assert_max_num_queries(25):
        _selectors(county.union_a)


def test_the_dashboard_selectors(county):
    with translation.override("zh-hans"):
        rows = stats.households_by_category(on=Q3.end)
    with translation.override("zh-hans"):
        expected = [str(label) for _value, label in Category.choices] + ["未分类"]
    assert [label for label, _count in rows] == expected  # the fixture's new files: unclassified
    assert sum(count for _label, count in rows) == _in_hardship_end_of_q3().count()

    labels, series = stats.paid_by_month_and_programme(year=YEAR)
    assert labels[0] == "1月" and len(labels) == 12
    named = dict(series)
    assert named["医疗救助"][5] == Decimal("999.00")  # June
    assert named["医疗救助"][9] == Decimal("-600.00")  # October: the reversal
    total = sum(sum(months) for _name, months in series)
    assert total == Disbursement.objects.filter(paid_on__year=YEAR).aggregate(t=Sum("amount"))["t"]

    funds = {use.name: use for use in stats.budget_use_by_fund(year=YEAR)}
    union_fund = Fund.objects.get(code="union")
    assert (
        funds[union_fund.name].allocated
        == Budget.objects.filter(year=YEAR, fund=union_fund).aggregate(t=Sum("allocated"))["t"]
    )
    charged = Disbursement.objects.filter(budget__year=YEAR, budget__fund=union_fund)
    assert funds[union_fund.name].paid == charged.aggregate(t=Sum("amount"))["t"]
    assert stats.budget_use_by_fund(year=YEAR, union=county.union_a)[0].allocated is None

    rate = stats.exit_rate(year=YEAR)
    assert (rate.at_start, rate.new, rate.returned, rate.exited) == (6, 3, 0, 2)
    assert rate.rate == Decimal("0.2222") and rate.target == Decimal("0.30") and not rate.met
    assert rate.whole_year
    # Union B's only exit (b_back_q3, April) was undone in August; to June it stood.
    assert stats.exit_rate(year=YEAR, union=county.union_b).exited == 0
    june = datetime.date(YEAR, 6, 30)
    assert stats.exit_rate(year=YEAR, union=county.union_b, until=june).exited == 1


def test_the_benchmark_step_builds_the_reports_and_reports_them(county, monkeypatch):
    """bin/bench_reports.py (make bench --report-households N) at its smallest: the yearly
    statistics PDF and .xlsx and the file cards of two households, each with its peak memory
    and file size, against the issue's targets."""
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "bin" / "bench_reports.py"
    spec = importlib.util.spec_from_file_location("bench_reports", script)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    households = importlib.util.spec_from_file_location(
        "bench_households", script.with_name("bench_households.py")
    )
    main = importlib.util.module_from_spec(households)
    households.loader.exec_module(main)
    said = []

    results = bench.run(year=YEAR, file_cards=1, say=said.append, result=main.Result)

    assert [r.what.split(" (")[0] for r in results] == [
        f"report: yearly statistics PDF, {Household.objects.count()} households",
        "report: yearly statistics .xlsx",
        "report: file cards of 1 households",
    ]
    statistics_pdf, statistics_xlsx, cards = results
    assert statistics_pdf.target == bench.STATISTICS_TARGET
    assert 0 < statistics_pdf.details["file_megabytes"] < 2
    assert statistics_pdf.details["peak_megabytes"] > 0
    assert statistics_xlsx.target is None
    assert cards.details["households"] == 1
    assert cards.target == pytest.approx(60 / 500)
    assert len(said) == 3
    args = main._arguments(["--report-households", "0"])
    assert args.report_households == 0
    assert main._arguments([]).report_households == 500
    with pytest.raises(SystemExit):
        main._arguments(["--report-households", "-1"])


def test_category_and_degree_are_those_classified_by_the_day(county):
    """household_a (低保户 on its file now) was classified 低保边缘户 / 重困 in August 2025 and
    低保户 in November: the third quarter counts it near the line, the fourth as on its file."""
    from households.models import Classification, ClassificationPolicy, LivingStandard

    household = county.household_a
    standard = LivingStandard.objects.get(county=county.county)
    policy = ClassificationPolicy.objects.get(county=county.county)
    for day, category, degree in (
        (datetime.date(2025, 8, 1), Category.NEAR_SUBSISTENCE, Degree.SERIOUS),
        (datetime.date(2025, 11, 1), Category.SUBSISTENCE, ""),
    ):
        decision = Classification.objects.create(
            household=household,
            decided_by=county.supervisor,
            standard=standard,
            policy=policy,
            suggested_category=category,
            category=category,
            degree=degree,
            explanation="测试",
        )
        Classification.objects.filter(pk=decision.pk).update(decided_at=_at(day))
    with translation.override("zh-hans"):
        q3 = dict(stats.households_by_category(on=Q3.end))
        q3_degrees = dict(stats.households_by_degree(on=Q3.end))
        q4 = dict(stats.households_by_category(on=datetime.date(2025, 12, 31)))
        june = dict(stats.households_by_category(on=datetime.date(2025, 6, 30)))
    # At the end of Q3: household_b is 低保户 (its file), household_a near the line.
    assert (q3["低保户"], q3["低保边缘户"]) == (1, 1)
    assert q3_degrees["重困"] == 1
    assert (q4["低保户"], q4["低保边缘户"]) == (2, 0)
    assert (june["低保户"], june["低保边缘户"]) == (2, 0)  # not classified yet: its file's


def test_the_one_pass_breakdown_equals_the_queries_per_group(county):
    """On PostgreSQL relief_breakdown reads the lines once (GROUPING SETS); it must give what
    relief_by gives group by group (the ORM's queries, the only path on SQLite)."""
    for union in (None, county.union_a, county.union_b):
        for start, end in (
            (Q3.start, Q3.end),
            (datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31)),
        ):
            breakdown = stats.relief_breakdown(start=start, end=end, union=union)
            for group in stats.RELIEF_GROUPS:
                assert breakdown[group] == stats.relief_by(
                    group, start=start, end=end, union=union
                ), (union, start, group)


def _figures(row: stats.ReliefRow) -> tuple:
    return (row.households, row.times, row.amount)


def _workbook(spec: ReportSpec):
    return load_workbook(io.BytesIO(_build(spec)))


def _every_cell(workbook) -> dict:
    return {name: list(workbook[name].values) for name in workbook.sheetnames}


def test_a_reversal_in_a_later_period_counts_there_and_leaves_the_earlier_one_unchanged(registry):
    """A payment in March reversed in April: March shows 1 户, 1 人次, +800 and keeps showing it
    after the reversal; April shows 0 户, −1 人次, −800; the year nets to nothing. Each table
    (programme, fund, month, total) and both paths (one pass on PostgreSQL, per table) agree."""
    people = registry
    medical = Programme.objects.get(name="医疗救助")
    fund = Fund.objects.get(code="union")
    march = Period.parse(f"{YEAR}-03")
    april = Period.parse(f"{YEAR}-04")
    year = Period.parse(str(YEAR))
    payment = _line(
        people,
        people.household_a,
        programme=medical,
        fund=fund,
        amount="800.00",
        on=datetime.date(YEAR, 3, 12),
    )
    before = _workbook(ReportSpec("statistics", XLSX, march))
    assert _sheet(before, "按帮扶项目")["医疗救助"][:3] == [1, 1, pytest.approx(800.0)]

    _line(
        people,
        people.household_a,
        programme=medical,
        fund=fund,
        amount="-800.00",
        on=datetime.date(YEAR, 4, 3),
        reverses=payment,
    )

    assert _every_cell(_workbook(ReportSpec("statistics", XLSX, march))) == _every_cell(before)
    assert _sheet(_workbook(ReportSpec("statistics", XLSX, april)), "按帮扶项目")["医疗救助"][
        :3
    ] == [0, -1, pytest.approx(-800.0)]
    expected = {
        march: (1, 1, Decimal("800.00")),
        april: (0, -1, Decimal("-800.00")),
        year: (0, 0, Decimal("0.00")),
    }
    for period, figures in expected.items():
        breakdown = stats.relief_breakdown(start=period.start, end=period.end)
        for group in stats.RELIEF_GROUPS:
            rows, total = breakdown[group]
            assert breakdown[group] == stats.relief_by(group, start=period.start, end=period.end)
            assert _figures(total) == figures, (period.label, group)
            if group != "month":
                assert [_figures(row) for row in rows] == [figures], (period.label, group)
        months = {row.label: _figures(row) for row in breakdown["month"][0]}
        if period == year:
            assert months == {"3月": expected[march], "4月": expected[april]}
        else:
            assert list(months.values()) == [figures]


def test_a_payment_and_its_reversal_in_the_same_period_cancel(registry):
    people = registry
    medical = Programme.objects.get(name="医疗救助")
    fund = Fund.objects.get(code="union")
    paid = _line(
        people,
        people.household_b,
        programme=medical,
        fund=fund,
        amount="300.00",
        on=datetime.date(YEAR, 5, 2),
    )
    _line(
        people,
        people.household_b,
        programme=medical,
        fund=fund,
        amount="-300.00",
        on=datetime.date(YEAR, 5, 20),
        reverses=paid,
    )
    _line(
        people,
        people.household_a,
        programme=medical,
        fund=fund,
        amount="450.00",
        on=datetime.date(YEAR, 5, 21),
    )
    may = Period.parse(f"{YEAR}-05")
    breakdown = stats.relief_breakdown(start=may.start, end=may.end)
    for group in stats.RELIEF_GROUPS:
        assert _figures(breakdown[group][1]) == (1, 1, Decimal("450.00")), group
        assert breakdown[group] == stats.relief_by(group, start=may.start, end=may.end)
    union_b = stats.relief_breakdown(start=may.start, end=may.end, union=people.union_b)
    assert _figures(union_b["programme"][1]) == (0, 0, Decimal("0.00"))


def _exit_history(people) -> Household:
    """household_a and household_b registered in 2024; in 2025 household_b exits in March and is
    reinstated in June, household_a exits in August; `returned` (exited in November 2024, so out
    at the start of 2025) is reinstated in May 2025 and exits again in October."""
    Household.objects.filter(pk__in=[people.household_a.pk, people.household_b.pk]).update(
        registered_on=datetime.date(2024, 3, 1)
    )
    HouseholdEvent.objects.update(at=_at(datetime.date(2024, 3, 1)))
    returned = _registered(people, people.union_a, on=datetime.date(2024, 1, 10))
    _move(people, returned, "exited", on=datetime.date(2024, 11, 1))
    _move(people, people.household_b, "exited", on=datetime.date(YEAR, 3, 1))
    _move(people, returned, "reinstated", on=datetime.date(YEAR, 5, 10))
    _move(people, people.household_b, "reinstated", on=datetime.date(YEAR, 6, 15))
    _move(people, people.household_a, "exited", on=datetime.date(YEAR, 8, 1))
    _move(people, returned, "exited", on=datetime.date(YEAR, 10, 1))
    return returned


def test_the_exit_rate_counts_standing_exits_over_every_file_on_the_register(registry):
    """An exit undone by a reinstatement in the year is no exit; a file back from an earlier
    year's exit is in the base (it may exit again and count); only events by the end count."""
    _exit_history(registry)

    year = stats.exit_rate(year=YEAR)
    assert (year.at_start, year.new, year.returned, year.base) == (2, 0, 1, 3)
    assert year.exited == 2  # household_a and `returned`; household_b came back in June
    assert year.rate == Decimal("0.6667") and year.whole_year
    first_quarter = stats.exit_rate(year=YEAR, until=datetime.date(YEAR, 3, 31))
    # To 31 March household_b's exit stands and `returned` is still out: as computed then.
    assert (first_quarter.base, first_quarter.exited) == (2, 1)
    assert not first_quarter.whole_year
    july = stats.exit_rate(year=YEAR, until=datetime.date(YEAR, 7, 31))
    assert (july.at_start, july.returned, july.base, july.exited) == (2, 1, 3, 0)
    assert stats.exit_rate(year=YEAR, union=registry.union_b).exited == 0


def _exit_row(spec: ReportSpec) -> tuple[list, list]:
    sheet = load_workbook(io.BytesIO(_build(spec)))["脱困率"]
    headers, values = (list(row) for row in sheet.iter_rows(min_row=2, max_row=3, values_only=True))
    return headers, values


def test_only_the_report_of_an_ended_year_judges_the_exit_target(registry):
    """A month or quarter shows the year to date beside the yearly target, "进行中"; a year
    report says whether the target was met; the current year's, not yet ended, does not."""
    _exit_history(registry)

    headers, july = _exit_row(ReportSpec("statistics", XLSX, Period.parse(f"{YEAR}-07")))
    assert headers == [
        "年初在册户数",
        "本年新建档户数",
        "本年恢复户数",
        "应计户数",
        "本年脱困户数",
        "本年累计脱困率",
        "年度目标",
        "进展",
    ]
    assert july == [2, 0, 1, 3, 0, 0, pytest.approx(0.30), "进行中"]
    _headers, first_quarter = _exit_row(ReportSpec("statistics", XLSX, Period.parse(f"{YEAR}-Q1")))
    assert first_quarter == [2, 0, 0, 2, 1, pytest.approx(0.5), pytest.approx(0.30), "进行中"]

    headers, whole = _exit_row(ReportSpec("statistics", XLSX, Period.parse(str(YEAR))))
    assert headers[5:] == ["脱困率", "年度目标", "是否达标"]
    assert whole == [2, 0, 1, 3, 2, pytest.approx(0.6667), pytest.approx(0.30), "已达标"]
    this_year = Period.parse(str(timezone.localdate().year))
    _headers, current = _exit_row(ReportSpec("statistics", XLSX, this_year))
    assert current[-1] == "进行中"
