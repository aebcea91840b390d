"""Loan programmes as data in the admin site: the county administrator adds and changes them on
a form in Chinese (terms typed as 12、24, kinds of guarantor ticked), exports and imports them as
xlsx with Chinese headers; a programme whose limits disagree is refused, nothing saved; a
grassroots administrator is refused."""

from decimal import Decimal

import pytest
from django.urls import reverse
from tablib import Dataset

from relief.admin import LoanProgrammeResource
from relief.models import Fund, GuarantorKind, LoanProgramme, Programme
from tests.loan_support import loan_programme
from tests.test_translations import ALLOWED_ENGLISH, english_words

pytestmark = pytest.mark.django_db


def _form(programme: LoanProgramme, **changes) -> dict:
    data = {
        "name": "再就业创业借款",
        "lender_kind": "partner",
        "lender_name": "县农村信用联社",
        "ledger_programme": programme.ledger_programme_id,
        "active": "on",
        "amount_min": "10000",
        "amount_max": "50000",
        "amount_max_employing": "100000",
        "employing_at_least": "10",
        "terms": "12、24",
        "method": "equal_instalment",
        "annual_rate": "0.0435",
        "borrower_rate_cap": "0.01",
        "guarantors_min": "1",
        "guarantors_max": "2",
        "guarantor_kinds": ["worker", "public_staff"],
        "guarantor_min_share": "50",
        "guarantor_max_open_loans": "2",
        "fund": programme.fund_id,
        "subsidy_fund": programme.subsidy_fund_id,
        "write_off_after_days": "360",
    }
    data.update(changes)
    return data


def test_the_county_administrator_adds_a_loan_programme(client, registry):
    existing = loan_programme()
    client.force_login(registry.administrator)
    add = reverse("admin:relief_loanprogramme_add")
    assert client.get(add).status_code == 200
    response = client.post(add, _form(existing))
    assert response.status_code == 302, response.content.decode()[:3000]
    added = LoanProgramme.objects.get(name="再就业创业借款")
    assert added.terms == [12, 24]
    assert added.guarantor_kinds == ["worker", "public_staff"]
    assert (added.annual_rate, added.lender) == (Decimal("0.04350"), "县农村信用联社")
    page = client.get(reverse("admin:relief_loanprogramme_change", args=[added.pk]))
    assert 'value="12、24"' in page.content.decode()


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"terms": "一年"}, "请按月填写期限"),
        ({"terms": "0、12"}, "每项 1 至 120"),
        ({"borrower_rate_cap": "0.05"}, "不能高于年利率"),
        ({"guarantors_min": "3"}, "不能少于"),
        ({"amount_max_employing": "20000"}, "不能低于"),
        ({"lender_name": ""}, "请填写合作金融机构名称"),
        ({"amount_min": "60000"}, "最高借款额不能低于最低借款额"),
    ],
)
def test_a_loan_programme_whose_rules_disagree_is_refused(client, registry, changes, says):
    existing = loan_programme()
    client.force_login(registry.administrator)
    before = list(LoanProgramme.objects.values())
    page = client.post(reverse("admin:relief_loanprogramme_add"), _form(existing, **changes))
    assert page.status_code == 200
    assert says in page.content.decode()
    assert list(LoanProgramme.objects.values()) == before


def test_the_loan_programme_pages_are_in_chinese(client, registry):
    programme = loan_programme()
    client.force_login(registry.administrator)
    allowed = ALLOWED_ENGLISH | set(Programme.objects.values_list("code", flat=True))
    allowed |= set(Fund.objects.values_list("code", flat=True))
    for url in [
        reverse("admin:relief_loanprogramme_changelist"),
        reverse("admin:relief_loanprogramme_add"),
        reverse("admin:relief_loanprogramme_change", args=[programme.pk]),
    ]:
        page = client.get(url)
        assert page.status_code == 200, url
        assert english_words(page.content.decode(), allowed) == set(), url


def test_loan_programmes_go_out_and_come_back_as_a_sheet(registry):
    programme = loan_programme()
    exported = LoanProgrammeResource().export()
    assert exported.headers[:3] == ["编号", "名称", "出借方"]
    row = dict(zip(exported.headers, exported[0], strict=True))
    assert row["借款期限（月）"] == "12、24"
    assert row["担保人类型"] == "、".join(
        str(GuarantorKind(kind).label) for kind in programme.guarantor_kinds
    )
    assert "等额本金" in row["还款方式"]
    row["最高借款额（元）"] = "60000"
    good = Dataset(headers=exported.headers)
    good.append([row[h] for h in exported.headers])
    result = LoanProgrammeResource().import_data(good, dry_run=False, use_transactions=True)
    assert not result.has_errors() and not result.has_validation_errors()
    programme.refresh_from_db()
    assert programme.amount_max == Decimal("60000.00")
    bad = Dataset(headers=exported.headers)
    bad.append(
        [
            {**row, "借款期限（月）": "一年", "最高借款额（元）": "70000"}[h]
            for h in exported.headers
        ]
    )
    result = LoanProgrammeResource().import_data(
        bad, dry_run=False, use_transactions=True, rollback_on_validation_errors=True
    )
    assert result.has_errors() or result.has_validation_errors()
    programme.refresh_from_db()
    assert (programme.amount_max, programme.terms) == (Decimal("60000.00"), [12, 24])


def test_a_grassroots_administrator_may_not_keep_loan_programmes(client, registry):
    client.force_login(registry.administrator_a)
    assert client.get(reverse("admin:relief_loanprogramme_changelist")).status_code == 403
    client.force_login(registry.caseworker_a)
    assert not registry.caseworker_a.has_perm("relief.change_loanprogramme")
    assert registry.administrator.has_perm("relief.change_loanprogramme")
