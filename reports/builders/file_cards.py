"""The household file card (一户一档档案卡): one card per household for the paper archive, as a
PDF of every section of the file the household's page shows — the header, the members, income
and the means test, the classification with its reason and history, the proof checklist, bank
cards, the help plan, visits, relief received, micro-loans and the trail.

The selection is `spec.params["households"]` (ids) or `spec.params["filters"]` (the household
list's GET parameters, a dict of lists), always within what `spec.reader` may see and within
`spec.union`. An id that names no household in scope fails the whole build (ReportError):
no card is ever printed for a file out of scope, and nothing is half-printed.

Speed: the selection is loaded in batches of BATCH households, each with the same fixed number
of queries (prefetches and grouped aggregates, never a query per household). Each card is laid
out as a document of its own and the pages are then written as one PDF (WeasyPrint's
Document.copy), so that the footer's "第 x 页 共 y 页" counts the pages of that card: the
archive files each household's card in its own folder (一户一档), where a page number of the
whole batch would mean nothing and "共 y 页" tells whether the card in the folder is complete.
Every page's header names the file number and the head, so a loose page finds its folder.

The layout is WeasyPrint's, about 0.3 s of CPU per card (3 pages) whatever we tried on the
card itself (fixed tables already; no flex, separate borders, fewer elements: all within the
noise of a shared machine), so the cards are laid out in parallel (print_cards): chunks of
REPORT_PDF_CHUNK cards (50), each written to a temporary PDF by one of REPORT_PDF_PROCESSES
processes spawned for the build (reports.pdf_chunks), then joined with pypdf. Memory holds a
chunk's pages per process, not the whole selection's (1.6 GB before). Each chunk embeds its
own subset of the fonts, hence the chunk is not smaller: the file is about twice the size of
one written at once (13 MB for 500 cards).

Measured (demo county, 500 households, 1,501 pages, PostgreSQL, 2 cores shared with other
work): 15 queries per batch of 50 (16 when a loan is among them); see docs/benchmarks.md
(file cards) for the time. Hence MAX_CARDS.

Resident IDs print masked unless the reader may see them (households.view_resident_id, the
rule of the household's page); when they print in full, one PersonalDataRead per household is
logged once the file is written.
"""

import contextlib
import logging
import multiprocessing
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db.models import CharField, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce, ExtractYear
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.datastructures import MultiValueDict

from reports import pdf_chunks
from reports.catalogue import Progress, ReportError, ReportSpec
from reports.pdf import REPORT_LANGUAGE, report_context

TITLE = "困难职工家庭档案卡"
STAGE = "生成档案卡"
WRITE_STAGE = "写入PDF"
JOIN_STAGE = "合并PDF"
BATCH = 50  # households loaded (with everything they show) at a time
MAX_CARDS = 500  # a larger selection is refused (time, see the module docstring)

logger = logging.getLogger(__name__)


def build(spec: ReportSpec, out: BinaryIO, progress: Progress) -> None:
    with translation.override(REPORT_LANGUAGE):
        ids = selected_ids(spec)
        full_ids = _full_ids_shown(spec.reader)
        ledger = _may_read_ledger(spec)
        base = report_context(spec, TITLE)

        def pages():  # each card's HTML, the households loaded BATCH at a time
            for start in range(0, len(ids), BATCH):
                for card in file_cards(ids[start : start + BATCH], ledger=ledger):
                    yield card_html(card, base, full_ids=full_ids)

        print_cards(pages(), len(ids), out, progress)
    if full_ids:
        _log_reads(spec.reader, ids)


# --- The selection --------------------------------------------------------------------------


