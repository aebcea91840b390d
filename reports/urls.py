from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("request/", views.request_report, name="request"),
    path("jobs/<int:pk>/row/", views.job_row, name="job_row"),
    path("jobs/<int:pk>/download/", views.download, name="download"),
    path("jobs/<int:pk>/again/", views.again, name="again"),
]
