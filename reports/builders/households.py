"""The household list as a spreadsheet, as a report job: the export of a search of the list
(households/exporting.py writes it) when it is too big to build inside a web request.

params: {"filters": {name: [values]}}, the list's GET parameters when it was asked for. They are
applied again, as the reader (or to every file, from the command line), when the job runs: a
filter the reader may no longer apply fails the job instead of widening the export."""

from django.http import QueryDict

from households.exporting import export_households
from households.filters import households_filtered
from households.models import Household
from reports.catalogue import ReportError, ReportSpec


def household_selection(spec: ReportSpec):
    """The households the spec's filters select, within the reader's scope and its union."""
    data = QueryDict(mutable=True)
    for name, values in (spec.params.get("filters") or {}).items():
        data.setlist(name, values if isinstance(values, list) else [values])
    if spec.reader is not None:
        selection = households_filtered(spec.reader, data)
        if not selection.is_valid():
            why = " ".join(e for errors in selection.errors.values() for e in errors)
            raise ReportError(f"筛选条件无法使用，未生成文件：{why}")
        queryset = selection.qs
    else:
        queryset = Household.objects.all()
    return queryset.filter(spec.union_q("union_id"))


def build(spec: ReportSpec, out, progress) -> int:
    queryset = household_selection(spec)
    total = queryset.count()
    progress(0, total, "导出档案")
    return export_households(queryset, out, progress=lambda done: progress(done, total, "导出档案"))
