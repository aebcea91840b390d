"""Who may ask for reports. Each report of the catalogue names its own permission
(reports.kinds); the page is open to the whole staff, who see the reports of their scope."""

import rules

from helpcenter.rules import (
    is_administrator,
    is_auditor,
    is_finance,
    is_staff_member,
    is_supervisor,
)

rules.add_perm("reports.view_reports", is_staff_member)
rules.add_perm(
    "reports.request_statistics", is_supervisor | is_finance | is_auditor | is_administrator
)
# The charts of this year's figures on the home page (reports.dashboard says why these roles).
rules.add_perm("reports.view_dashboard_charts", is_supervisor | is_finance | is_auditor)
