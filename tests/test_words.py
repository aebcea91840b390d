"""Words a person reads: a person's name is 姓名 (a thing's is 名称), the import template's
hidden list sheet is headed in Chinese, and the date cells of the lists do not wrap."""

import io
import re
from pathlib import Path

import openpyxl
from django.utils import translation

from households.forms import MemberForm
from households.models import Member
from households.workbook import LISTS_SHEET, build_template

ROOT = Path(__file__).resolve().parent.parent


def test_a_persons_name_is_labelled_xingming():
    with translation.override("zh-hans"):
        assert str(Member._meta.get_field("name").verbose_name) == "姓名"
        assert str(MemberForm().fields["name"].label) == "姓名"


def test_the_templates_label_people_by_full_name():
    for name in ("households/detail.html", "helpcenter/union_detail.html"):
        text = (ROOT / "templates" / name).read_text()
        assert '{% translate "Full name" %}' in text, name


def test_the_template_lists_are_headed_in_chinese():
    book = openpyxl.load_workbook(io.BytesIO(build_template(unions=[])))
    headers = [cell.value for cell in book[LISTS_SHEET][1]]
    assert "致困原因" in headers and "所属工会" in headers
    assert [header for header in headers if re.search(r"[A-Za-z]", header)] == []


def test_date_cells_stay_on_one_line():
    css = (ROOT / "static" / "css" / "helpcenter.css").read_text()
    assert re.search(r"\.hc-date\s*\{\s*white-space:\s*nowrap", css)
    for name in ("cases/application_list.html", "households/_list_rows.html"):
        text = (ROOT / "templates" / name).read_text()
        assert 'class="hc-date"' in text, name
