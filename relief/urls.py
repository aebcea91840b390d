app_name = "relief"

# Pages of this app are added here, each view declaring its access with helpcenter.access.require.
urlpatterns: list = []

# Campaigns (批次) and home delivery (relief/views_campaigns.py).
from django.urls import path  # noqa: E402

from relief import views_campaigns  # noqa: E402

urlpatterns += [
    path("campaigns/", views_campaigns.campaign_list, name="campaign_list"),
    path("campaigns/new/", views_campaigns.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views_campaigns.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/extend/", views_campaigns.campaign_extend, name="campaign_extend"),
    path(
        "campaigns/<int:pk>/unions/<str:code>/deliveries/",
        views_campaigns.delivery_list,
        name="delivery_list",
    ),
    path(
        "campaigns/<int:pk>/unions/<str:code>/print/",
        views_campaigns.delivery_print,
        name="delivery_print",
    ),
    path("entitlements/<int:pk>/delivery/", views_campaigns.delivery_add, name="delivery_add"),
    path("deliveries/<int:pk>/photo/", views_campaigns.delivery_photo, name="delivery_photo"),
]


# Bank cards, bank payment sheets and payment verification (relief/views_bank.py,
# relief/views_verification.py).
from relief import views_bank, views_verification  # noqa: E402

urlpatterns += [
    path("households/<int:pk>/cards/", views_bank.bank_account_add, name="bank_account_add"),
    path(
        "households/<int:pk>/cards/<int:account_pk>/retire/",
        views_bank.bank_account_retire,
        name="bank_account_retire",
    ),
    path("bank-sheets/", views_bank.bank_sheet_list, name="bank_sheet_list"),
    path("bank-sheets/new/", views_bank.bank_sheet_create, name="bank_sheet_create"),
    path("bank-sheets/<int:pk>/", views_bank.bank_sheet_detail, name="bank_sheet_detail"),
    path(
        "bank-sheets/<int:pk>/sheet.xlsx",
        views_bank.bank_sheet_download,
        name="bank_sheet_download",
    ),
    path(
        "bank-sheets/<int:pk>/real-name.xlsx",
        views_bank.bank_sheet_summary,
        name="bank_sheet_summary",
    ),
    path("bank-sheets/<int:pk>/return/", views_bank.bank_return_upload, name="bank_return_upload"),
    path("verification/", views_verification.sample_list, name="sample_list"),
    path("verification/draw/", views_verification.sample_draw, name="sample_draw"),
    path("verification/<int:pk>/", views_verification.sample_detail, name="sample_detail"),
    path(
        "verification/<int:pk>/checks/<int:check_pk>/answer/",
        views_verification.check_answer,
        name="check_answer",
    ),
]

# Finance: the relief home, to pay, the ledger, vouchers, month close, funds (relief/views.py).
from relief import views  # noqa: E402

urlpatterns += [
    path("", views.index, name="index"),
    path("to-pay/", views.to_pay, name="to_pay"),
    path("to-pay/backfill/", views.entitlements_backfill, name="entitlements_backfill"),
    path("to-pay/<int:pk>/", views.pay, name="pay"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/<int:pk>/", views.line, name="line"),
    path("ledger/<int:pk>/reverse/", views.reverse_line, name="reverse_line"),
    path("months/", views.months, name="months"),
    path("funds/", views.funds, name="funds"),
]

# Relief applications under a programme (relief/views_applications.py).
from relief import views_applications  # noqa: E402

urlpatterns += [
    path(
        "households/<int:household_pk>/apply/",
        views_applications.application_file,
        name="application_file",
    ),
    path(
        "households/<int:household_pk>/apply/decision/",
        views_applications.application_preview,
        name="application_preview",
    ),
    path(
        "applications/<int:pk>/edit/",
        views_applications.application_edit,
        name="application_edit",
    ),
]

# The ledger's export (relief/views_export.py).
from relief import views_export  # noqa: E402

urlpatterns += [path("ledger/export/", views_export.ledger_export, name="ledger_export")]

# Micro-loans (relief/views_loans.py).
from relief import views_loans  # noqa: E402

urlpatterns += [
    path("loans/", views_loans.loan_portfolio, name="loan_portfolio"),
    path("households/<int:household_pk>/loan/", views_loans.loan_apply, name="loan_apply"),
    path("loans/<int:pk>/", views_loans.loan_detail, name="loan_detail"),
    path("loans/<int:pk>/disburse/", views_loans.loan_disburse, name="loan_disburse"),
    path("loans/<int:pk>/repay/", views_loans.loan_repay, name="loan_repay"),
    path(
        "loans/<int:pk>/repayments/<int:repayment_pk>/reverse/",
        views_loans.repayment_reverse,
        name="repayment_reverse",
    ),
    path("loans/<int:pk>/subsidy/", views_loans.loan_subsidy, name="loan_subsidy"),
    path("loans/applications/<int:pk>/edit/", views_loans.loan_edit, name="loan_edit"),
    path("loans/<int:pk>/write-off/", views_loans.write_off_propose, name="write_off_propose"),
    path(
        "loans/<int:pk>/write-off/reject/",
        views_loans.write_off_reject,
        name="write_off_reject",
    ),
    path(
        "loans/<int:pk>/write-off/approve/",
        views_loans.write_off_approve,
        name="write_off_approve",
    ),
]
