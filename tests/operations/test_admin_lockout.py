"""Admin sign-in throttling (django-axes): who is locked out, for how long, and the page
that says so."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_staff


def _log_in(client, username, password, ip="203.0.113.9"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


@pytest.mark.django_db
def test_a_guesser_rotating_through_one_ipv6_slash_64_is_locked_out_all_the_same(client):
    make_staff(username="ada", password="the-right-password-1995")
    for n in range(5):
        _log_in(Client(), "ada", "guess", ip=f"2001:db8:77:1::{n + 1:x}")

    same_network = _log_in(client, "ada", "the-right-password-1995", ip="2001:db8:77:1::ffff")
    elsewhere = _log_in(Client(), "ada", "the-right-password-1995", ip="2001:db8:77:2::1")

    assert same_network.status_code == 429
    assert elsewhere.status_code == 302  # positive control: the editor can still sign in


@pytest.mark.django_db
def test_admin_login_locks_out_after_five_wrong_passwords_even_for_the_right_one(client):
    make_staff(username="ada", password="the-right-password-1995")
    for _ in range(4):
        assert _log_in(client, "ada", "guess").status_code == 200  # "Please enter the correct…"

    fifth = _log_in(client, "ada", "guess")
    right_one = _log_in(client, "ada", "the-right-password-1995")

    assert fifth.status_code == 429
    assert right_one.status_code == 429
    assert "Sign-in paused" in right_one.content.decode()
    assert "for 15 minutes" in right_one.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_lockout_is_for_that_account_from_that_address_and_ends_after_the_cooloff(client):
    make_staff(username="ada", password="the-right-password-1995")
    make_staff(username="vincent", password="another-right-password")
    for _ in range(5):
        _log_in(client, "ada", "guess")

    other_editor = _log_in(Client(), "vincent", "another-right-password")
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        later = _log_in(client, "ada", "the-right-password-1995")

    assert other_editor.status_code == 302
    assert later.status_code == 302
    assert client.session["_auth_user_id"]
