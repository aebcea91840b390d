"""The notice as posted: names and amounts, never what the page must hide — in the HTML source
and in the PDF's text layer alike."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from cases import services
from cases.models import NoticeRow
from cases.printing import notice_context, notice_pdf
from tests.factories import relief_application_for
from tests.test_cases_services import file_registration, posted, through_review

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "notice"


@pytest.fixture
def listed(registry):
    """A registration of union A and a relief application of union B, both reviewed."""
    registration = file_registration(registry)
    through_review(registry, registration)
    relief = relief_application_for(
        household=registry.household_b,
        filer=registry.caseworker_b,
        reason="住院手术，自付费用高",
        amount="1000.00",
    )
    services.application_submit(actor=registry.caseworker_b, application=relief)
    services.application_review(actor=registry.supervisor, application=relief)
    return [registration, relief]


@pytest.fixture
def notice(registry, listed):
    return posted(registry, *listed, start=timezone.localdate())


def pdf_text(data: bytes, name: str) -> str:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(ARTIFACTS / name)], check=True)
    return text.stdout.decode()


def hidden_values(registry, notice) -> list[str]:
    """What the posted notice must never hold: every listed person's full ID, its birth-date
    digits, phones, incomes and the reasons given (they may name a diagnosis)."""
    values = []
    for application in notice.applications.select_related("household__head"):
        if application.household is not None:
            number = application.household.head.id_number
            values += [application.household.phone, str(application.household.monthly_income)]
        else:
            number = application.proposal["head"]["id_number"]
            values.append(application.proposal["fields"]["monthly_income"])
        values += [number, number[6:14], application.reason]
    return [value for value in values if value]


pytestmark = [
    pytestmark,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils"),
]


def test_the_pdf_lists_names_unions_programmes_and_amounts(notice, registry):
    text = pdf_text(notice_pdf(notice), "notice")
    for expected in [
        "2026年困难职工建档公示",
        "赵建国",
        "甲厂工会",
        "李四",
        "乙镇工会",
        "医疗救助",
        "1,000.00",
        "第 1 页，共 1 页",
        "盖章",
    ]:
        assert expected in text, expected
    assert "建档申请" in text or "Registration" not in text


def test_the_pdf_and_the_html_never_hold_an_id_phone_or_income(client, notice, registry):
    from django.urls import reverse

    registry.household_b.phone = "13912345678"
    registry.household_b.save()
    text = pdf_text(notice_pdf(notice), "notice-private")
    html = render_to_string("cases/notice_print.html", notice_context(notice))
    client.force_login(registry.supervisor)
    page = client.get(reverse("cases:notice_detail", args=[notice.pk])).content.decode()
    secrets = hidden_values(registry, notice)
    assert "13912345678" in secrets and len(secrets) >= 8
    for secret in secrets:
        assert secret not in text, secret
        assert secret not in html, secret
        assert secret not in page, secret


def test_a_county_that_shows_ids_shows_six_and_four_only(listed, registry):
    draft = services.notice_create(
        actor=registry.supervisor,
        union=registry.county,
        title="2026年困难职工建档公示",
        place="县总工会一楼公示栏",
        contact="县总工会帮扶中心 0311-1234567",
        start_on=timezone.localdate(),
        working_days=5,
        applications=listed,
        show_masked_ids=True,
    )
    notice = services.notice_publish(actor=registry.supervisor, notice=draft)
    number = registry.household_b.head.id_number
    text = pdf_text(notice_pdf(notice), "notice-masked")
    assert f"{number[:6]}********{number[-4:]}" in text
    assert number not in text
    assert number[6:14] not in text
    frozen = NoticeRow.objects.get(notice=notice, name="李四")
    assert frozen.masked_id == f"{number[:6]}********{number[-4:]}"


def test_the_frozen_rows_hold_only_what_a_notice_may_show(notice, registry):
    """The rows kept at posting carry the published text and nothing the page must hide, and
    the PDF printed from them later (the archive at close) holds nothing more."""
    secrets = hidden_values(registry, notice)
    frozen = list(
        NoticeRow.objects.filter(notice=notice).values(
            "name", "union_name", "programme", "category", "amount", "masked_id"
        )
    )
    assert [row["name"] for row in frozen] == ["赵建国", "李四"]
    assert [row["masked_id"] for row in frozen] == ["", ""]  # this notice shows no IDs
    stored = " ".join(str(value) for row in frozen for value in row.values())
    for secret in secrets:
        assert secret not in stored, secret
    registry.household_b.phone = "13912345678"
    registry.household_b.save()
    text = pdf_text(notice_pdf(notice), "notice-frozen")
    assert "李四" in text and "1,000.00" in text
    for secret in [*secrets, "13912345678"]:
        assert secret not in text, secret
