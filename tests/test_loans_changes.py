"""Changing what was decided on a micro-loan: a returned (退回) loan application edited by its
caseworker and submitted again, checked as when filed; a write-off proposal rejected with a
reason by someone other than the proposer, and the loan proposed again later; a loan's line
refused by the ledger's own reversal, which points to the loan's page. Every refusal leaves the
database as it was."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from cases import services as case_services
from cases.models import Application, ApplicationStep
from helpcenter.errors import DomainError
from relief import lending, services
from relief.models import (
    Disbursement,
    Guarantor,
    LineKind,
    Loan,
    LoanState,
    Repayment,
    WriteOff,
    WriteOffState,
)
from tests.factories import UserFactory
from tests.loan_support import disbursed_loan, file_loan, guarantor, loan_programme

pytestmark = pytest.mark.django_db


def _state() -> tuple:
    """What an edit or a decision may change, to compare before and after a refusal."""
    return (
        list(Loan.objects.order_by("pk").values_list("principal", "term_months", "purpose")),
        list(Guarantor.objects.order_by("pk").values_list("pk", "name", "share")),
        list(Application.objects.order_by("pk").values_list("state", "requested_amount")),
        ApplicationStep.objects.count(),
        list(WriteOff.objects.order_by("pk").values_list("state", "rejection_reason")),
        Disbursement.objects.count(),
    )


def _refused(call, *, says: str) -> str:
    before = _state()
    with translation.override("en"), pytest.raises(DomainError) as error:
        call()
    assert _state() == before
    assert says in error.value.message, error.value.message
    return error.value.message


# --- Editing a returned loan application --------------------------------------------------------


def _returned(people, **filing) -> Application:
    application = file_loan(people, **filing)
    case_services.application_submit(actor=people.caseworker_a, application=application)
    return case_services.application_return(
        actor=people.supervisor, application=application, reason="担保人须为公职人员，金额过高"
    )


def _edit(people, application, *, actor=None, **changes):
    values = {
        "principal": Decimal("20000.00"),
        "term_months": 24,
        "purpose": "开办修车铺",
        "business_plan": "租门面，购工具，雇工一人。",
        "laid_off_employed": 0,
        "guarantors": [guarantor(name="李老师"), guarantor(name="张医生", share="50")],
    }
    values.update(changes)
    return lending.loan_application_update(
        actor=actor or people.caseworker_a, application=application, **values
    )


def test_a_returned_loan_application_is_edited_and_submitted_again(registry):
    people = registry
    application = _returned(people)
    assert application.state == "returned"
    _edit(people, application)
    loan = Loan.objects.get(application=application)
    application.refresh_from_db()
    assert (loan.principal, loan.term_months, loan.purpose, loan.state) == (
        Decimal("20000.00"),
        24,
        "开办修车铺",
        LoanState.APPLIED,
    )
    assert list(loan.guarantors.values_list("name", "share")) == [
        ("李老师", Decimal("100.00")),
        ("张医生", Decimal("50.00")),
    ]
    assert (application.requested_amount, application.reason) == (Decimal("20000.00"), "开办修车铺")
    step = application.steps.order_by("-id").first()
    assert (step.actor, step.from_state, step.to_state) == (
        people.caseworker_a,
        "returned",
        "returned",
    )
    assert "20000.00" in step.comment and "李老师" in step.comment
    case_services.application_submit(actor=people.caseworker_a, application=application)
    application.refresh_from_db()
    assert application.state == "submitted"


def test_an_edit_is_checked_as_the_filing_is(registry):
    people = registry
    application = _returned(people)
    cases = [
        ({"principal": Decimal("9999.99")}, "from 10000.00 to 50000.00"),
        ({"principal": Decimal("60000.00")}, "only when the business employs 10"),
        ({"term_months": 18}, "12、24"),
        ({"purpose": " "}, "purpose of the loan"),
        ({"guarantors": []}, "from 1 to 2 guarantors"),
        ({"guarantors": [guarantor(kind="external")]}, "accepts guarantors of these kinds only"),
        ({"guarantors": [guarantor(share="40")]}, "from 50.00 % to 100 %"),
        (
            {"guarantors": [guarantor(id_number=people.household_a.head.id_number)]},
            "member of the borrower's household",
        ),
    ]
    for changes, says in cases:
        _refused(lambda c=changes: _edit(people, application, **c), says=says)


def test_the_loans_own_guarantees_do_not_count_against_its_guarantors(registry):
    people = registry
    programme = loan_programme(guarantor_max_open_loans=1)
    person = guarantor(name="王会计")
    application = _returned(people, programme=programme, guarantors=[person])
    _edit(people, application, principal=Decimal("15000.00"), term_months=12, guarantors=[person])
    assert Loan.objects.get(application=application).principal == Decimal("15000.00")
    other = file_loan(people, household=people.household_b, programme=programme)
    returned_b = case_services.application_return(
        actor=people.supervisor,
        application=case_services.application_submit(actor=people.caseworker_b, application=other),
        reason="换担保人",
    )
    _refused(
        lambda: _edit(people, returned_b, actor=people.caseworker_b, guarantors=[person]),
        says="already guarantees 1 open loans",
    )


def test_only_a_draft_or_returned_application_in_scope_is_edited(registry):
    people = registry
    application = file_loan(people)
    case_services.application_submit(actor=people.caseworker_a, application=application)
    _refused(lambda: _edit(people, application), says="cannot be edited")
    returned = _returned(people, household=people.household_a)
    _refused(lambda: _edit(people, returned, actor=people.caseworker_b), says="another union")
    _refused(lambda: _edit(people, returned, actor=people.finance), says="Only a")


def test_the_generic_edit_refuses_a_loan_application(registry):
    people = registry
    application = _returned(people)
    _refused(
        lambda: case_services.application_update(
            actor=people.caseworker_a,
            application=application,
            reason="改",
            requested_amount=Decimal("99999.00"),
        ),
        says="on its own form",
    )


def _guarantor_rows(*rows: dict) -> dict:
    data = {
        "guarantors-TOTAL_FORMS": "3",
        "guarantors-INITIAL_FORMS": str(len(rows)),
        "guarantors-MIN_NUM_FORMS": "0",
        "guarantors-MAX_NUM_FORMS": "5",
    }
    for index, row in enumerate(rows):
        data.update({f"guarantors-{index}-{name}": value for name, value in row.items()})
    return data


def test_the_edit_page_shows_the_application_and_saves_the_changes(client, registry):
    people = registry
    application = _returned(people)
    kept = Loan.objects.get(application=application).guarantors.get()
    client.force_login(people.caseworker_a)
    edit = reverse("relief:loan_edit", args=[application.pk])
    assert client.get(reverse("cases:application_edit", args=[application.pk])).url == edit
    page = client.get(edit)
    assert page.status_code == 200
    body = page.content.decode()
    assert kept.id_number in body and "12000.00" in body
    data = {
        "principal": "１８０００",
        "term_months": "24",
        "purpose": "开办早餐店",
        "business_plan": "扩大门面。",
        "laid_off_employed": "0",
        **_guarantor_rows(
            {
                "kind": kept.kind,
                "name": kept.name,
                "id_number": kept.id_number,
                "work_unit": kept.work_unit,
                "share": "100",
            },
            {"kind": "", "name": "", "id_number": "", "work_unit": "", "share": ""},
        ),
    }
    response = client.post(edit, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    loan = Loan.objects.get(application=application)
    assert (loan.principal, loan.term_months) == (Decimal("18000.00"), 24)
    assert list(loan.guarantors.values_list("id_number", flat=True)) == [kept.id_number]
    # Refused: the form again with the reason, nothing changed.
    with translation.override("en"):
        refused = client.post(edit, {**data, "term_months": "18"})
    assert refused.status_code == 200
    assert Loan.objects.get(application=application).term_months == 24
    # Once submitted, the page sends the caseworker back to the application.
    case_services.application_submit(actor=people.caseworker_a, application=application)
    assert client.get(edit).url == reverse("cases:application_detail", args=[application.pk])
    client.force_login(people.caseworker_b)
    assert client.get(edit).status_code == 404


# --- Rejecting a write-off --------------------------------------------------------------------


def _overdue_loan(people) -> Loan:
    return disbursed_loan(
        people,
        disbursed_on=timezone.localdate() - timedelta(days=500),
        first_due=timezone.localdate() - timedelta(days=470),
    )


def test_a_write_off_is_rejected_with_a_reason_and_the_loan_proposed_again(registry):
    people = registry
    loan = _overdue_loan(people)
    proposal = lending.write_off_propose(actor=people.supervisor, loan=loan, reason="无力偿还")
    _refused(
        lambda: lending.write_off_propose(actor=people.finance, loan=loan, reason="再提"),
        says="already been proposed",
    )
    _refused(
        lambda: lending.write_off_reject(actor=people.supervisor, write_off=proposal, reason="否"),
        says="another supervisor",
    )
    other = UserFactory(username="supervisor_two", union=people.county, roles=["supervisor"])
    _refused(
        lambda: lending.write_off_reject(actor=other, write_off=proposal, reason=" "),
        says="State why the write-off is rejected",
    )
    _refused(
        lambda: lending.write_off_reject(actor=people.finance, write_off=proposal, reason="不同意"),
        says="Only a",
    )
    lending.write_off_reject(actor=other, write_off=proposal, reason="借款人已恢复经营")
    proposal.refresh_from_db()
    loan.refresh_from_db()
    assert (proposal.state, proposal.rejected_by, proposal.rejection_reason) == (
        WriteOffState.REJECTED,
        other,
        "借款人已恢复经营",
    )
    assert loan.state == LoanState.DISBURSED
    assert not loan.guarantors.filter(obligation__isnull=False).exists()
    trail = loan.application.steps.order_by("-id").first()
    assert trail.actor == other and "借款人已恢复经营" in trail.comment
    _refused(
        lambda: lending.write_off_approve(actor=other, write_off=proposal),
        says="already decided",
    )
    _refused(
        lambda: lending.write_off_reject(actor=other, write_off=proposal, reason="再"),
        says="already decided",
    )
    again = lending.write_off_propose(actor=people.finance, loan=loan, reason="仍无力偿还")
    assert again.pk != proposal.pk and again.state == WriteOffState.PROPOSED
    lending.write_off_approve(actor=people.supervisor, write_off=again)
    loan.refresh_from_db()
    assert loan.state == LoanState.WRITTEN_OFF
    assert list(loan.write_offs.values_list("state", flat=True)) == ["approved", "rejected"]


def test_the_loan_page_rejects_a_write_off(client, registry):
    people = registry
    loan = _overdue_loan(people)
    lending.write_off_propose(actor=people.finance, loan=loan, reason="无力偿还")
    page = reverse("relief:loan_detail", args=[loan.pk])
    reject = reverse("relief:write_off_reject", args=[loan.pk])
    client.force_login(people.finance)
    assert client.post(reject, {"reason": "不同意"}).status_code == 403
    client.force_login(people.supervisor)
    assert 'data-testid="reject-write-off"' in client.get(page).content.decode()
    client.post(reject, {"reason": ""})
    assert WriteOff.objects.get(loan=loan).state == WriteOffState.PROPOSED
    assert client.post(reject, {"reason": "借款人已恢复经营"}).url == page
    assert WriteOff.objects.get(loan=loan).state == WriteOffState.REJECTED
    body = client.get(page).content.decode()
    assert "借款人已恢复经营" in body
    assert reverse("relief:write_off_propose", args=[loan.pk]) in body  # may be proposed again
    assert client.post(reject, {"reason": "再"}).status_code == 404  # nothing left to decide


# --- The ledger's reversal and a loan's lines ----------------------------------------------------


def test_the_ledger_refuses_to_reverse_a_loan_line(registry):
    people = registry
    loan = disbursed_loan(people)
    repayment = lending.loan_repay(
        actor=people.finance, loan=loan, amount=Decimal("60.00"), paid_on=date(2025, 2, 10)
    )
    for line in (loan.disbursement_line, repayment.line):
        message = _refused(
            lambda ln=line: services.disbursement_reverse(
                actor=people.finance, line=ln, reason="错账", paid_on=timezone.localdate()
            ),
            says="belongs to a micro-loan",
        )
        assert "loan's page" in message
    with pytest.raises(DomainError) as error:
        services.ensure_not_loan_line(repayment.line)
    assert "不能在台账中冲销" in error.value.message  # in Chinese by default


def test_the_ledger_reversal_page_sends_loan_lines_to_the_loan(client, registry):
    people = registry
    loan = disbursed_loan(people)
    repayment = lending.loan_repay(
        actor=people.finance, loan=loan, amount=Decimal("60.00"), paid_on=date(2025, 2, 10)
    )
    client.force_login(people.finance)
    before = Disbursement.objects.count()
    out = client.post(
        reverse("relief:reverse_line", args=[loan.disbursement_line_id]),
        {"reason": "错账", "paid_on": timezone.localdate().isoformat()},
    )
    assert out.url == reverse("relief:loan_detail", args=[loan.pk])
    assert Disbursement.objects.count() == before
    assert "不能在台账中冲销" in client.get(out.url).content.decode()
    routed = client.get(reverse("relief:reverse_line", args=[repayment.line_id]))
    assert routed.url == reverse("relief:repayment_reverse", args=[loan.pk, repayment.pk])
    assert Disbursement.objects.count() == before
    assert not Repayment.objects.filter(reverses=repayment).exists()
    assert Disbursement.objects.filter(kind=LineKind.REVERSAL).count() == 0
