from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("applications/", views.application_list, name="application_list"),
    path("applications/new/", views.application_create, name="application_create"),
    path(
        "applications/for-household/<int:household_pk>/",
        views.application_for_household,
        name="application_for_household",
    ),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/survey/", views.application_survey, name="application_survey"),
    path(
        "applications/<int:pk>/members/add/",
        views.application_member_add,
        name="application_member_add",
    ),
    path(
        "applications/<int:pk>/members/<int:index>/edit/",
        views.application_member_edit,
        name="application_member_edit",
    ),
    path(
        "applications/<int:pk>/members/<int:index>/remove/",
        views.application_member_remove,
        name="application_member_remove",
    ),
    path(
        "applications/<int:pk>/documents/add/",
        views.application_document_add,
        name="application_document_add",
    ),
    path(
        "applications/<int:pk>/documents/<int:document_pk>/",
        views.application_document,
        name="application_document",
    ),
    path("applications/<int:pk>/submit/", views.application_submit, name="application_submit"),
    path("applications/<int:pk>/review/", views.application_review, name="application_review"),
    path("applications/<int:pk>/return/", views.application_return, name="application_return"),
    path("applications/<int:pk>/reject/", views.application_reject, name="application_reject"),
    path("applications/<int:pk>/approve/", views.application_approve, name="application_approve"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/new/", views.notice_create, name="notice_create"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/edit/", views.notice_edit, name="notice_edit"),
    path("notices/<int:pk>/discard/", views.notice_discard, name="notice_discard"),
    path("notices/<int:pk>/publish/", views.notice_publish, name="notice_publish"),
    path("notices/<int:pk>/approve/", views.notice_approve_all, name="notice_approve_all"),
    path("notices/<int:pk>/print/", views.notice_print, name="notice_print"),
    path("notices/<int:pk>/notice.pdf", views.notice_pdf, name="notice_pdf"),
    path("notices/<int:pk>/objections/add/", views.objection_record, name="objection_record"),
    path(
        "notices/<int:pk>/objections/<int:objection_pk>/resolve/",
        views.objection_resolve,
        name="objection_resolve",
    ),
]
