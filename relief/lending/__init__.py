"""Micro-loans (小额借款): filing a loan application (and editing it while draft or returned),
approving it against the fund, disbursing it with its schedule, repayments and their reversal,
overdue aging, the interest subsidy (贴息) and write-off (核销), proposed then approved or
rejected.

Each function is one step in the style of relief.services: it locks the loan row, checks the
state and who acts, and writes ledger lines (relief.models.Disbursement, kinds loan_out,
repayment, subsidy and reversal, each carrying the loan) or refuses with ReliefError in words
staff can act on, changing nothing.

The rules this module decides (documented here, tested in tests/test_loans_services.py
and tests/test_loans_changes.py):

- Allocation: a repayment goes to the oldest instalment with something unpaid, its interest
  first, then its principal, then to the next instalment. A repayment smaller than what is owed
  may therefore pay instalments not yet due (at their scheduled interest).
- What is owed on a day (`loan_owed`) is what settles the loan that day: everything unpaid on
  the instalments due on or before it, the principal of the later ones, and the interest of the
  current period (the first instalment due after the day) accrued to the day: the principal
  still unpaid on that and later instalments × annual rate × days since the period began (the
  previous due date, or the disbursement for the first) ÷ 360 (日利率 = 年利率 ÷ 360, the
  banks' convention), rounded half up to the fen and at most the scheduled interest. Interest
  already paid on the current instalment is never refunded. Later instalments carry no interest.
- Early full repayment: a repayment of exactly the amount owed before the last due date
  settles the loan; the interest not charged is recorded as waived on the instalments
  (`Instalment.interest_waived`), which the reversal of that repayment restores. A repayment
  above what is owed is refused with the amount owed.
- Reversal: only the latest repayment not reversed may be reversed (a later one was allocated
  after it), and not once the subsidy is paid.
- Overdue: a loan is past due from the due date of its oldest instalment still unpaid after its
  due date; days past due are counted to the day of the check (the daily task, and each
  repayment or reversal with today's date).
- Subsidy: after full repayment, the interest paid (the interest allocations of the repayments
  not reversed) × (annual rate − borrower's cap) ÷ annual rate, rounded half up to the fen: the
  part of the interest above the cap, since every instalment's interest is proportional to the
  rate.
- Fund balance on approval: the fund's amount for the year (FundYear, locked) less the principal
  outstanding of the loans approved or disbursed from that fund (principal less principal repaid).

The package splits along the life of a loan (each module under ~300 lines):
    common        the checks every step shares (role, scope, the locked loan) and its ledger line
    applications  filing and editing an application: the programme's limits, the guarantor rules
    approval      the approval hooks and the fund's balance
    figures       what is paid, owed and outstanding (reads)
    disbursement  paying out with the schedule
    repayments    repayments, their reversal, the daily overdue marking
    subsidy       the interest subsidy
    write_off     write-off proposed, approved or rejected
Callers import from `relief.lending` (the names below); the modules are its parts.

Public signatures:
    loan_application_file(*, actor, household, programme, principal, term_months, purpose,
        business_plan, laid_off_employed, guarantors: list[GuarantorData]) -> Application
    loan_application_update(*, actor, application, principal, term_months, purpose,
        business_plan, laid_off_employed, guarantors: list[GuarantorData]) -> Application
    loan_approval_check(*, actor, application) / loan_approve(*, actor, application)  (hooks)
    loan_disburse(*, actor, loan, disbursed_on, first_due, method="bank") -> Disbursement
    loan_repay(*, actor, loan, amount, paid_on, method="cash", note="") -> Repayment
    repayment_reverse(*, actor, repayment, reason, paid_on) -> Repayment
    loans_mark_overdue(*, today=None) -> int
    loan_subsidy_pay(*, actor, loan, paid_on) -> Disbursement
    write_off_propose(*, actor, loan, reason) -> WriteOff
    write_off_approve(*, actor, write_off) -> WriteOff
    write_off_reject(*, actor, write_off, reason) -> WriteOff
    loan_owed(loan, *, on) -> Owed;  loan_instalments(loan) -> list[InstalmentFigures]
    aging_bucket(days) -> str
"""

from relief.lending.applications import (
    GuarantorData,
    loan_application_file,
    loan_application_update,
)
from relief.lending.approval import fund_balance, loan_approval_check, loan_approve
from relief.lending.common import BUCKET_OVER_360, BUCKETS, ZERO, aging_bucket
from relief.lending.disbursement import loan_disburse
from relief.lending.figures import (
    InstalmentFigures,
    Owed,
    instalments_with_paid,
    loan_instalments,
    loan_outstanding,
    loan_owed,
)
from relief.lending.repayments import loan_repay, loans_mark_overdue, repayment_reverse
from relief.lending.subsidy import loan_subsidy_pay, subsidy_calculation
from relief.lending.write_off import write_off_approve, write_off_propose, write_off_reject

__all__ = [
    "BUCKETS",
    "BUCKET_OVER_360",
    "ZERO",
    "GuarantorData",
    "InstalmentFigures",
    "Owed",
    "aging_bucket",
    "fund_balance",
    "instalments_with_paid",
    "loan_application_file",
    "loan_application_update",
    "loan_approval_check",
    "loan_approve",
    "loan_disburse",
    "loan_instalments",
    "loan_outstanding",
    "loan_owed",
    "loan_repay",
    "loan_subsidy_pay",
    "loans_mark_overdue",
    "repayment_reverse",
    "subsidy_calculation",
    "write_off_approve",
    "write_off_propose",
    "write_off_reject",
]
