"""The admin site by scope: county-wide settings are the county administrators' alone; a grassroots
administrator manages its own union's staff and sees nothing of other unions, on any page."""

from datetime import date
from decimal import Decimal

import pytest
from axes.models import AccessLog
from django.contrib import admin
from django.urls import reverse

from cases.models import CalendarDay, DayKind
from helpcenter.admin_site import ScopedModelAdmin
from helpcenter.models import Role, StaffRole, Union, UnionKind, User
from households.models import LivingStandard
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Every model a county administrator manages in the admin site, by its admin URL name.
COUNTY_MODELS = [
    "helpcenter_union",
    "helpcenter_user",
    "households_livingstandard",
    "households_classificationpolicy",
    "households_documenttype",
    "cases_calendarday",
    "relief_programme",
    "relief_tier",
    "relief_goodsitem",
    "relief_tiergoods",
    "relief_fund",
    "relief_fundyear",
    "relief_budget",
    "relief_loanprogramme",
    "django_celery_beat_periodictask",
    "django_celery_beat_crontabschedule",
    "django_celery_beat_intervalschedule",
    "django_celery_beat_solarschedule",
    "django_celery_beat_clockedschedule",
    "axes_accessattempt",
    "axes_accesslog",
    "axes_accessfailurelog",
]
COUNTY_WIDE = [name for name in COUNTY_MODELS if name != "helpcenter_user"]


def listed_models(response) -> set[str]:
    return {
        f"{app['app_label']}_{model['object_name'].lower()}"
        for app in response.context["app_list"]
        for model in app["models"]
    }


def test_the_county_administrator_finds_every_model_it_manages_on_the_admin_index(client, people):
    client.force_login(people.administrator)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert listed_models(index) == set(COUNTY_MODELS)
    assert "你没有查看或编辑的权限" not in index.content.decode()
    for label in ["工会", "工作人员", "低保标准", "节假日与调休"]:
        assert label in index.content.decode()
    # The sidebar on a model page lists the same models.
    page = client.get(reverse("admin:households_livingstandard_changelist"))
    assert listed_models(page) == set(COUNTY_MODELS)


def test_a_grassroots_administrator_finds_only_staff_on_the_admin_index(client, people):
    client.force_login(people.administrator_a)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert listed_models(index) == {"helpcenter_user"}
    app_index = client.get(reverse("admin:app_list", args=["helpcenter"]))
    assert listed_models(app_index) == {"helpcenter_user"}
    assert client.get(reverse("admin:app_list", args=["households"])).status_code == 404


@pytest.mark.parametrize("person", ["administrator", "administrator_a", "supervisor", "outsider"])
def test_the_admin_index_lists_an_app_exactly_when_the_user_may_use_one_of_its_models(
    people, person
):
    """has_module_perms (rules' app-level permission) agrees with the model permissions."""
    user = people[person]
    apps = {model._meta.app_label for model in admin.site._registry}
    for app_label in apps:
        models = [model for model in admin.site._registry if model._meta.app_label == app_label]
        may_use_one = any(
            user.has_perm(f"{app_label}.{action}_{model._meta.model_name}")
            for model in models
            for action in ("view", "add", "change", "delete")
        )
        assert user.has_module_perms(app_label) == may_use_one, (person, app_label)


def test_every_model_a_grassroots_administrator_may_open_is_scoped(people):
    user = people.administrator_a
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        if user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
            assert isinstance(model_admin, ScopedModelAdmin), opts.label


@pytest.mark.parametrize("name", COUNTY_WIDE)
@pytest.mark.parametrize("page", ["changelist", "add"])
def test_a_grassroots_administrator_is_refused_county_wide_settings(client, people, name, page):
    client.force_login(people.administrator_a)
    assert client.get(reverse(f"admin:{name}_{page}")).status_code == 403


def test_a_grassroots_administrator_cannot_make_its_union_the_county(client, people):
    client.force_login(people.administrator_a)
    union_a = people.union_a
    response = client.post(
        reverse("admin:helpcenter_union_change", args=[union_a.pk]),
        {"code": union_a.code, "name": union_a.name, "kind": UnionKind.COUNTY, "parent": ""},
    )
    assert response.status_code == 403
    union_a.refresh_from_db()
    assert (union_a.kind, union_a.parent_id) == (UnionKind.ENTERPRISE, people.county.pk)