def selected_ids(spec: ReportSpec) -> list[int]:
    """The households to print, in file-number order (the archive's), all within scope."""
    from households.models import Household

    households = Household.objects.all()
    if spec.reader is not None:
        if not spec.reader.has_perm("households.view_household"):
            raise ReportError("您无权查看困难职工档案，未生成档案卡。")
        households = Household.objects.visible_to(spec.reader)
    households = households.filter(spec.union_q("union_id"))
    params = spec.params or {}
    if "households" in params:
        wanted = _ids(params["households"])
        found = list(
            households.filter(pk__in=wanted).order_by("file_number").values_list("pk", flat=True)
        )
        missing = len(set(wanted) - set(found))
        if missing:
            raise ReportError(
                f"有 {missing} 户档案不存在或不在您的查看范围内，未生成档案卡。"
                "请从困难职工档案列表重新选择。"
            )
    elif "filters" in params:
        found = _filtered(spec, households, params["filters"] or {})
    else:
        raise ReportError("请选择要打印档案卡的档案（勾选档案或按列表的筛选条件）。")
    if not found:
        raise ReportError("没有符合条件的档案，未生成档案卡。")
    if len(found) > MAX_CARDS:
        raise ReportError(
            f"所选档案有 {len(found)} 户，一次最多打印 {MAX_CARDS} 户的档案卡：请缩小筛选范围，"
            "分批打印。"
        )
    return found


def _ids(values) -> list[int]:
    if not isinstance(values, list | tuple) or not values:
        raise ReportError("请选择要打印档案卡的档案。")
    try:
        return [int(value) for value in values]
    except (TypeError, ValueError):
        raise ReportError("所选档案的编号有误，未生成档案卡。") from None


def _filtered(spec: ReportSpec, households, filters: dict) -> list[int]:
    """The household list's search (households.filters) over `households`; a filter the list
    would not accept fails the build instead of being ignored (which would widen the file)."""
    from helpcenter.models import Union
    from households.filters import HouseholdFilter

    data = MultiValueDict(
        {
            str(name): [str(value) for value in (values if isinstance(values, list) else [values])]
            for name, values in filters.items()
        }
    )
    data.pop("page", None)
    reader = spec.reader
    search = HouseholdFilter(data, queryset=households, user=reader)
    if reader is None:  # the command line prints for the county
        unions = Union.objects.filter(is_active=True)
        search.filters["union"].queryset = unions
        search.form.fields["union"].queryset = unions  # the form is built already
    if not search.is_valid():
        problems = "；".join(
            str(message) for messages in search.errors.values() for message in messages
        )
        raise ReportError(f"筛选条件有误，未生成档案卡：{problems}")
    return list(search.qs.order_by().order_by("file_number").values_list("pk", flat=True))


# --- Who sees what ----------------------------------------------------------------------------


def _full_ids_shown(reader) -> bool:
    """The household page's rule (households.services.resident_ids_shown): full resident IDs
    for those with households.view_resident_id; the command line (no reader) prints them
    masked."""
    return reader is not None and reader.has_perm("households.view_resident_id")


def _may_read_ledger(spec: ReportSpec) -> bool:
    """Relief received is on the card for those who may read the ledger, as on the page."""
    return spec.reader is None or spec.reader.has_perm("relief.view_ledger")


def _log_reads(reader, ids: list[int]) -> None:
    from households.models import PersonalDataRead

    PersonalDataRead.objects.bulk_create(
        [PersonalDataRead(reader=reader, household_id=pk) for pk in ids], batch_size=500
    )


# --- Loading a batch ------------------------------------------------------------------------


@dataclass
class Card:
    """Everything one household's card shows."""

    household: object
    members: list
    classification: object | None
    earlier_classifications: list
    checklist: list
    bank_accounts: list
    measures: list
    visits: list
    ledger_shown: bool
    lines: list = field(default_factory=list)
    years: list = field(default_factory=list)
    caps: list = field(default_factory=list)
    loans: list = field(default_factory=list)
    events: list = field(default_factory=list)

    @property
    def missing_documents(self) -> int:
        return sum(item.missing for item in self.checklist)

    @property
    def exclusions(self) -> list[str]:
        household = self.household
        return [
            str(household._meta.get_field(name).verbose_name)
            for name in (
                "owns_several_homes",
                "runs_business_with_employees",
                "child_at_costly_private_school",
                "uses_motor_vehicle",
            )
            if getattr(household, name)
        ]


