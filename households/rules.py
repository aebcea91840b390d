"""Who may do what with household files. Scope (which households) is visible_to(user)."""

import rules

from helpcenter.rules import (
    is_administrator,
    is_auditor,
    is_caseworker,
    is_staff_member,
    is_supervisor,
)

may_edit_files = is_caseworker | is_supervisor

rules.add_perm("households.view_household", is_staff_member)
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

# Standards, thresholds and document types are data an administrator keeps in the admin site.
for model_name in ("livingstandard", "classificationpolicy", "documenttype"):
    for action in ("view", "add", "change", "delete"):
        rules.add_perm(f"households.{action}_{model_name}", is_administrator)
