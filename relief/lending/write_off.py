"""核销: a loan past the programme's threshold proposed for write-off with a reason, then approved
(the guarantors' obligations recorded) or rejected (the reason kept; the loan goes on being
repaid and may be proposed again), each by a supervisor other than the proposer."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.services import _note
from helpcenter.models import Role, User
from relief.lending.common import (
    ZERO,
    _ensure_in_scope,
    _locked,
    _require,
)
from relief.lending.figures import (
    loan_instalments,
)
from relief.lending.repayments import (
    _refresh_overdue,
)
from relief.loans import to_fen
from relief.models import (
    Loan,
    LoanState,
    WriteOff,
    WriteOffState,
)
from relief.services import (
    ReliefError,
)

# --- Write-off (核销) ---------------------------------------------------------------------------


@transaction.atomic
def write_off_propose(*, actor: User, loan: Loan, reason: str) -> WriteOff:
    """A loan past the programme's threshold proposed for write-off, with the figures. The loan
    stays disbursed (repayments may still come in) until the proposal is decided; after a
    rejection it may be proposed again."""
    _require(actor, Role.FINANCE, Role.SUPERVISOR)
    loan = _locked(loan, LoanState.DISBURSED)
    _ensure_in_scope(actor, loan.union_id)
    today = timezone.localdate()
    _refresh_overdue(loan, today)
    threshold = loan.programme.write_off_after_days
    if loan.days_past_due < threshold:
        raise ReliefError(
            _(
                "A loan may be proposed for write-off after %(threshold)s days past due; this "
                "one is %(days)s days past due."
            )
            % {"threshold": threshold, "days": loan.days_past_due}
        )
    if WriteOff.objects.filter(loan=loan, state=WriteOffState.PROPOSED).exists():
        raise ReliefError(_("This loan has already been proposed for write-off."))
    reason = (reason or "").strip()
    if not reason:
        raise ReliefError(
            _("State why the loan cannot be recovered; it is kept with the write-off.")
        )
    principal, interest = _outstanding(loan, on=today)
    write_off = WriteOff.objects.create(
        loan=loan,
        reason=reason,
        days_past_due=loan.days_past_due,
        principal_outstanding=principal,
        interest_outstanding=interest,
        proposed_by=actor,
    )
    _note(
        loan.application,
        actor=actor,
        comment=_("Write-off proposed: %(reason)s") % {"reason": reason},
    )
    return write_off


def _outstanding(loan: Loan, *, on: datetime.date) -> tuple[Decimal, Decimal]:
    """The principal still unpaid and the interest unpaid on the instalments due by `on`, from
    the repayments not reversed."""
    rows = loan_instalments(loan)
    interest = sum((r.interest_left for r in rows if r.instalment.due <= on), ZERO)
    principal = sum((r.principal_left for r in rows), ZERO)
    return principal, interest


def _ensure_figures_unchanged(write_off: WriteOff) -> None:
    """The proposal's figures are still the loan's (on the day it was proposed, so that only a
    repayment or a reversal recorded since changes them, not the calendar): the approver
    approves what was proposed, and the guarantors' obligations come from these figures."""
    proposed_on = timezone.localdate(write_off.proposed_at)
    principal, interest = _outstanding(write_off.loan, on=proposed_on)
    if (principal, interest) != (write_off.principal_outstanding, write_off.interest_outstanding):
        raise ReliefError(
            _(
                "A repayment or a reversal was recorded after this write-off was proposed: the "
                "principal outstanding is now %(principal)s (proposed: %(proposed_principal)s) "
                "and the interest outstanding %(interest)s (proposed: %(proposed_interest)s). "
                "Reject this proposal and propose the write-off again with the current figures."
            )
            % {
                "principal": principal,
                "proposed_principal": write_off.principal_outstanding,
                "interest": interest,
                "proposed_interest": write_off.interest_outstanding,
            }
        )


def _to_decide(actor: User, write_off: WriteOff, *, loan_states: tuple[str, ...]) -> WriteOff:
    """The proposal and its loan locked, checked as still to decide, by a supervisor of its
    scope other than the proposer."""
    _require(actor, Role.SUPERVISOR)
    write_off = WriteOff.objects.select_for_update().get(pk=write_off.pk)
    write_off.loan = _locked(write_off.loan, *loan_states)
    _ensure_in_scope(actor, write_off.loan.union_id)
    if write_off.state != WriteOffState.PROPOSED:
        raise ReliefError(
            _("This write-off proposal is already decided (%(state)s).")
            % {"state": write_off.get_state_display()}
        )
    if write_off.proposed_by_id == actor.pk:
        raise ReliefError(
            _("You proposed this write-off, so you may not decide it: another supervisor must.")
        )
    return write_off


@transaction.atomic
def write_off_approve(*, actor: User, write_off: WriteOff) -> WriteOff:
    """Approved by a supervisor other than the proposer, if no repayment or reversal changed the
    proposal's figures meanwhile (else: reject and propose again): the loan is written off and
    each guarantor's obligation (their share of what is outstanding) recorded."""
    write_off = _to_decide(actor, write_off, loan_states=(LoanState.DISBURSED,))
    _ensure_figures_unchanged(write_off)  # on the loan's row locked by _to_decide
    loan = write_off.loan
    owed = write_off.principal_outstanding + write_off.interest_outstanding
    obligations = []
    for guarantor in loan.guarantors.all():
        guarantor.obligation = to_fen(owed * guarantor.share / 100)
        guarantor.save(update_fields=["obligation"])
        obligations.append(
            {
                "name": guarantor.name,
                "share": str(guarantor.share),
                "obligation": str(guarantor.obligation),
            }
        )
    write_off.state = WriteOffState.APPROVED
    write_off.approved_by, write_off.approved_at = actor, timezone.now()
    write_off.guarantor_obligations = obligations
    write_off.save(update_fields=["state", "approved_by", "approved_at", "guarantor_obligations"])
    loan.state = LoanState.WRITTEN_OFF
    loan.save(update_fields=["state"])
    _note(loan.application, actor=actor, comment=_("Write-off approved"))
    return write_off


@transaction.atomic
def write_off_reject(*, actor: User, write_off: WriteOff, reason: str) -> WriteOff:
    """Rejected by a supervisor other than the proposer, with the reason (kept on the proposal
    and in the application's trail). The loan stays as it was (disbursed, or repaid meanwhile)
    and may be proposed again later."""
    write_off = _to_decide(actor, write_off, loan_states=(LoanState.DISBURSED, LoanState.REPAID))
    reason = (reason or "").strip()
    if not reason:
        raise ReliefError(_("State why the write-off is rejected; it is kept in the trail."))
    write_off.state = WriteOffState.REJECTED
    write_off.rejected_by, write_off.rejected_at = actor, timezone.now()
    write_off.rejection_reason = reason
    write_off.save(update_fields=["state", "rejected_by", "rejected_at", "rejection_reason"])
    _note(
        write_off.loan.application,
        actor=actor,
        comment=_("Write-off rejected: %(reason)s") % {"reason": reason},
    )
    return write_off
