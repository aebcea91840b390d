from django.urls import path

from households import views, views_import

app_name = "households"

urlpatterns = [
    path("", views.household_list, name="list"),
    path("new/", views.household_create, name="create"),
    path("review-due/", views.review_queue, name="review_queue"),
    path("spot-checks/", views.spot_checks, name="spot_checks"),
    path("standard-impact/", views.standard_impact, name="standard_impact"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/edit/", views.household_edit, name="edit"),
    path("<int:pk>/members/add/", views.member_add, name="member_add"),
    path("<int:pk>/members/<int:member_pk>/edit/", views.member_edit, name="member_edit"),
    path("<int:pk>/members/<int:member_pk>/remove/", views.member_remove, name="member_remove"),
    path("<int:pk>/classify/", views.household_classify, name="classify"),
    path("<int:pk>/review/", views.household_review, name="review"),
    path("<int:pk>/exit/", views.household_exit, name="exit"),
    path("<int:pk>/remove/", views.household_remove, name="remove"),
    path("<int:pk>/reinstate/", views.household_reinstate, name="reinstate"),
    path("<int:pk>/documents/add/", views.document_add, name="document_add"),
    path("<int:pk>/documents/<int:document_pk>/", views.document_download, name="document"),
    path("<int:pk>/measures/add/", views.measure_add, name="measure_add"),
    path("<int:pk>/measures/<int:measure_pk>/", views.measure_update, name="measure_update"),
    path("<int:pk>/visits/add/", views.visit_add, name="visit_add"),
    path("<int:pk>/visits/<int:visit_pk>/photo/", views.visit_photo, name="visit_photo"),
    # Excel: template, import with preview, export (households/views_import.py)
    path("import/", views_import.import_upload, name="import"),
    path("import/<str:token>/", views_import.import_preview, name="import_preview"),
    path("import-template.xlsx", views_import.import_template, name="import_template"),
    path("export.xlsx", views_import.export, name="export"),
]
