"""The files whose yearly review (年度复核) is due: registered and not reviewed for twelve months.
Built every week by the schedule (reports.schedules) and on request, as xlsx."""

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from households.exporting import safe_text
from households.filters import review_due_q
from households.models import Household
from households.workbook import word
from reports.catalogue import ReportSpec

COLUMNS = [
    ("档案编号", 18),
    ("户主姓名", 10),
    ("所属工会", 18),
    ("困难类别", 10),
    ("困难程度", 8),
    ("建档日期", 12),
    ("最近复核日期", 14),
    ("帮扶责任人", 10),
    ("联系电话", 14),
]


def due_households(spec: ReportSpec):
    households = Household.objects.filter(review_due_q()).filter(spec.union_q("union_id"))
    if spec.reader is not None:
        households = households.filter(pk__in=Household.objects.visible_to(spec.reader))
    return households.order_by("union__code", "last_reviewed_on", "registered_on", "file_number")


def build(spec: ReportSpec, out, progress) -> int:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("待复核档案")
    sheet.freeze_panes = "A2"
    for index, (_title, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header = []
    from openpyxl.cell import WriteOnlyCell

    for title, _width in COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        header.append(cell)
    sheet.append(header)
    households = due_households(spec)
    total = households.count()
    rows = households.values_list(
        "file_number",
        "head__name",
        "union__name",
        "category",
        "degree",
        "registered_on",
        "last_reviewed_on",
        "responsible",
        "phone",
    )
    count = 0
    for (
        number,
        name,
        union,
        category,
        degree,
        registered,
        reviewed,
        responsible,
        phone,
    ) in rows.iterator(chunk_size=2000):
        sheet.append(
            [
                number,
                safe_text(name or ""),
                safe_text(union),
                word("category", category) if category else "",
                word("degree", degree) if degree else "",
                registered,
                reviewed,
                safe_text(responsible or ""),
                safe_text(phone or ""),
            ]
        )
        count += 1
        if count % 1000 == 0:
            progress(count, total, "列出待复核档案")
    sheet.append([f"合计 {count} 户"])
    book.save(out)
    return count
