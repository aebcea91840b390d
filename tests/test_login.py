"""Login, lockout, sessions and logout."""

import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_it_logs_in_and_renews_the_session_key(client, people):
    client.get(reverse("login"))
    before = client.session.session_key
    response = login(client, "caseworker_a", TEST_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert client.session[SESSION_KEY] == str(people.caseworker_a.pk)
    assert client.session.session_key != before


def test_wrong_password_and_unknown_user_get_the_same_message(client, people):
    wrong_password = login(client, "caseworker_a", "not-the-password")
    unknown_user = login(client, "nobody-by-this-name", "not-the-password")
    assert wrong_password.status_code == unknown_user.status_code == 200
    errors = [r.context["form"].non_field_errors() for r in (wrong_password, unknown_user)]
    assert errors[0] == errors[1]
    assert "请输入一个正确的" in wrong_password.content.decode()
    assert SESSION_KEY not in client.session


def test_an_inactive_account_gets_the_same_message(client, people):
    people.caseworker_a.is_active = False
    people.caseworker_a.save()
    response = login(client, "caseworker_a", TEST_PASSWORD)
    assert "请输入一个正确的" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_five_failures_lock_the_account_and_say_when_to_retry(client, people):
    for _ in range(5):
        login(client, "caseworker_a", "not-the-password")
    response = login(client, "caseworker_a", TEST_PASSWORD)  # even the right password
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    page = response.content.decode()
    assert "账户已锁定" in page
    retry_at = timezone.localtime(AccessAttempt.objects.get().attempt_time + timedelta(minutes=15))
    assert f"{retry_at:%H:%M}" in page


def test_four_failures_do_not_lock(client, people):
    for _ in range(4):
        login(client, "caseworker_a", "not-the-password")
    response = login(client, "caseworker_a", TEST_PASSWORD)
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()  # a success clears the count


def test_the_lock_clears_by_itself_after_fifteen_minutes(client, people):
    for _ in range(5):
        login(client, "caseworker_a", "not-the-password")
    assert login(client, "caseworker_a", TEST_PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))
    response = login(client, "caseworker_a", TEST_PASSWORD)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(people.caseworker_a.pk)


def test_failed_logins_are_logged_without_the_user_name(client, people, caplog):
    with caplog.at_level(logging.WARNING, logger="helpcenter.security"):
        login(client, "caseworker_a", "not-the-password")
    messages = [record.getMessage() for record in caplog.records]
    assert any(message.startswith("login failed account=") for message in messages)
    assert not any("caseworker_a" in message or "127.0.0.1" in message for message in messages)


def test_denied_access_is_logged_without_personal_data(client, people, caplog):
    client.force_login(people.outsider)
    with caplog.at_level(logging.WARNING, logger="helpcenter.security"):
        assert client.get(reverse("dashboard")).status_code == 403
    [record] = [r for r in caplog.records if "access denied" in r.getMessage()]
    assert f"user_id={people.outsider.pk}" in record.getMessage()
    assert people.outsider.name not in record.getMessage()


def test_the_session_ends_after_thirty_idle_minutes(client, people):
    client.force_login(people.caseworker_a)
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.session.get_expiry_age() == 30 * 60
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_each_request_renews_the_idle_clock(client, people):
    client.force_login(people.caseworker_a)
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=5))
    client.get(reverse("dashboard"))
    expiry = Session.objects.get().expire_date
    assert expiry > timezone.now() + timedelta(minutes=29)


def test_logout_ends_the_session(client, people):
    client.force_login(people.caseworker_a)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert not Session.objects.exists()
    assert client.get(reverse("dashboard")).status_code == 302


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("short-1", False),
        ("1234567890123", False),
        ("password1234", False),
        ("qinghe-2026-ok", True),
    ],
)
def test_passwords_are_checked_with_length_ten_and_django_validators(
    client, people, password, accepted
):
    client.force_login(people.caseworker_a)
    response = client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": password, "new_password2": password},
    )
    people.caseworker_a.refresh_from_db()
    assert people.caseworker_a.check_password(password) is accepted
    assert (response.status_code == 302) is accepted