@dataclass
class LoanFigures:
    loan: object
    principal_repaid: object
    interest_paid: object
    principal_outstanding: object


def file_cards(ids: list[int], *, ledger: bool = True) -> list[Card]:
    """The cards of `ids` (already checked to be in scope), in that order, loaded with a fixed
    number of queries whatever the number of households."""
    from cases.models import ApplicationStep
    from households.models import (
        Classification,
        Document,
        DocumentType,
        Household,
        HouseholdEvent,
        Member,
        Visit,
    )
    from households.selectors import TimelineEntry, document_checklist
    from relief.models import BankAccount, Loan

    households = Household.objects.filter(pk__in=ids).select_related("union", "head")
    households = households.prefetch_related(
        Prefetch("members", queryset=Member.objects.order_by("id")),
        Prefetch(
            "classifications",
            queryset=Classification.objects.select_related("decided_by", "standard"),
        ),
        Prefetch("documents", queryset=Document.objects.select_related("document_type")),
        "measures",
        Prefetch("visits", queryset=Visit.objects.select_related("recorded_by")),
        Prefetch("events", queryset=HouseholdEvent.objects.select_related("actor")),
        Prefetch(
            "bank_accounts",
            queryset=BankAccount.objects.select_related("holder").order_by("-active", "id"),
        ),
        Prefetch(
            "loans", queryset=Loan.objects.select_related("programme").order_by("created_at", "id")
        ),
    )
    by_id = {household.pk: household for household in households}
    document_types = list(DocumentType.objects.all())
    steps = defaultdict(list)
    for step in (
        ApplicationStep.objects.filter(application__household_id__in=ids)
        .select_related("actor", "application")
        .order_by("-at", "-id")
    ):
        steps[step.application.household_id].append(step)
    money = _relief(ids) if ledger else None
    loan_figures = _loan_figures([loan for h in by_id.values() for loan in h.loans.all()])
    cards = []
    for pk in ids:
        household = by_id[pk]
        classifications = list(household.classifications.all())
        events = [
            TimelineEntry(
                event.at, event.actor, event.get_action_display(), event.note, event.changes
            )
            for event in household.events.all()
        ]
        events += [
            TimelineEntry(
                step.at,
                step.actor,
                f"{step.application.get_kind_display()}：{step.get_to_state_display()}",
                step.comment,
            )
            for step in steps[pk]
        ]
        events.sort(key=lambda entry: entry.at)  # oldest first: the card reads as a story
        card = Card(
            household=household,
            members=list(household.members.all()),
            classification=classifications[0] if classifications else None,
            earlier_classifications=classifications[1:],
            checklist=document_checklist(
                household, household.documents.all(), document_types=document_types
            ),
            bank_accounts=list(household.bank_accounts.all()),
            measures=list(household.measures.all()),
            visits=list(household.visits.all()),
            ledger_shown=ledger,
            loans=[loan_figures[loan.pk] for loan in household.loans.all()],
            events=events,
        )
        if money is not None:
            card.lines, card.years, card.caps = (
                money.lines[pk],
                money.years[pk],
                money.caps.get(pk, money.no_caps),
            )
        cards.append(card)
    return cards


@dataclass
class _Relief:
    lines: dict
    years: dict
    caps: dict
    no_caps: list


@dataclass
class CapRow:
    name: str
    yearly_cap_per_person: object
    received: object
    left: object


