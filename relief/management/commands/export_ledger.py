"""Export the ledger (台账) of a year:
`python manage.py export_ledger --year Y [--union CODE] --out FILE.xlsx` (or FILE.csv).

The same code as the ledger page's export (relief.exporting): every line of the year, oldest
first, with a totals line; memory stays flat at any size, so a county's whole history exports
here when the web refuses an .xlsx that large. Without --union: every union (the county's
view); with the county federation's code, the same; with a grassroots union's code, its lines.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from helpcenter.models import Union
from relief.exporting import FORMATS, export_ledger
from relief.models import Disbursement


class Command(BaseCommand):
    help = (
        "Export the ledger of a year as .xlsx or .csv (by the --out file's extension), with the "
        "same code as the web export."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, help="the calendar year, e.g. 2026")
        parser.add_argument("--union", default="", help="code of one union (default: all)")
        parser.add_argument("--out", required=True, help="the file to write: .xlsx or .csv")

    def handle(self, *args, year: str, union: str, out: str, **options):
        chosen_year = self._year(year)
        path = Path(out)
        format = path.suffix.lower().lstrip(".")
        if format not in FORMATS:
            raise CommandError(f"输出文件须以 .xlsx 或 .csv 结尾，而不是“{path.name}”。")
        if not path.parent.is_dir():
            raise CommandError(f"目录不存在：{path.parent}。请先建好目录，或换一个输出位置。")
        lines = Disbursement.objects.filter(paid_on__year=chosen_year)
        if union:
            lines = self._of_union(lines, union)
        started = time.perf_counter()
        try:
            with path.open("wb") as stream:
                totals = export_ledger(lines, stream, format=format)
        except OSError as error:
            raise CommandError(f"无法写入 {path}：{error}") from error
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"已导出 {chosen_year} 年台账 {totals.lines} 笔，净额 {totals.net:.2f} 元"
            f"（发放 {totals.payments:.2f}，冲销 {totals.reversals:.2f}）到 {path}，"
            f"用时 {seconds:.1f} 秒。"
        )

    def _year(self, text: str) -> int:
        try:
            year = int(str(text).strip())
        except ValueError:
            raise CommandError(f"年份“{text}”不是数字：请写四位年份，如 --year 2026。") from None
        if not 2000 <= year <= 2100:
            raise CommandError(f"年份 {year} 超出范围：请写 2000 到 2100 之间的年份。")
        return year

    def _of_union(self, lines, code: str):
        chosen = Union.objects.filter(code=code.strip()).first()
        if chosen is None:
            known = "、".join(Union.objects.order_by("code").values_list("code", flat=True)[:20])
            raise CommandError(f"找不到代码为“{code}”的工会。已有的工会代码：{known or '无'}。")
        if chosen.parent_id is None:
            return lines  # the county federation: every union's lines
        return lines.filter(union=chosen)
