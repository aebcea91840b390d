"""Who may do what with household files. Scope (which households) is visible_to(user)."""

import rules

from helpcenter.rules import (
    admin_may_manage,
    is_administrator,
    is_auditor,
    is_caseworker,
    is_county_administrator,
    is_staff_member,
    is_supervisor,
)

may_edit_files = is_caseworker | is_supervisor

rules.add_perm("households.view_household", is_staff_member)
# Full resident IDs are for the people who register, check and correct them; finance,
# administrators and auditors see them masked (110105********728X). Every full read is logged
# (households.services.resident_ids_shown), on a file's page as on an application's.
rules.add_perm("households.view_resident_id", may_edit_files)
rules.add_perm("households.export_household", is_staff_member)
# A new file comes through the approval workflow (cases: 建档申请 → 审核 → 公示 → 审批). Entering a
# file directly — one already approved on paper — and ending one directly are a supervisor's.
rules.add_perm("households.register_household", is_supervisor)
rules.add_perm("households.change_household", may_edit_files)
rules.add_perm("households.import_household", may_edit_files)
rules.add_perm("households.classify_household", may_edit_files)
rules.add_perm("households.end_household", is_supervisor)  # exit, remove, reinstate
rules.add_perm("households.review_household", may_edit_files)
rules.add_perm("households.view_document", is_staff_member)
rules.add_perm("households.add_document", may_edit_files)
rules.add_perm("households.plan_household", may_edit_files)
rules.add_perm("households.record_visit", may_edit_files)
rules.add_perm("households.draw_spot_check", is_supervisor)
rules.add_perm("households.view_standard_impact", is_supervisor | is_administrator | is_auditor)

# Standards, thresholds and document types are county-wide data the county's administrators
# keep in the admin site.
admin_may_manage(
    "households",
    is_county_administrator,
    "livingstandard",
    "classificationpolicy",
    "documenttype",
)