def _relief(ids: list[int]) -> _Relief:
    """relief.selectors.household_ledger for many households at once, with its definitions:
    relief lines only (reversals included, loans left out), net per year, and what is left this
    year under each programme's yearly cap (every line of the programme that year counted)."""
    from relief.models import Disbursement, LineKind, Programme
    from relief.selectors import ZERO

    year = timezone.localdate().year
    lines = defaultdict(list)
    reversal = Disbursement.objects.filter(reverses=OuterRef("pk")).values("voucher_number")[:1]
    for line in (
        Disbursement.objects.relief()
        .filter(household_id__in=ids)
        .select_related("programme", "fund", "reverses")
        .annotate(reversed_by=Subquery(reversal, output_field=CharField()))
        .order_by("-paid_on", "-id")
    ):
        lines[line.household_id].append(line)
    years = defaultdict(list)
    for row in (
        Disbursement.objects.relief()
        .filter(household_id__in=ids)
        .annotate(year=ExtractYear("paid_on"))
        .values("household_id", "year")
        .annotate(
            payments=Coalesce(Sum("amount", filter=Q(kind=LineKind.PAYMENT)), ZERO),
            reversals=Coalesce(Sum("amount", filter=Q(kind=LineKind.REVERSAL)), ZERO),
            net=Sum("amount"),
        )
        .order_by("household_id", "-year")
    ):
        for name in ("payments", "reversals", "net"):  # SQLite's sums come unscaled
            row[name] = Decimal(row[name]).quantize(Decimal("0.01"))
        years[row["household_id"]].append(row)
    capped = list(
        Programme.objects.filter(yearly_cap_per_person__isnull=False).order_by("position", "name")
    )
    received = {
        (row["household_id"], row["programme_id"]): row["total"]
        for row in Disbursement.objects.filter(
            household_id__in=ids, programme__in=capped, paid_on__year=year
        )
        .values("household_id", "programme_id")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    zero = Decimal("0.00")

    def caps_of(pk) -> list[CapRow]:
        rows = []
        for programme in capped:
            got = Decimal(received.get((pk, programme.pk)) or 0).quantize(zero)
            cap = programme.yearly_cap_per_person
            rows.append(CapRow(programme.name, cap, got, max(cap - got, zero)))
        return rows

    return _Relief(
        lines=lines,
        years=years,
        caps={pk: caps_of(pk) for pk in {key[0] for key in received}},
        no_caps=caps_of(None),
    )


def _loan_figures(loans: list) -> dict[int, LoanFigures]:
    """relief.lending.loan_outstanding for many loans at once (repayments not reversed)."""
    from relief.models import RepaymentAllocation

    zero = Decimal("0.00")
    totals = {
        row["repayment__loan_id"]: row
        for row in RepaymentAllocation.objects.filter(
            repayment__loan__in=[loan.pk for loan in loans], repayment__reversal__isnull=True
        )
        .values("repayment__loan_id")
        .annotate(principal=Sum("principal"), interest=Sum("interest"))
        .order_by()
    }
    figures = {}
    for loan in loans:
        row = totals.get(loan.pk, {})
        principal = Decimal(row.get("principal") or 0).quantize(zero)
        interest = Decimal(row.get("interest") or 0).quantize(zero)
        figures[loan.pk] = LoanFigures(loan, principal, interest, loan.principal - principal)
    return figures


# --- Printing -------------------------------------------------------------------------------


def card_html(card: Card, base: dict, *, full_ids: bool) -> str:
    household = card.household
    head = household.head.name if household.head else ""
    context = {
        **base,
        # The running header of each page: which file this loose page belongs to.
        "union_name": household.union.name,
        "period_label": f"档案号 {household.file_number}　户主 {head}",
        "card": card,
        "household": household,
        "full_ids": full_ids,
    }
    return render_to_string("reports/file_cards.html", context)


def print_cards(cards: Iterable[str], total: int, out: BinaryIO, progress: Progress) -> None:
    """Lay out the `total` cards (their HTML, in order) and write them to `out` as one PDF.

    Each card is a document of its own (its pages numbered for that card). REPORT_PDF_CHUNK
    cards make one PDF in a temporary folder, so memory holds a chunk's pages, not the
    selection's; the chunks are laid out in REPORT_PDF_PROCESSES processes spawned for the
    build (here, when that is 1 or no process can be started) and then joined, the last stage
    (JOIN_STAGE) of the progress: the bar reaches 100 % only when the file is written. A
    selection of one chunk is written here, straight to `out`."""
    units = total + max(1, total // 20)  # the final write counts for about 5 %
    progress(0, units, STAGE)
    chunk_size = settings.REPORT_PDF_CHUNK
    if total <= chunk_size:
        done = 0

        def counted():
            nonlocal done
            for html in cards:
                yield html
                done += 1
                progress(done, units, STAGE)

        document = pdf_chunks.lay_out(counted(), _stylesheet())
        progress(total, units, WRITE_STAGE)
        document.write_pdf(out)
        progress(units, units, WRITE_STAGE)
        return
    processes = min(settings.REPORT_PDF_PROCESSES, -(-total // chunk_size))
    with tempfile.TemporaryDirectory(prefix="file-cards-") as folder:
        chunks = (
            (chunk, os.path.join(folder, f"{number:05}.pdf"))
            for number, chunk in enumerate(_chunked(cards, chunk_size))
        )
        with _pool(processes) if processes > 1 else contextlib.nullcontext() as pool:
            logger.info("file cards: %s cards in %s process(es)", total, processes if pool else 1)
            if pool is None:
                paths, done = [], 0
                for chunk, path in chunks:
                    pdf_chunks.print_chunk(chunk, path, _stylesheet())
                    paths.append(path)
                    done += len(chunk)
                    progress(done, units, STAGE)
            else:
                paths = _print_in(pool, chunks, units, progress)
        progress(total, units, JOIN_STAGE)
        _join(paths, out)
    progress(units, units, JOIN_STAGE)


def _chunked(cards: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk = []
    for html in cards:
        chunk.append(html)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _print_in(pool, chunks, units: int, progress: Progress) -> list[str]:
    """The chunks laid out by `pool` while this process loads and renders the next ones;
    progress counts the cards of finished chunks."""
    stylesheet = _stylesheet()
    paths, running, done = [], {}, 0
    try:
        for chunk, path in chunks:
            running[pool.submit(pdf_chunks.print_chunk, chunk, path, stylesheet)] = len(chunk)
            paths.append(path)
            finished = [future for future in running if future.done()]
            for future in finished:
                future.result()  # a chunk that failed fails the build now
                done += running.pop(future)
            if finished:
                progress(done, units, STAGE)
        for future in as_completed(running):
            future.result()
            done += running[future]
            progress(done, units, STAGE)
    except BaseException:  # a failed chunk, the time limit: the other processes stop too
        _stop(pool)
        raise
    pool.shutdown()
    return paths


@contextlib.contextmanager
def _pool(processes: int) -> Iterator[ProcessPoolExecutor | None]:
    """`processes` processes for the build, spawned as work arrives (reports.pdf_chunks says
    why not forked); None when none can be started (no resources): the cards are then laid
    out in this process. They end with the build.

    A Celery (billiard) pool process is daemonic, and multiprocessing refuses children to a
    daemonic process, lest they outlive it. Ours do not: each ends with its parent
    (pdf_chunks.child_start), and a failed or stopped build terminates them (_stop). So the
    flag is lifted for the pool's life, while processes may be started. There, too, the
    process's authentication key is billiard's type, which refuses to be sent to a spawned
    process: the same key goes as the standard library's type."""
    me = multiprocessing.current_process()
    config = dict(me._config)
    me._config["daemon"] = False
    me._config["authkey"] = multiprocessing.process.AuthenticationString(bytes(me.authkey))
    try:
        pool = None
        try:
            pool = ProcessPoolExecutor(
                processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=pdf_chunks.child_start,
            )
            pool.submit(os.getpid).result()
        except Exception as error:  # OSError, BrokenProcessPool, AssertionError
            logger.warning("file cards laid out in one process: %r", error)
            if pool is not None:
                _stop(pool)
            pool = None
        yield pool
    finally:
        me._config.clear()
        me._config.update(config)


def _stop(pool: ProcessPoolExecutor) -> None:
    pool.shutdown(wait=False, cancel_futures=True)
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()


def _stylesheet() -> str:
    return finders.find("css/report_print.css")


def _join(paths: list[str], out: BinaryIO) -> None:
    """The chunks' PDFs as one, in order, with the first one's title and bookmarks."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for path in paths:
        writer.append(path)
    info = PdfReader(paths[0]).metadata
    if info:
        writer.add_metadata(dict(info))
    writer.write(out)
