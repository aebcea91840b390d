from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from helpcenter import dashboard
        from reports import kinds  # noqa: F401 (registers the catalogue)
        from reports.dashboard import statistics_charts

        if statistics_charts not in dashboard.CHART_PROVIDERS:
            dashboard.CHART_PROVIDERS.append(statistics_charts)
