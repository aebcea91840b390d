"""The household file card (reports.builders.file_cards): every section of the file on the
card, resident IDs masked unless the reader may see them (and then each read logged), rarer
characters printed in an embedded font, a selection by the list's filters within scope, a file
out of scope refused before anything is written, and the same queries for 3 households as
for 10."""

import io
import re
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpcenter.demo import DemoPeople
from helpcenter.models import User
from households import resident_ids, services
from households.choices import Relation
from households.models import DocumentType, PersonalDataRead
from relief import services as relief_services
from relief.models import Method
from reports.builders import file_cards
from reports.catalogue import KINDS, ReportError, ReportSpec
from tests.factories import household_for
from tests.ledger_support import approved_relief
from tests.loan_support import disbursed_loan

pytestmark = pytest.mark.django_db
_people = DemoPeople(seed=41)
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "file_cards"
TINY_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def build(reader, params: dict, *, union=None) -> bytes:
    out = io.BytesIO()
    spec = ReportSpec(kind="file_cards", format="pdf", reader=reader, union=union, params=params)
    KINDS["file_cards"].build(spec, out)
    return out.getvalue()


def pdf_text(data: bytes, tmp_path, *, keep: str = "") -> str:
    """The text layer, without the spaces and line breaks extraction puts between words
    (`keep`: also written to test-artifacts/file_cards/, to be looked at)."""
    path = tmp_path / "cards.pdf"
    path.write_bytes(data)
    if keep:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"{keep}.pdf").write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return "".join(text.stdout.decode().split())


def member(household, name: str, relation=Relation.CHILD):
    return services.member_add(
        actor=None,
        household=household,
        data=services.MemberData(name=name, id_number=_people.resident_id(), relation=relation),
    )


@pytest.fixture
def full_file(registry):
    """household_a with something in every section: a member, a classification, a document, a
    measure, a visit, a relief payment and a disbursed micro-loan."""
    household = registry.household_a
    actor = registry.caseworker_a
    member(household, "李淼", Relation.SPOUSE)
    services.household_classify(actor=actor, household=household)
    services.document_add(
        actor=actor,
        household=household,
        document_type=DocumentType.objects.get(code="id_card"),
        upload=SimpleUploadedFile("身份证正反面.pdf", TINY_PDF, content_type="application/pdf"),
    )
    services.measure_add(
        actor=actor,
        household=household,
        description="推荐到县人社局参加电焊培训",
        owner="王干事",
        target_date=timezone.localdate() + timedelta(days=30),
    )
    services.visit_record(
        actor=actor,
        household=household,
        visited_on=timezone.localdate() - timedelta(days=3),
        visitors="王干事、刘主席",
        findings="妻子术后恢复良好，孩子学费尚有缺口",
        delivered="米面油一套",
    )
    entitlement = approved_relief(registry, household=household, amount="1200.00")
    line = relief_services.disbursement_pay(
        actor=registry.finance,
        entitlement=entitlement,
        method=Method.CASH,
        amount=Decimal("1200.00"),
        paid_on=timezone.localdate(),
        signed_by="张三",
    )
    loan = disbursed_loan(registry, household=household, principal="15000.00")
    household.refresh_from_db()
    return household, line, loan


def test_a_card_prints_every_section_of_the_file(registry, full_file, tmp_path):
    household, line, loan = full_file
    text = pdf_text(
        build(registry.auditor, {"households": [household.pk]}), tmp_path, keep="full_file"
    )

    # The header, and each page's running header naming the file.
    assert "困难职工家庭档案卡" in text
    assert f"档案号{household.file_number}户主张三" in text
    assert "甲厂工会" in text and "已建档" in text and household.registered_on.isoformat() in text
    # Members, with masked IDs for a reader who may not see them.
    assert "张三户主本人" in text and "李淼配偶" in text
    for person in household.members.all():
        assert resident_ids.mask(person.id_number) in text
        assert person.id_number not in text
    # Income, the means test and the classification with its reason.
    classification = household.classifications.get()
    assert "家庭月收入1500.00元" in text
    assert f"当前认定：{classification.get_category_display()}" in text
    assert "".join(classification.explanation.splitlines()[0].split()) in text
    # The proof checklist: the ID card on file, what the illness requires missing.
    assert "身份证正反面.pdf" in text and "已存档" in text and "缺" in text
    # Help plan, visits, relief received, the loan and the trail.
    assert "推荐到县人社局参加电焊培训王干事" in text
    assert "妻子术后恢复良好，孩子学费尚有缺口" in text and "米面油一套" in text
    assert line.voucher_number in text and "1200.00" in text
    assert loan.programme.name in text and "15000.00" in text
    assert "已建档" in text and "困难认定" in text and "记录走访" in text
    assert "核对人（签字）" in text
    # Numbered per card.
    assert "第1页共" in text
    assert not PersonalDataRead.objects.exists()


