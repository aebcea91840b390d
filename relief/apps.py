from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReliefConfig(AppConfig):
    name = "relief"
    verbose_name = _("Relief programmes and disbursements")

    def ready(self) -> None:
        from cases import hooks
        from relief import applications, services

        # Eligibility and caps first (relief.applications), then the budget.
        hooks.approval_checks["relief"].append(applications.relief_approval_check)
        hooks.approval_checks["relief"].append(services.budget_check)
        hooks.on_approval["relief"].append(services.entitlement_create)
        hooks.on_approval["relief"].append(applications.relief_decision_record)

        # Micro-loans (relief.lending): the programme's limits, the guarantors and the fund.
        from relief import lending

        hooks.approval_checks["loan"].append(lending.loan_approval_check)
        hooks.on_approval["loan"].append(lending.loan_approve)

        from helpcenter import dashboard
        from relief.loan_selectors import overdue_loan_cards

        if overdue_loan_cards not in dashboard.CARD_PROVIDERS:
            dashboard.CARD_PROVIDERS.append(overdue_loan_cards)
