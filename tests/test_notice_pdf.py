"""The notice as posted: names and amounts, never what the page must hide — in the HTML source
and in the PDF's text layer alike."""

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from cases import services
from cases.models import Kind
from cases.printing import notice_context, notice_pdf
from tests.test_cases_services import file_registration, posted, through_review

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "notice"


@pytest.fixture
def notice(registry):
    registration = file_registration(registry)
    through_review(registry, registration)
    relief = services.application_file_for_household(
        actor=registry.caseworker_b,
        household=registry.household_b,
        kind=Kind.RELIEF,
        reason="住院手术，自付费用高",
        programme="医疗救助",
        requested_amount=Decimal("1500.00"),
    )
    services.application_submit(actor=registry.caseworker_b, application=relief)
    services.application_review(actor=registry.supervisor, application=relief)
    return posted(registry, registration, relief, start=timezone.localdate())


def pdf_text(data: bytes, name: str) -> str:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(ARTIFACTS / name)], check=True)
    return text.stdout.decode()


def hidden_values(registry) -> list[str]:
    household = registry.household_b
    head_id = household.head.id_number
    return [
        head_id,
        head_id[6:14],
        household.phone or "13800000000",
        "1500.00元/月",
        str(household.monthly_income),
    ]


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
        "1,500.00",
        "第 1 页，共 1 页",
        "盖章",
    ]:
        assert expected in text, expected
    assert "建档申请" in text or "Registration" not in text


def test_the_pdf_and_the_html_never_hold_an_id_phone_or_income(notice, registry):
    text = pdf_text(notice_pdf(notice), "notice-private")
    html = render_to_string("cases/notice_print.html", notice_context(notice))
    for secret in [registry.household_b.head.id_number, "11010519"]:
        assert secret not in text
        assert secret not in html
    assert "住院手术" not in text and "住院手术" not in html  # the reason (a diagnosis) stays out
    assert str(registry.household_b.monthly_income) not in html


def test_a_county_that_shows_ids_shows_six_and_four_only(notice, registry):
    notice.show_masked_ids = True
    notice.save()
    number = registry.household_b.head.id_number
    text = pdf_text(notice_pdf(notice), "notice-masked")
    assert f"{number[:6]}********{number[-4:]}" in text
    assert number not in text
    assert number[6:14] not in text