def test_full_ids_print_only_for_a_reader_allowed_and_each_read_is_logged(registry, tmp_path):
    household = registry.household_a
    head_id = household.head.id_number

    masked = pdf_text(build(registry.finance, {"households": [household.pk]}), tmp_path)
    assert head_id not in masked and resident_ids.mask(head_id) in masked
    assert not PersonalDataRead.objects.exists()

    full = pdf_text(build(registry.caseworker_a, {"households": [household.pk]}), tmp_path)
    assert head_id in full
    read = PersonalDataRead.objects.get()
    assert (read.reader, read.household, read.application) == (
        registry.caseworker_a,
        household,
        None,
    )


def test_rarer_characters_print_in_an_embedded_font(registry, tmp_path):
    household = household_for(registry.union_a, actor=registry.caseworker_a, name="王䶮")
    for name in ("赵喆", "孙堃", "钱淼"):
        member(household, name)

    data = build(registry.supervisor, {"households": [household.pk]})

    text = pdf_text(data, tmp_path, keep="rare_names")
    for name in ("王䶮", "赵喆", "孙堃", "钱淼"):
        assert name in text
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True)
    rows = fonts.stdout.decode().splitlines()[2:]
    assert any("Noto-Sans-CJK-SC" in row for row in rows)
    for row in rows:
        embedded = row.split()[-5]  # emb sub uni object ID
        assert embedded == "yes", row


def test_a_selection_by_the_lists_filters_gives_one_card_per_household_in_scope(registry, tmp_path):
    second_a = household_for(registry.union_a, actor=registry.caseworker_a, name="周八")
    household_for(registry.union_b, actor=registry.caseworker_b, name="吴九")

    data = build(registry.caseworker_a, {"filters": {"status": ["registered"], "page": ["2"]}})

    text = pdf_text(data, tmp_path)
    assert registry.household_a.file_number in text and second_a.file_number in text
    assert registry.household_b.file_number not in text and "吴九" not in text
    assert text.count("困难职工家庭档案卡") == 2
    assert text.count("第1页共") == 2  # each card starts on a page of its own

    searched = pdf_text(build(registry.caseworker_a, {"filters": {"q": ["周八"]}}), tmp_path)
    assert second_a.file_number in searched and registry.household_a.file_number not in searched
    # From the command line (no reader): the county, any union's filter.
    union_b = pdf_text(build(None, {"filters": {"union": [str(registry.union_b.pk)]}}), tmp_path)
    assert union_b.count("困难职工家庭档案卡") == 2
    assert registry.household_b.file_number in union_b and "吴九" in union_b
    assert registry.household_a.file_number not in union_b


def test_a_filter_the_list_would_refuse_fails_instead_of_widening_the_file(registry):
    with pytest.raises(ReportError, match="筛选条件有误"):
        build(registry.supervisor, {"filters": {"status": ["nonsense"]}})
    with pytest.raises(ReportError, match="没有符合条件的档案"):
        build(registry.supervisor, {"filters": {"q": ["没有这个人"]}})


def test_a_household_out_of_scope_is_refused_and_nothing_is_written(registry):
    asked = [registry.household_a.pk, registry.household_b.pk, 999_999]
    out = io.BytesIO()
    spec = ReportSpec(
        kind="file_cards", format="pdf", reader=registry.caseworker_a, params={"households": asked}
    )

    with pytest.raises(ReportError, match="有 2 户档案不存在或不在您的查看范围内"):
        file_cards.build(spec, out, lambda *args: None)

    assert out.getvalue() == b""
    assert not PersonalDataRead.objects.exists()
    # A county supervisor asking within union A's report: union B's file is out of it.
    with pytest.raises(ReportError, match="有 1 户档案"):
        build(registry.supervisor, {"households": asked[:2]}, union=registry.union_a)
    # Someone with no role of union A may not read its files.
    with pytest.raises(ReportError, match="无权查看"):
        build(registry.outsider, {"households": [registry.household_a.pk]})
    with pytest.raises(ReportError):
        build(registry.supervisor, {"households": ["abc"]})


def test_progress_is_reported_per_card(registry):
    calls = []
    spec = ReportSpec(
        kind="file_cards",
        format="pdf",
        params={"households": [registry.household_a.pk, registry.household_b.pk]},
    )
    file_cards.build(spec, io.BytesIO(), lambda done, *rest: calls.append((done, *rest)))
    # The write of the file is the last stage: 100 % only once it is written.
    card, write = file_cards.STAGE, file_cards.WRITE_STAGE
    assert calls == [(0, 3, card), (1, 3, card), (2, 3, card), (2, 3, write), (3, 3, write)]