def test_a_grassroots_administrator_cannot_rename_recode_deactivate_or_add_unions(client, people):
    client.force_login(people.administrator_a)
    before = list(Union.objects.values_list("pk", "code", "name", "kind", "parent", "is_active"))
    county, union_b = people.county, people.union_b
    posts = [
        (
            reverse("admin:helpcenter_union_change", args=[county.pk]),
            {"code": county.code, "name": "改名县总", "kind": UnionKind.COUNTY},
        ),
        (
            reverse("admin:helpcenter_union_change", args=[union_b.pk]),
            {"code": "9999", "name": union_b.name, "kind": union_b.kind, "parent": county.pk},
        ),
        (reverse("admin:helpcenter_union_delete", args=[union_b.pk]), {"post": "yes"}),
        (
            reverse("admin:helpcenter_union_add"),
            {"code": "1399", "name": "新工会", "kind": UnionKind.ENTERPRISE, "parent": county.pk},
        ),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    after = list(Union.objects.values_list("pk", "code", "name", "kind", "parent", "is_active"))
    assert after == before


def test_a_grassroots_administrator_cannot_set_the_living_standard(client, registry):
    people = registry
    client.force_login(people.administrator_a)
    standard = LivingStandard.objects.get()
    added = client.post(
        reverse("admin:households_livingstandard_add"),
        {"county": people.county.pk, "effective_from": "2025-01-01", "monthly_amount": "99999"},
    )
    changed = client.post(
        reverse("admin:households_livingstandard_change", args=[standard.pk]),
        {
            "county": people.county.pk,
            "effective_from": standard.effective_from.isoformat(),
            "monthly_amount": "99999",
        },
    )
    assert (added.status_code, changed.status_code) == (403, 403)
    assert LivingStandard.objects.count() == 1
    standard.refresh_from_db()
    assert standard.monthly_amount == Decimal("570.00")


def test_a_grassroots_administrator_cannot_add_holidays(client, people):
    before = set(CalendarDay.objects.values_list("day", "kind"))
    client.force_login(people.administrator_a)
    response = client.post(
        reverse("admin:cases_calendarday_add"),
        {"day": "2031-01-02", "kind": DayKind.HOLIDAY, "name": "假"},
    )
    assert response.status_code == 403
    assert set(CalendarDay.objects.values_list("day", "kind")) == before


def test_a_grassroots_administrator_reads_no_login_log(client, people):
    AccessLog.objects.create(username="admin", user_agent="test", ip_address="10.0.0.1")
    client.force_login(people.administrator_a)
    for name in ["axes_accesslog", "axes_accessattempt", "axes_accessfailurelog"]:
        response = client.get(reverse(f"admin:{name}_changelist"))
        assert response.status_code == 403
        assert b"10.0.0.1" not in response.content


def test_the_county_administrator_still_keeps_the_settings(client, registry):
    people = registry
    client.force_login(people.administrator)
    response = client.post(
        reverse("admin:cases_calendarday_add"),
        {"day": "2031-01-02", "kind": DayKind.HOLIDAY, "name": "假"},
    )
    assert response.status_code == 302
    assert CalendarDay.objects.filter(day=date(2031, 1, 2)).exists()
    union_b = people.union_b
    response = client.post(
        reverse("admin:helpcenter_union_change", args=[union_b.pk]),
        {
            "code": union_b.code,
            "name": "乙镇总工会",
            "kind": union_b.kind,
            "parent": people.county.pk,
        },
    )
    assert response.status_code == 302
    union_b.refresh_from_db()
    assert union_b.name == "乙镇总工会"


def test_the_delete_page_of_a_grassroots_user_names_no_other_unions_data(client, registry):
    """A caseworker moved from union B to union A: the rows they wrote in union B block the
    deletion. The county administrator sees them by file number; administrator_a sees counts."""
    people = registry
    moved = people.caseworker_b
    User.objects.filter(pk=moved.pk).update(union=people.union_a)
    file_number = people.household_b.file_number
    url = reverse("admin:helpcenter_user_delete", args=[moved.pk])

    client.force_login(people.administrator)
    assert file_number in client.get(url).content.decode()

    client.force_login(people.administrator_a)
    page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert file_number not in content
    assert people.household_b.head.name not in content
    assert "<li>档案变更记录：1</li>" in content  # counted by kind
    response = client.post(url, {"post": "yes"})
    assert User.objects.filter(pk=moved.pk).exists()
    assert response.status_code == 200  # the protected rows keep the account


def test_a_grassroots_administrator_cannot_open_another_unions_staff(client, people):
    client.force_login(people.administrator_a)
    other = people.caseworker_b
    for name in [
        "helpcenter_user_change",
        "helpcenter_user_delete",
        "helpcenter_user_history",
        "auth_user_password_change",
    ]:
        response = client.get(reverse(f"admin:{name}", args=[other.pk]))
        assert response.status_code in (302, 404), name
        assert other.username not in response.content.decode()
    client.post(reverse("admin:helpcenter_user_delete", args=[other.pk]), {"post": "yes"})
    client.post(
        reverse("admin:helpcenter_user_change", args=[other.pk]),
        {
            "username": other.username,
            "name": other.name,
            "union": people.union_a.pk,
            "is_active": "",
            "role_grants-TOTAL_FORMS": "1",
            "role_grants-INITIAL_FORMS": "0",
            "role_grants-0-role": Role.ADMINISTRATOR,
        },
    )
    other.refresh_from_db()
    assert (other.union, other.is_active) == (people.union_b, True)
    assert set(StaffRole.objects.filter(user=other).values_list("role", flat=True)) == {
        Role.CASEWORKER
    }


def test_a_grassroots_administrator_adds_staff_to_its_own_union_only(client, people):
    client.force_login(people.administrator_a)
    url = reverse("admin:helpcenter_user_add")
    data = {
        "username": "new_b",
        "name": "新人",
        "password1": "a-long-password-1",
        "password2": "a-long-password-1",
        "usable_password": "true",
        "role_grants-TOTAL_FORMS": "0",
        "role_grants-INITIAL_FORMS": "0",
    }
    for union in [people.union_b.pk, people.county.pk, ""]:
        response = client.post(url, {**data, "union": union})
        assert response.status_code == 200  # the form again, with the error
        assert not User.objects.filter(username="new_b").exists()
    response = client.post(url, {**data, "union": people.union_a.pk})
    assert response.status_code == 302
    assert User.objects.get(username="new_b").union == people.union_a


def test_the_staff_list_filters_by_in_scope_unions_only(client, people):
    client.force_login(people.administrator_a)
    page = client.get(reverse("admin:helpcenter_user_changelist"))
    content = page.content.decode()
    assert people.union_a.name in content
    assert people.union_b.name not in content
    assert people.county.name not in content


def test_autocomplete_offers_only_in_scope_rows(client, people):
    url = reverse("admin:autocomplete")
    unions = {"app_label": "helpcenter", "model_name": "user", "field_name": "union", "term": ""}
    users = {"app_label": "cases", "model_name": "application", "field_name": "filed_by"}

    client.force_login(people.administrator)
    offered = {row["text"] for row in client.get(url, unions).json()["results"]}
    assert offered == {people.county.name, people.union_a.name, people.union_b.name}

    client.force_login(people.administrator_a)
    refused = client.get(url, unions)
    assert refused.status_code == 403
    assert people.union_b.name not in refused.content.decode()
    offered = {row["text"] for row in client.get(url, users).json()["results"]}
    assert offered == {str(user) for user in User.objects.filter(union=people.union_a)}


def test_nobody_but_a_superuser_changes_a_superusers_account(client, people):
    root = UserFactory(username="root_a", union=people.union_a, roles=[], is_superuser=True)
    password = root.password
    client.force_login(people.administrator_a)
    url = reverse("admin:auth_user_password_change", args=[root.pk])
    assert client.get(url).status_code == 403
    client.post(url, {"password1": "taken-over-123", "password2": "taken-over-123"})
    root.refresh_from_db()
    assert root.password == password and root.is_superuser


def test_a_grassroots_administrators_dashboard_counts_only_its_union(client, people):
    UserFactory(username="no_role_b", union=people.union_b, roles=[])  # beside the outsider of A
    locked = reverse("admin:axes_accessattempt_changelist")
    without_role = reverse("admin:helpcenter_user_changelist")

    client.force_login(people.administrator)
    cards = {card.url: card.count for card in client.get(reverse("dashboard")).context["cards"]}
    assert locked in cards and cards[without_role] == 2

    client.force_login(people.administrator_a)
    cards = {card.url: card.count for card in client.get(reverse("dashboard")).context["cards"]}
    assert locked not in cards and cards[without_role] == 1
