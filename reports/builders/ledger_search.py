"""The ledger page's export of a search (its filters), as a report job when it is too big to
stream inside a web request (relief/views_export.py decides). params: {"filters": {name:
[values]}}, applied again as the reader when the job runs."""

from django.http import QueryDict

from relief import selectors
from relief.exporting import export_ledger
from relief.filters import LedgerFilter
from reports.catalogue import ReportError, ReportSpec


def build(spec: ReportSpec, out, progress):
    if spec.reader is None:
        raise ReportError("台账筛选导出须由查看台账的人发起；脚本请用 export_ledger 命令。")
    data = QueryDict(mutable=True)
    for name, values in (spec.params.get("filters") or {}).items():
        data.setlist(name, values if isinstance(values, list) else [values])
    filters = LedgerFilter(data, queryset=selectors.ledger_lines(spec.reader), user=spec.reader)
    if not filters.is_valid():
        raise ReportError("筛选条件无法使用，未生成文件；请回到台账页重新筛选后导出。")
    lines = filters.qs.filter(spec.union_q("union_id"))
    progress(0, 1, "导出台账")
    return export_ledger(lines, out, format=spec.format)