def card_pages(data: bytes, tmp_path) -> list[tuple[str, str]]:
    """(file number in the running header, footer) of each page, in order."""
    path = tmp_path / "pages.pdf"
    path.write_bytes(data)
    pages = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    found = []
    for page in pages.stdout.decode().split("\f")[:-1]:
        text = "".join(page.split())
        number = re.search(r"档案号(\d{4}-\d{4}-\d{5})", text).group(1)
        footer = re.findall(r"第\d+页共\d+页", text)[-1]
        found.append((number, footer))
    return found


@pytest.fixture
def three_cards(registry):
    """Three households, each card laid out as a chunk of its own."""
    households = [registry.household_a, registry.household_b]
    households.append(household_for(registry.union_a, actor=registry.caseworker_a, name="周八"))
    for household in households:
        for _ in range(6):  # a card of more than one page
            member(household, _people.name())
    return sorted(households, key=lambda household: household.file_number)


def assert_three_cards(data: bytes, households, tmp_path):
    pages = card_pages(data, tmp_path)
    numbers = [number for number, _ in pages]
    assert sorted(set(numbers), key=numbers.index) == [h.file_number for h in households]
    for household in households:  # numbered per card: 第 1 页 共 n 页 … 第 n 页 共 n 页
        footers = [footer for number, footer in pages if number == household.file_number]
        n = len(footers)
        assert n > 1
        assert footers == [f"第{page}页共{n}页" for page in range(1, n + 1)]


def test_chunks_are_laid_out_in_processes_and_joined_in_order(
    registry, three_cards, tmp_path, settings, monkeypatch, caplog
):
    settings.REPORT_PDF_CHUNK = 1
    settings.REPORT_PDF_PROCESSES = 2
    calls = []
    spec = ReportSpec(
        kind="file_cards", format="pdf", params={"households": [h.pk for h in three_cards]}
    )
    out = io.BytesIO()
    caplog.set_level("INFO", logger=file_cards.__name__)

    file_cards.build(spec, out, lambda done, *rest: calls.append((done, *rest)))

    assert "file cards: 3 cards in 2 process(es)" in caplog.text
    assert_three_cards(out.getvalue(), three_cards, tmp_path)
    assert "困难职工家庭档案卡" in pdf_text(out.getvalue(), tmp_path)
    # The cards' progress, then the join as a stage of its own; 100 % only at the very end.
    assert calls[0] == (0, 4, file_cards.STAGE)
    assert [done for done, _, stage in calls if stage == file_cards.STAGE][-1] == 3
    assert calls[-2:] == [(3, 4, file_cards.JOIN_STAGE), (4, 4, file_cards.JOIN_STAGE)]
    assert all(done < total for done, total, _ in calls[:-1])


def test_cards_are_laid_out_here_when_no_process_can_be_started(
    registry, three_cards, tmp_path, settings, monkeypatch, caplog
):
    class Refused:  # what a daemonic process gets from multiprocessing
        def __init__(self, *args, **kwargs):
            pass

        def submit(self, *args, **kwargs):
            raise AssertionError("daemonic processes are not allowed to have children")

        def shutdown(self, *args, **kwargs):
            pass

    settings.REPORT_PDF_CHUNK = 1
    monkeypatch.setattr(file_cards, "ProcessPoolExecutor", Refused)
    settings.REPORT_PDF_PROCESSES = 4
    caplog.set_level("INFO", logger=file_cards.__name__)

    data = build(None, {"households": [h.pk for h in three_cards]})

    assert "laid out in one process" in caplog.text
    assert "file cards: 3 cards in 1 process(es)" in caplog.text
    assert_three_cards(data, three_cards, tmp_path)


def households_with_everything(registry, count: int) -> list[int]:
    ids = []
    for _ in range(count):
        household = household_for(registry.union_a, actor=registry.caseworker_a)
        member(household, _people.name())
        services.household_classify(actor=registry.caseworker_a, household=household)
        services.visit_record(
            actor=registry.caseworker_a,
            household=household,
            visited_on=timezone.localdate(),
            visitors="王干事",
            findings="家中老人住院",
        )
        ids.append(household.pk)
    return ids


def test_the_queries_are_the_same_for_2_households_as_for_5(registry):
    ids = households_with_everything(registry, 5)
    approved_relief(registry, household=registry.household_a)

    counts = []
    for selection in (ids[:2], ids):
        reader = User.objects.get(pk=registry.caseworker_a.pk)  # its roles not yet loaded
        with CaptureQueriesContext(connection) as queries:
            build(reader, {"households": selection})
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 22
