"""The admin site: administrators manage their scope, never grant themselves more."""

import pytest
from django.urls import reverse

from helpcenter.models import StaffRole, Union

pytestmark = pytest.mark.django_db


@pytest.fixture
def grassroots_admin(people):
    return people.administrator_a


def test_an_administrator_cannot_make_themselves_superuser_or_move_union(
    client, people, grassroots_admin
):
    client.force_login(grassroots_admin)
    url = reverse("admin:helpcenter_user_change", args=[grassroots_admin.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "is_superuser" not in form.fields
    assert "union" not in form.fields
    client.post(
        url,
        {
            "username": grassroots_admin.username,
            "name": grassroots_admin.name,
            "union": people.county.pk,
            "is_superuser": "on",
            "is_active": "on",
            "role_grants-TOTAL_FORMS": "0",
            "role_grants-INITIAL_FORMS": "0",
        },
    )
    grassroots_admin.refresh_from_db()
    assert grassroots_admin.is_superuser is False
    assert grassroots_admin.union == people.union_a


def test_a_grassroots_administrator_sees_and_assigns_only_their_union(
    client, people, grassroots_admin
):
    client.force_login(grassroots_admin)
    listed = client.get(reverse("admin:helpcenter_user_changelist")).context["cl"].queryset
    assert {user.union_id for user in listed} == {people.union_a.pk}
    assert (
        client.get(
            reverse("admin:helpcenter_user_change", args=[people.caseworker_b.pk])
        ).status_code
        == 302
    )
    other = client.get(reverse("admin:helpcenter_user_change", args=[people.caseworker_a.pk]))
    assert list(other.context["adminform"].form.fields["union"].queryset) == [people.union_a]


def test_a_grassroots_administrator_may_not_open_its_own_union(client, people, grassroots_admin):
    client.force_login(grassroots_admin)
    url = reverse("admin:helpcenter_union_change", args=[people.union_a.pk])
    assert client.get(url).status_code == 403
    assert client.get(url + "?_to_field=id&_popup=1").status_code == 403
    popup = client.get(reverse("admin:helpcenter_user_changelist") + "?_to_field=id&_popup=1")
    assert {user.union_id for user in popup.context["cl"].queryset} == {people.union_a.pk}


def test_nobody_edits_their_own_roles(client, people):
    client.force_login(people.administrator)
    page = client.get(reverse("admin:helpcenter_user_change", args=[people.administrator.pk]))
    [inline] = page.context["inline_admin_formsets"]
    assert not inline.has_add_permission and not inline.has_delete_permission
    assert StaffRole.objects.filter(user=people.administrator).count() == 1
    assert Union.objects.count() == 3
