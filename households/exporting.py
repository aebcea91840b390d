"""The household list as an Excel workbook.

Written row by row with openpyxl's write-only workbook, so 100,000 files stream to a temporary
file in constant memory. Resident IDs are masked. Text that a spreadsheet would run as a formula
(a leading = + - @, tab or carriage return) gets a leading apostrophe, and characters that XML
cannot hold are replaced, so no value can break or attack the file.
"""

import re
import tempfile
from collections.abc import Callable, Iterator
from decimal import Decimal

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from households import resident_ids
from households.models import Household
from households.workbook import HOUSEHOLD_SHEET, word

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
CENT = Decimal("0.01")

# header, width, value of a row from `ROW_FIELDS` (a dict).
COLUMNS: list[tuple[str, int, Callable[[dict], object]]] = [
    ("档案编号", 18, lambda r: r["file_number"]),
    ("姓名", 10, lambda r: r["head__name"] or ""),
    ("身份证号", 20, lambda r: resident_ids.mask(r["head__id_number"] or "")),
    ("联系电话", 14, lambda r: r["phone"]),
    ("工作单位", 20, lambda r: r["work_unit"]),
    ("所属工会", 16, lambda r: r["union__name"]),
    ("状态", 8, lambda r: word("status", r["status"])),
    ("就业状况", 10, lambda r: word("employment", r["employment"])),
    ("是否农民工", 8, lambda r: "是" if r["is_migrant_worker"] else "否"),
    ("家庭人口", 8, lambda r: r["size"]),
    ("家庭月总收入", 12, lambda r: r["monthly_income"]),
    ("人均月收入", 12, lambda r: (r["monthly_income"] / r["size"]).quantize(CENT)),
    ("享受低保", 8, lambda r: "是" if r["receives_subsistence_allowance"] else "否"),
    ("住房情况", 10, lambda r: word("housing", r["housing"])),
    ("困难类别", 10, lambda r: word("category", r["category"])),
    ("困难程度", 8, lambda r: word("degree", r["degree"])),
    ("致困原因", 16, lambda r: "、".join(word("cause", cause) for cause in r["causes"] or [])),
    ("帮扶责任人", 10, lambda r: r["responsible"]),
    ("联系人", 10, lambda r: r["contact"]),
    ("建档日期", 12, lambda r: r["registered_on"]),
    ("最近复核日期", 12, lambda r: r["last_reviewed_on"]),
    ("家庭状况", 30, lambda r: r["family_situation"]),
    ("致困原因说明", 30, lambda r: r["hardship_cause_notes"]),
    ("技术特长", 16, lambda r: r["skills"]),
    ("就业要求", 16, lambda r: r["employment_wishes"]),
    ("思想状况", 16, lambda r: r["state_of_mind"]),
    ("备注", 20, lambda r: r["notes"]),
]
ROW_FIELDS = [
    "file_number",
    "head__name",
    "head__id_number",
    "phone",
    "work_unit",
    "union__name",
    "status",
    "employment",
    "is_migrant_worker",
    "size",
    "monthly_income",
    "receives_subsistence_allowance",
    "housing",
    "category",
    "degree",
    "causes",
    "responsible",
    "contact",
    "registered_on",
    "last_reviewed_on",
    "family_situation",
    "hardship_cause_notes",
    "skills",
    "employment_wishes",
    "state_of_mind",
    "notes",
]


def safe_text(value: str) -> str:
    """Text a spreadsheet shows as text: never a formula, never a character XML refuses."""
    value = ILLEGAL_CHARACTERS.sub("\N{REPLACEMENT CHARACTER}", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _rows(queryset: QuerySet) -> Iterator[list]:
    for row in queryset.values(*ROW_FIELDS).iterator(chunk_size=2000):
        cells = []
        for _header, _width, value_of in COLUMNS:
            value = value_of(row)
            cells.append(safe_text(value) if isinstance(value, str) else value)
        yield cells


def export_households(queryset: QuerySet[Household], stream, progress=None) -> int:
    """Write the households of `queryset` as an .xlsx to `stream`; returns the number of rows.
    `progress(rows_done)` is called every 1,000 rows (a report job's progress bar)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(HOUSEHOLD_SHEET)
    sheet.freeze_panes = "A2"
    for index, (_header, width, _value_of) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header = []
    for title, _width, _value_of in COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        header.append(cell)
    sheet.append(header)
    count = 0
    for cells in _rows(queryset.order_by("union__code", "file_number")):
        sheet.append(cells)
        count += 1
        if progress is not None and count % 1000 == 0:
            progress(count)
    book.save(stream)
    return count


def export_to_temporary_file(
    queryset: QuerySet[Household],
) -> tuple[tempfile.SpooledTemporaryFile, int]:
    """The workbook in a temporary file (in memory up to 8 MB), rewound, and its row count."""
    stream = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (the response closes it)
    count = export_households(queryset, stream)
    stream.seek(0)
    return stream, count
