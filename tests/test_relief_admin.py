"""The programmes as data in the admin site: the county administrator keeps them and loads next
year's tiers from an xlsx sheet; a sheet with a bad row changes nothing; others are refused."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from relief.admin import TierResource
from relief.models import Programme, Tier

pytestmark = pytest.mark.django_db

HEADERS = [
    "编号",
    "帮扶项目",
    "档位名称",
    "困难类别",
    "困难程度",
    "学段",
    "医疗情形",
    "适用于在册困难户",
    "现金金额（元）",
    "金额为上限",
    "生效日期",
    "失效日期",
    "排序",
]


def exported_tiers(client) -> list[list]:
    response = client.post(
        reverse("admin:relief_tier_export"),
        {
            "format": "0",
            "resource": "0",
            **{f"tierresource_{name}": "on" for name in TierResource._meta.fields},
        },
    )
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def xlsx(rows: list[list]) -> BytesIO:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    stream = BytesIO()
    book.save(stream)
    stream.seek(0)
    stream.name = "tiers.xlsx"
    return stream


def import_dry_run(client, stream):
    return client.post(
        reverse("admin:relief_tier_import"),
        {"format": "0", "resource": "0", "import_file": stream},
    )


def test_tiers_export_with_chinese_headers_and_labels(client, registry):
    client.force_login(registry.administrator)
    rows = exported_tiers(client)
    assert rows[0] == HEADERS
    warmth = [row for row in rows[1:] if row[1] == "两节送温暖"]
    assert {row[2] for row in warmth} == {"特困", "重困", "一般困难"}
    severe = next(row for row in warmth if row[2] == "特困")
    assert severe[4] == "特困" or severe[4] == "Extreme hardship"
    assert severe[7] == "是" and severe[9] == "否"


def test_next_years_tiers_are_loaded_from_the_exported_sheet(client, registry):
    client.force_login(registry.administrator)
    rows = exported_tiers(client)
    warmth = [row for row in rows[1:] if row[1] == "两节送温暖"]
    next_year = []
    for row in warmth:
        new = list(row)
        new[0] = None  # a new tier
        new[8] = str(Decimal(str(row[8])) * 2)
        new[10] = "2028-01-01"
        next_year.append(new)
    page = import_dry_run(client, xlsx([HEADERS, *next_year]))
    assert page.status_code == 200
    assert Tier.objects.filter(valid_from=date(2028, 1, 1)).count() == 0  # a dry run first
    form = page.context["confirm_form"]
    assert form is not None, page.content.decode()[:2000]
    confirmed = client.post(
        reverse("admin:relief_tier_process_import"),
        {**form.initial, "resource": "0"},
    )
    assert confirmed.status_code == 302
    loaded = Tier.objects.filter(valid_from=date(2028, 1, 1), programme__name="两节送温暖")
    assert sorted(loaded.values_list("cash_amount", flat=True)) == [
        Decimal("1000.00"),
        Decimal("2000.00"),
        Decimal("4000.00"),
    ]
    assert Tier.objects.filter(
        valid_from__lt=date(2028, 1, 1), programme__name="两节送温暖"
    ).count()


@pytest.mark.parametrize(
    ("column", "value"),
    [(8, "1.005"), (8, "-5"), (3, "不存在的类别"), (1, "没有这个项目"), (10, "明年")],
)
def test_a_sheet_with_a_bad_row_changes_nothing(client, registry, column, value):
    client.force_login(registry.administrator)
    before = list(Tier.objects.order_by("id").values())
    good = [
        None,
        "生活救助",
        "新档位",
        "",
        "一般困难",
        "",
        "",
        "是",
        "700",
        "否",
        "2028-01-01",
        None,
        9,
    ]
    bad = list(good)
    bad[2] = "坏的一行"
    bad[column] = value
    page = import_dry_run(client, xlsx([HEADERS, good, bad]))
    assert page.status_code == 200
    assert page.context.get("confirm_form") is None
    assert list(Tier.objects.order_by("id").values()) == before
    # the resource itself, asked to write, rolls the whole sheet back
    from tablib import Dataset

    dataset = Dataset(headers=HEADERS)
    dataset.append(good)
    dataset.append(bad)
    result = TierResource().import_data(
        dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True
    )
    assert result.has_errors() or result.has_validation_errors()
    assert list(Tier.objects.order_by("id").values()) == before


def test_a_programme_page_lists_its_tiers_and_documents(client, registry):
    client.force_login(registry.administrator)
    medical = Programme.objects.get(code="medical")
    page = client.get(reverse("admin:relief_programme_change", args=[medical.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "住院（手术）" in text and "required_documents" in text


@pytest.mark.parametrize("name", ["admin:relief_tier_import", "admin:relief_tier_export"])
def test_only_the_county_administrator_imports_and_exports(client, registry, name):
    client.force_login(registry.administrator_a)
    assert client.get(reverse(name)).status_code == 403
    client.force_login(registry.caseworker_a)
    assert client.get(reverse(name), follow=True).status_code == 403
    client.force_login(registry.administrator)
    assert client.get(reverse(name)).status_code == 200


def test_an_exported_name_that_looks_like_a_formula_is_escaped(client, registry):
    from relief.models import Programme

    Programme.objects.filter(name="两节送温暖").update(name="=HYPERLINK(1)")
    client.force_login(registry.administrator)
    rows = exported_tiers(client)
    assert any(row[1] == "'=HYPERLINK(1)" for row in rows[1:])
    assert not any(str(cell).startswith("=") for row in rows for cell in row)
