"""Every report of the catalogue, registered once (imported by reports.apps.ready).

Each points at its builder, `module:function(spec, out, progress)` (reports.catalogue)."""

from django.utils.translation import gettext_lazy as _

from reports.catalogue import CSV, PDF, XLSX, ReportKind, register

STATISTICS = register(
    ReportKind(
        "statistics",
        _("Period statistics (monthly, quarterly, yearly report)"),
        (PDF, XLSX),
        "reports.builders.statistics:build",
        description=_(
            "Households by category, degree, cause, employment and union; new, exited, removed "
            "and reinstated files; the exit rate; relief by programme, fund and month; loans."
        ),
        permission="reports.request_statistics",
    )
)
LEDGER = register(
    ReportKind(
        "ledger",
        _("Disbursement ledger"),
        (XLSX, CSV),
        "reports.builders.ledger:build",
        description=_("Every ledger line of the period, with its totals."),
        permission="relief.view_ledger",
    )
)
FILE_CARDS = register(
    ReportKind(
        "file_cards",
        _("Household file cards"),
        (PDF,),
        "reports.builders.file_cards:build",
        needs_period=False,
        description=_("One file card per household for the paper archive."),
        permission="households.view_household",
        listed=False,
        personal=True,
    )
)
LOAN_PORTFOLIO = register(
    ReportKind(
        "loan_portfolio",
        _("Loan portfolio"),
        (PDF, XLSX),
        "reports.builders.loan_portfolio:build",
        description=_(
            "Outstanding, overdue by age, repaid, the repayment rate and the interest subsidy "
            "paid, at the end of the period."
        ),
        permission="relief.view_loans",
        reuse=False,
    )
)
NOTICE = register(
    ReportKind(
        "notice",
        _("Public notice"),
        (PDF,),
        "reports.builders.notice:build",
        needs_period=False,
        description=_("A public notice as posted (its archived copy once closed)."),
        permission="cases.view_notice",
        listed=False,
    )
)
BANK_SHEET = register(
    ReportKind(
        "bank_sheet",
        _("Bank payment sheet"),
        (XLSX,),
        "reports.builders.bank_sheet:build",
        needs_period=False,
        description=_("A bank sheet's payment list or its real-name summary."),
        permission="relief.manage_bank_sheets",
        reuse=False,
        listed=False,
        personal=True,
    )
)
HOUSEHOLDS = register(
    ReportKind(
        "households",
        _("Household list"),
        (XLSX,),
        "reports.builders.households:build",
        needs_period=False,
        description=_("The household files of a search of the household list."),
        permission="households.export_household",
        listed=False,
        personal=True,
    )
)
REVIEWS_DUE = register(
    ReportKind(
        "reviews_due",
        _("Files due for their yearly review"),
        (XLSX,),
        "reports.builders.reviews_due:build",
        needs_period=False,
        description=_(
            "Registered files not reviewed for twelve months; built every Monday by the schedule."
        ),
        permission="households.view_household",
    )
)
LEDGER_SEARCH = register(
    ReportKind(
        "ledger_search",
        _("Disbursement ledger (a search)"),
        (XLSX, CSV),
        "reports.builders.ledger_search:build",
        needs_period=False,
        description=_("The lines of a search of the ledger page, with its totals."),
        permission="relief.view_ledger",
        listed=False,
        personal=True,
    )
)
