"""Who may do what with programmes, funds, campaigns, payments and the ledger. Scope (which
rows) is `visible_to(user)`; state, budgets and segregation of duties (whoever approved may not
pay) are checked by the services."""

import rules

from helpcenter.rules import (
    admin_may_manage,
    is_administrator,
    is_auditor,
    is_caseworker,
    is_county_administrator,
    is_finance,
    is_staff_member,
    is_supervisor,
)

# Programmes and their rules are read by everyone on the staff (the application form shows
# them); the county's administrators keep them, with the funds and the loan programmes, in the
# admin site.
rules.add_perm("relief.read_programmes", is_staff_member)
admin_may_manage(
    "relief",
    is_county_administrator,
    "programme",
    "tier",
    "tiergoods",
    "goodsitem",
    "fund",
    "fundyear",
    "budget",
    "loanprogramme",
)

# Money: finance pays and closes months; supervisors and auditors read; grassroots staff read
# their union's lines (the queryset's scope).
may_read_money = is_finance | is_supervisor | is_auditor | is_administrator | is_caseworker
rules.add_perm("relief.view_ledger", may_read_money)
rules.add_perm("relief.view_funds", is_finance | is_supervisor | is_auditor | is_administrator)
rules.add_perm("relief.pay", is_finance)
rules.add_perm("relief.reverse_line", is_finance)
rules.add_perm("relief.close_month", is_finance)
rules.add_perm("relief.manage_bank_sheets", is_finance)

# Bank cards: caseworkers record a household's card (the holder must be a member); finance too.
rules.add_perm("relief.add_bank_account", is_caseworker | is_finance)

# Campaigns: a caseworker or supervisor prepares one (its applications are filed in their name
# and reviewed by a supervisor who did not file them); caseworkers record home deliveries.
rules.add_perm("relief.view_campaign", is_staff_member)
rules.add_perm("relief.add_campaign", is_caseworker | is_supervisor)
rules.add_perm("relief.record_delivery", is_caseworker | is_supervisor)

# Payment verification: a supervisor draws the sample; caseworkers and supervisors record answers.
rules.add_perm("relief.view_verification", is_supervisor | is_finance | is_auditor | is_caseworker)
rules.add_perm("relief.draw_sample", is_supervisor)
rules.add_perm("relief.answer_check", is_supervisor | is_caseworker)

# Micro-loans (relief.lending): every member of the staff reads the loans in their scope and the
# portfolio; caseworkers file applications (they then go through the notice); finance pays out,
# records repayments and their reversal, and pays the subsidy; finance or a supervisor proposes
# a write-off and a supervisor (not the proposer: the service checks) approves it.
rules.add_perm("relief.view_loans", is_staff_member)
rules.add_perm("relief.apply_loan", is_caseworker)
rules.add_perm("relief.manage_loans", is_finance)
rules.add_perm("relief.propose_write_off", is_finance | is_supervisor)
rules.add_perm("relief.approve_write_off", is_supervisor)
