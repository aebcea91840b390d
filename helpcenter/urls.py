from django.contrib import admin
from django.urls import include, path

from helpcenter import health, views

org_patterns = (
    [
        path("", views.union_list, name="union_list"),
        path("<str:code>/", views.union_detail, name="union_detail"),
    ],
    "org",
)

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("org/", include(org_patterns)),
    path("households/", include("households.urls")),
    path("cases/", include("cases.urls")),
    path("relief/", include("relief.urls")),
    path("reports/", include("reports.urls")),
    path("accounts/login/", views.login, name="login"),
    path("accounts/logout/", views.logout, name="logout"),
    path("accounts/password/", views.password_change, name="password_change"),
    path("accounts/password/done/", views.password_change_done, name="password_change_done"),
    path("i18n/setlang/", views.language, name="set_language"),
    path("healthz/", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
