"""What the review of the micro-loans found: the application page offers Edit on a returned loan
application only to those who may edit a loan (its caseworkers, who file loans), and a
write-off is approved only on the figures it was proposed with: a repayment or a reversal
recorded since refuses the approval, which changes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from cases import services as case_services
from helpcenter.errors import DomainError
from relief import lending
from relief.lending.write_off import _outstanding
from relief.models import Disbursement, Guarantor, Loan, LoanState, Repayment, WriteOff
from tests.loan_support import disbursed_loan, file_loan, guarantor

pytestmark = pytest.mark.django_db


# --- Edit on the application page ---------------------------------------------------------------


def _edit_link(client, application) -> str:
    return f'href="{reverse("cases:application_edit", args=[application.pk])}"'


def _page(client, application) -> str:
    page = client.get(reverse("cases:application_detail", args=[application.pk]))
    assert page.status_code == 200
    return page.content.decode()


def test_only_a_caseworker_is_offered_edit_on_a_returned_loan_application(client, registry):
    people = registry
    application = file_loan(people)
    case_services.application_submit(actor=people.caseworker_a, application=application)
    case_services.application_return(
        actor=people.supervisor, application=application, reason="担保人须为公职人员"
    )
    client.force_login(people.supervisor)
    assert _edit_link(client, application) not in _page(client, application)
    client.force_login(people.caseworker_a)
    assert _edit_link(client, application) in _page(client, application)
    edit = client.get(reverse("cases:application_edit", args=[application.pk]), follow=True)
    assert edit.status_code == 200
    assert edit.redirect_chain[-1][0] == reverse("relief:loan_edit", args=[application.pk])


def test_a_supervisor_is_still_offered_edit_on_other_kinds(client, workflow):
    people = workflow
    client.force_login(people.supervisor)
    assert _edit_link(client, people.application_a) in _page(client, people.application_a)
    page = client.get(reverse("cases:application_edit", args=[people.application_a.pk]))
    assert page.status_code == 200


# --- Approving a write-off on the figures it was proposed with ---------------------------------


def _overdue_loan(people) -> Loan:
    today = timezone.localdate()
    return disbursed_loan(
        people,
        disbursed_on=today - timedelta(days=500),
        first_due=today - timedelta(days=470),
        guarantors=[guarantor(name="担保甲", share="100"), guarantor(name="担保乙", share="50")],
    )


def _state() -> tuple:
    """The loans, the write-offs, the guarantors' obligations and the ledger."""
    return (
        list(Loan.objects.order_by("pk").values_list("pk", "state")),
        list(
            WriteOff.objects.order_by("pk").values(
                "state",
                "approved_by",
                "approved_at",
                "guarantor_obligations",
                "principal_outstanding",
                "interest_outstanding",
            )
        ),
        list(Guarantor.objects.order_by("pk").values_list("pk", "obligation")),
        list(Disbursement.objects.order_by("pk").values_list("pk", "amount", "kind")),
        Repayment.objects.count(),
    )


def _approval_refused(people, proposal) -> str:
    before = _state()
    with translation.override("zh-hans"), pytest.raises(DomainError) as error:
        lending.write_off_approve(actor=people.supervisor, write_off=proposal)
    assert _state() == before
    return error.value.message


def test_a_repayment_after_the_proposal_refuses_the_approval(registry):
    people = registry
    loan = _overdue_loan(people)
    proposal = lending.write_off_propose(actor=people.finance, loan=loan, reason="无力偿还")
    assert proposal.principal_outstanding == Decimal("12000.00")
    lending.loan_repay(
        actor=people.finance, loan=loan, amount=Decimal("500.00"), paid_on=timezone.localdate()
    )
    message = _approval_refused(people, proposal)
    assert "核销" in message and "驳回" in message and "重新" in message, message
    # What changed, with the proposal's figures and the current ones.
    _principal, interest = _outstanding(loan, on=timezone.localdate())
    assert str(proposal.interest_outstanding) in message and str(interest) in message
    assert Loan.objects.get(pk=loan.pk).state == LoanState.DISBURSED


