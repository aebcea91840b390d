"""Every report of the catalogue builds from the demo data, in every format it offers, through
`manage.py build_report` (the builder the worker runs): the file opens in a reader of its kind
and says what it is about. Each builder's own test compares its totals with independent
queries (tests/test_report_statistics.py, test_report_builders.py, test_report_file_cards.py)."""

import csv
import io
import subprocess

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from cases.models import Notice
from households.models import Household
from relief.models import BankSheet
from reports.catalogue import KINDS
from tests.conftest import seed_document_types, seed_relief_programmes

pytestmark = pytest.mark.django_db

YEAR_PARAMS = ["--period", "2026"]


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    seed_document_types()
    seed_relief_programmes()
    call_command("seed_demo", households=12, seed=3, allow_production=True, stdout=io.StringIO())


def _arguments(kind: str) -> list[str]:
    if kind == "file_cards":
        ids = Household.objects.order_by("pk").values_list("pk", flat=True)[:3]
        return [arg for pk in ids for arg in ("--household", str(pk))]
    if kind == "notice":
        return ["--notice", str(Notice.objects.order_by("pk").first().pk)]
    if kind == "bank_sheet":
        return ["--sheet", str(BankSheet.objects.order_by("pk").first().pk), "--part", "summary"]
    return YEAR_PARAMS if KINDS[kind].needs_period else []


def _text_of(path, format: str) -> str:
    content = path.read_bytes()
    if format == "pdf":
        assert content.startswith(b"%PDF")
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout
    if format == "xlsx":
        book = load_workbook(path, read_only=True)
        return "\n".join(
            " ".join(str(cell) for cell in row if cell is not None)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows and rows[0]
    return "\n".join(",".join(row) for row in rows)


# The ledger search needs the ledger page's reader (it applies the page's filters as that
# person): the command refuses it with a message, checked below.
COMMAND_KINDS = [
    (kind.code, format)
    for kind in KINDS.values()
    if kind.code != "ledger_search"
    for format in kind.formats
]


@pytest.mark.parametrize(("kind", "format"), COMMAND_KINDS)
def test_every_report_builds_from_the_demo_data(demo, tmp_path, kind, format):
    out = tmp_path / f"{kind}.{format}"
    call_command(
        "build_report",
        kind,
        "--format",
        format,
        "--out",
        str(out),
        *_arguments(kind),
        stdout=io.StringIO(),
    )
    text = _text_of(out, format)
    assert len(text.strip()) > 20, text
    expected = {
        "statistics": "2026",
        "ledger": "合计",
        "file_cards": "档案",
        "loan_portfolio": "借款",
        "notice": "公示",
        "bank_sheet": "合计",
        "households": "档案编号",
        "reviews_due": "档案编号",
    }[kind]
    assert expected in text, f"{kind}.{format}: {text[:400]}"


def test_the_ledger_search_is_refused_without_a_reader(demo, tmp_path):
    from django.core.management.base import CommandError

    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(CommandError, match="export_ledger"):
        call_command(
            "build_report", "ledger_search", "--format", "csv", "--out", str(out / "x.csv")
        )
    assert not list(out.iterdir())
