"""The catalogue of reports: what can be built, for which period and union, in which formats.

A report is built by a plain function, `build(spec, out, progress)`, that writes the file to
`out` (a binary file opened for writing) and calls `progress(done, total, stage)` as it goes.
The Celery task (reports.tasks), `manage.py build_report` and the tests call the same
function; it never touches a `ReportJob`, so it can be tested and scripted on its own.

Scope: `spec.union` is the union the report is about (None: the whole county). A grassroots
union's staff may only ask for their own union (reports.services decides); builders filter
their rows with `spec.union_q(field)`, which is where a union tree will one day widen to a
subtree.
"""

import calendar
import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import BinaryIO, Protocol

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PDF = "pdf"
XLSX = "xlsx"
CSV = "csv"
CONTENT_TYPES = {
    PDF: "application/pdf",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    CSV: "text/csv; charset=utf-8",
}

QUARTER_WORDS = {1: "一", 2: "二", 3: "三", 4: "四"}
_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?:Q(?P<quarter>[1-4])|(?P<month>0[1-9]|1[0-2])))?$")


@dataclass(frozen=True)
class Period:
    """A reporting period: a year (`2026`), a quarter (`2026-Q3`) or a month (`2026-07`)."""

    code: str
    start: datetime.date
    end: datetime.date  # inclusive
    kind: str  # "year", "quarter" or "month"

    @classmethod
    def parse(cls, code: str) -> "Period":
        """The period `code` names; ValueError (in Chinese, saying what is accepted) if none."""
        match = _PERIOD.match((code or "").strip().upper())
        if not match:
            raise ValueError(
                _(
                    "“%(code)s” is not a period: write a year (2026), a quarter (2026-Q3) or a "
                    "month (2026-07)."
                )
                % {"code": code}
            )
        year = int(match["year"])
        if not 2000 <= year <= 2100:
            raise ValueError(_("The year must be between 2000 and 2100."))
        if match["quarter"]:
            quarter = int(match["quarter"])
            first = 3 * quarter - 2
            start = datetime.date(year, first, 1)
            end = datetime.date(year, first + 2, calendar.monthrange(year, first + 2)[1])
            return cls(f"{year}-Q{quarter}", start, end, "quarter")
        if match["month"]:
            month = int(match["month"])
            end = datetime.date(year, month, calendar.monthrange(year, month)[1])
            return cls(f"{year}-{month:02d}", datetime.date(year, month, 1), end, "month")
        return cls(str(year), datetime.date(year, 1, 1), datetime.date(year, 12, 31), "year")

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def label(self) -> str:
        """How the period is written on a report: 2026年, 2026年第三季度, 2026年7月."""
        if self.kind == "quarter":
            return f"{self.year}年第{QUARTER_WORDS[(self.start.month + 2) // 3]}季度"
        if self.kind == "month":
            return f"{self.year}年{self.start.month}月"
        return f"{self.year}年"

    @property
    def report_word(self) -> str:
        """月报, 季报 or 年报."""
        return {"year": "年报", "quarter": "季报", "month": "月报"}[self.kind]

    def months(self) -> list[datetime.date]:
        """The first day of each month of the period, in order."""
        return [
            datetime.date(self.year, month, 1)
            for month in range(self.start.month, self.end.month + 1)
        ]


@dataclass(frozen=True)
class ReportSpec:
    """What to build. `union` None is the whole county; `reader` is who asked (None from the
    command line: treated as the county, with resident IDs masked); `params` holds what a kind
    needs besides (JSON-able: ids, filters)."""

    kind: str
    format: str
    period: Period | None = None
    union: object | None = None  # helpcenter.models.Union
    reader: object | None = None  # helpcenter.models.User
    params: dict = field(default_factory=dict)

    def union_q(self, field: str = "union_id") -> Q:
        """The rows of this report's union (every row for the county)."""
        return Q() if self.union is None else Q(**{field: self.union.pk})

    @property
    def union_name(self) -> str:
        """The name in the report's header: the union's, or the county federation's."""
        if self.union is not None:
            return self.union.name
        from helpcenter.models import Union

        county = Union.objects.filter(parent__isnull=True).order_by("pk").first()
        return county.name if county else ""


class Progress(Protocol):
    def __call__(self, done: int, total: int, stage: str = "") -> None: ...


def no_progress(done: int, total: int, stage: str = "") -> None:
    """For callers that do not watch (tests, small web files)."""


@dataclass(frozen=True)
class ReportKind:
    code: str
    label: str | Promise
    formats: tuple[str, ...]
    builder: str  # "module:function", imported when first built
    needs_period: bool = True
    description: str | Promise = ""
    # Who may ask for it (a `rules` permission); scope is decided by the union, as everywhere.
    permission: str = "reports.request_report"
    # Parameters besides period and union this kind needs (shown on the request page when it is
    # requested from there; some kinds are only requested from another page, e.g. a notice's).
    listed: bool = True
    # Holds personal data chosen by or for the asker (full IDs, card numbers, a selection of
    # files): the file is its requester's alone and the reader is part of the fingerprint.
    personal: bool = False
    # Whether a finished file is handed out again when the same report is asked for on unchanged
    # data (reports.services.data_stamp). Not for reports read from rows that change in place
    # (a bank sheet's results, loans' overdue days), which are built anew each time.
    reuse: bool = True

    def build(self, spec: ReportSpec, out: BinaryIO, progress: Progress = no_progress):
        module, _sep, name = self.builder.partition(":")
        function: Callable = getattr(import_module(module), name)
        return function(spec, out, progress)


KINDS: dict[str, ReportKind] = {}


def register(kind: ReportKind) -> ReportKind:
    KINDS[kind.code] = kind
    return kind


def kind_of(code: str) -> ReportKind:
    try:
        return KINDS[code]
    except KeyError:
        raise ValueError(
            _("There is no report “%(code)s”; the reports are: %(codes)s.")
            % {"code": code, "codes": ", ".join(sorted(KINDS))}
        ) from None


class ReportError(Exception):
    """A report that cannot be built as asked, with a message for people (in Chinese): an
    object out of the asker's scope, a parameter that names nothing. The job fails with it."""