def test_a_reversal_after_the_proposal_refuses_the_approval(registry):
    people = registry
    loan = _overdue_loan(people)
    repayment = lending.loan_repay(
        actor=people.finance,
        loan=loan,
        amount=Decimal("1500.00"),
        paid_on=timezone.localdate() - timedelta(days=10),
    )
    proposal = lending.write_off_propose(actor=people.finance, loan=loan, reason="无力偿还")
    lending.repayment_reverse(
        actor=people.finance, repayment=repayment, reason="录错", paid_on=timezone.localdate()
    )
    message = _approval_refused(people, proposal)
    assert "驳回" in message, message
    # Rejected and proposed again, it is approved on the current figures.
    lending.write_off_reject(actor=people.supervisor, write_off=proposal, reason="数额已变")
    again = lending.write_off_propose(actor=people.finance, loan=loan, reason="无力偿还")
    lending.write_off_approve(actor=people.supervisor, write_off=again)
    assert Loan.objects.get(pk=loan.pk).state == LoanState.WRITTEN_OFF


def test_an_unchanged_loan_is_written_off_on_the_proposals_figures(registry):
    people = registry
    loan = _overdue_loan(people)
    proposal = lending.write_off_propose(actor=people.finance, loan=loan, reason="无力偿还")
    lines = Disbursement.objects.count()
    lending.write_off_approve(actor=people.supervisor, write_off=proposal)
    loan.refresh_from_db()
    proposal.refresh_from_db()
    assert (loan.state, proposal.state, proposal.approved_by) == (
        LoanState.WRITTEN_OFF,
        "approved",
        people.supervisor,
    )
    owed = proposal.principal_outstanding + proposal.interest_outstanding
    assert [g.obligation for g in loan.guarantors.order_by("id")] == [
        owed,
        (owed / 2).quantize(Decimal("0.01")),
    ]
    assert Disbursement.objects.count() == lines


def test_an_instalment_falling_due_since_the_proposal_is_no_change(registry):
    """Only repayments and reversals change a proposal's figures, not the calendar."""
    people = registry
    today = timezone.localdate()
    loan = disbursed_loan(
        people,
        term=24,
        disbursed_on=today - timedelta(days=400),
        first_due=today - timedelta(days=370),
    )
    proposal = lending.write_off_propose(actor=people.finance, loan=loan, reason="无力偿还")
    # As if proposed 35 days ago: an instalment has fallen due since, adding interest owed.
    then = timezone.now() - timedelta(days=35)
    _principal, interest_then = _outstanding(loan, on=timezone.localdate(then))
    assert interest_then < proposal.interest_outstanding
    WriteOff.objects.filter(pk=proposal.pk).update(
        proposed_at=then, interest_outstanding=interest_then
    )
    lending.write_off_approve(actor=people.supervisor, write_off=proposal)
    assert Loan.objects.get(pk=loan.pk).state == LoanState.WRITTEN_OFF


def test_the_loan_page_shows_why_the_approval_was_refused(client, registry):
    people = registry
    loan = _overdue_loan(people)
    lending.write_off_propose(actor=people.finance, loan=loan, reason="无力偿还")
    lending.loan_repay(
        actor=people.finance, loan=loan, amount=Decimal("500.00"), paid_on=timezone.localdate()
    )
    client.force_login(people.supervisor)
    page = client.post(reverse("relief:write_off_approve", args=[loan.pk]), follow=True)
    assert page.status_code == 200
    assert "请驳回本次核销申请" in page.content.decode()
    assert WriteOff.objects.get(loan=loan).state == "proposed"
    assert Loan.objects.get(pk=loan.pk).state == LoanState.DISBURSED


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_an_approval_and_a_repayment_at_once_do_not_both_go_through(registry):
    """On PostgreSQL: both take the loan's row; whichever comes second is refused."""
    from tests.test_household_races import run_together

    people = registry
    loan = _overdue_loan(people)
    proposal = lending.write_off_propose(actor=people.finance, loan=loan, reason="无力偿还")
    errors = run_together(
        lambda: lending.write_off_approve(actor=people.supervisor, write_off=proposal),
        lambda: lending.loan_repay(
            actor=people.finance, loan=loan, amount=Decimal("500.00"), paid_on=timezone.localdate()
        ),
    )
    assert len(errors) == 1, errors
    written_off = Loan.objects.get(pk=loan.pk).state == LoanState.WRITTEN_OFF
    assert written_off == (Repayment.objects.count() == 0)
    assert WriteOff.objects.get(pk=proposal.pk).state == ("approved" if written_off else "proposed")
