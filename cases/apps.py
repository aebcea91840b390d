from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Applications and public notices")

    def ready(self):
        # New families of an Excel import become registration applications: households calls
        # the workflow through this hook, so that it does not import cases.
        from cases import services
        from households import importing

        importing.REGISTRATION_WORKFLOW.update(
            refusals=services.registration_refusals, file=services.applications_file_from_import
        )
