"""Who may do what with applications, notices and objections. Scope (which ones) is
`visible_to(user)`; the state of an item and segregation of duties are checked by the services."""

import rules

from helpcenter.rules import (
    admin_may_manage,
    is_caseworker,
    is_county_administrator,
    is_staff_member,
    is_supervisor,
)

may_file = is_caseworker | is_supervisor

# Everyone on the staff reads (finance pays approved relief, auditors and administrators look).
rules.add_perm("cases.view_application", is_staff_member)
rules.add_perm("cases.view_notice", is_staff_member)

# Caseworkers (and supervisors) file, edit, survey and submit.
rules.add_perm("cases.add_application", may_file)
rules.add_perm("cases.change_application", may_file)

# Supervisors decide: review, return, reject, approve; they run the public notice.
rules.add_perm("cases.review_application", is_supervisor)
rules.add_perm("cases.return_application", is_supervisor)
rules.add_perm("cases.reject_application", is_supervisor)
rules.add_perm("cases.approve_application", is_supervisor)
rules.add_perm("cases.add_notice", is_supervisor)
rules.add_perm("cases.publish_notice", is_supervisor)
rules.add_perm("cases.change_notice", is_supervisor)  # a draft: its terms and its list
rules.add_perm("cases.delete_notice", is_supervisor)  # discard a draft
rules.add_perm("cases.add_objection", is_supervisor)
rules.add_perm("cases.resolve_objection", is_supervisor)

# Holidays and adjusted working days for years chinese-calendar does not know yet: the admin
# site, the county's administrators only (they move every notice's end date).
admin_may_manage("cases", is_county_administrator, "calendarday")
