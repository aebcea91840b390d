from axes.apps import AppConfig as DjangoAxesConfig
from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.utils.translation import gettext_lazy as _


class HelpcenterConfig(AppConfig):
    default = True
    name = "helpcenter"
    verbose_name = _("Organisations and staff")

    def ready(self) -> None:
        from helpcenter import security  # noqa: F401  (connects the login-failure log)
        from helpcenter.third_party import give_chinese_words

        give_chinese_words()


class AxesConfig(DjangoAxesConfig):
    """django-axes (the login log) under a Chinese heading on the admin index."""

    default = False
    verbose_name = _("Login security")


class HelpcenterAdminConfig(DjangoAdminConfig):
    default = False
    """Django's admin, open only to administrators (see HelpcenterAdminSite)."""

    default_site = "helpcenter.admin_site.HelpcenterAdminSite"
