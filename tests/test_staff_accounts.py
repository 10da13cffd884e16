"""Staff accounts: failed logins lock a user name and an address; Reviewers and
Organizers type a TOTP code after their password; create_staff, load_demo and
the roles migration."""

from __future__ import annotations

import importlib
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import NoReverseMatch, clear_url_caches, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from petitions.services.roles import ROLES
from tests.conftest import login_verified, otp_device, otp_token

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # tests/conftest.py


def _login(client, username: str, password: str, *, address: str = "198.51.100.7", next_path: str = "/dashboard/"):
    return client.post(
        f"/accounts/login/?next={next_path}", {"username": username, "password": password}, REMOTE_ADDR=address
    )


# --- Lockout ------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_user_name_even_from_another_address(client, volunteer):
    for n in range(4):
        assert _login(client, "volunteer", f"wrong {n}", address=f"198.51.100.{n + 1}").status_code == 200
    assert _login(client, "volunteer", "wrong 4", address="198.51.100.5").status_code == 429  # the fifth
    locked = _login(client, "volunteer", PASSWORD, address="203.0.113.50")
    assert locked.status_code == 429
    assert "Sign-in locked for now" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_wrong_passwords_from_one_address_lock_that_address_for_every_user(client, volunteer):
    for n in range(5):
        _login(client, f"guess{n}", "wrong", address="203.0.113.9")
    assert _login(client, "volunteer", PASSWORD, address="203.0.113.9").status_code == 429
    # Another address is not locked, and the right password still works there.
    response = _login(client, "volunteer", PASSWORD, address="203.0.113.10")
    assert response.status_code == 302 and response["Location"] == "/dashboard/"


def test_fewer_failures_than_the_limit_do_not_lock(client, volunteer):
    for _ in range(4):
        _login(client, "volunteer", "wrong")
    assert _login(client, "volunteer", PASSWORD).status_code == 302


# --- The TOTP step -------------------------------------------------------------------


def test_a_reviewer_with_a_password_only_is_sent_to_the_code_step_and_a_right_code_gets_through(client, reviewer):
    device = otp_device(reviewer)
    response = _login(client, "reviewer", PASSWORD, next_path="/dashboard/review/")
    assert response.status_code == 302
    step = client.get("/dashboard/review/")
    assert step.status_code == 302 and urlsplit(step["Location"]).path == "/accounts/otp/"
    assert client.get(step["Location"]).status_code == 200

    wrong = f"{(int(otp_token(device)) + 1) % 1_000_000:06d}"
    refused = client.post("/accounts/otp/", {"token": wrong, "next": "/dashboard/review/"})
    assert refused.status_code == 400 and "That code is not right" in refused.content.decode()
    assert urlsplit(client.get("/dashboard/review/")["Location"]).path == "/accounts/otp/"

    device.refresh_from_db()
    device.throttling_failure_count, device.throttling_failure_timestamp = 0, None  # the wrong code's delay
    device.save()
    passed = client.post("/accounts/otp/", {"token": otp_token(device), "next": "/dashboard/review/"})
    assert passed.status_code == 302 and passed["Location"] == "/dashboard/review/"
    assert client.get("/dashboard/review/").status_code == 200


def test_an_organizer_without_a_device_sets_one_up_with_the_qr_code_and_a_code(client, organizer):
    _login(client, "organizer", PASSWORD)
    first = client.get("/dashboard/")
    setup = client.get(first["Location"], follow=True)
    assert setup.redirect_chain[-1][0].startswith("/accounts/otp/setup/")
    page = setup.content.decode()
    assert "<svg" in page and 'id="otp-secret"' in page
    device = TOTPDevice.objects.get(user=organizer)
    assert not device.confirmed
    assert client.get("/dashboard/").status_code == 302  # not through until confirmed

    done = client.post("/accounts/otp/setup/", {"token": otp_token(device), "next": "/dashboard/"})
    assert done.status_code == 302 and done["Location"] == "/dashboard/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/dashboard/").status_code == 200


def test_a_password_alone_cannot_add_a_device_to_an_account_that_has_one(client, organizer):
    otp_device(organizer)
    _login(client, "organizer", PASSWORD)
    response = client.get("/accounts/otp/setup/")
    assert urlsplit(response["Location"]).path == "/accounts/otp/"
    assert TOTPDevice.objects.filter(user=organizer).count() == 1


def test_a_volunteer_may_set_up_a_code_and_is_then_asked_for_it(client, volunteer):
    assert _login(client, "volunteer", PASSWORD).status_code == 302
    assert client.get("/dashboard/").status_code == 200  # not asked
    device = TOTPDevice.objects.create(user=volunteer, name="authenticator", confirmed=True)
    client.logout()
    _login(client, "volunteer", PASSWORD)
    assert urlsplit(client.get("/dashboard/")["Location"]).path == "/accounts/otp/"
    client.post("/accounts/otp/", {"token": otp_token(device)})
    assert client.get("/dashboard/").status_code == 200


# --- Password reset and sessions -----------------------------------------------------


def _reload_urls():
    import calexit.urls

    clear_url_caches()
    importlib.reload(calexit.urls)


def test_password_reset_is_offered_only_with_real_mail(settings, client):
    settings.PASSWORD_RESET_ENABLED = False
    _reload_urls()
    try:
        assert client.get("/accounts/password_reset/").status_code == 404
        with pytest.raises(NoReverseMatch):
            reverse("password_reset")
        settings.PASSWORD_RESET_ENABLED = True
        _reload_urls()
        assert client.get("/accounts/password_reset/").status_code == 200
    finally:
        settings.PASSWORD_RESET_ENABLED = False
        _reload_urls()


def test_staff_sessions_last_a_working_day_and_end_with_the_browser(settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


# --- create_staff ---------------------------------------------------------------------


def test_create_staff_makes_a_user_in_a_role_from_a_password_file(tmp_path, roles):
    secret = tmp_path / "password"
    secret.write_text("a long and unusual passphrase 7\n")
    out = StringIO()
    call_command("create_staff", "maria", "--role", "reviewer", "--password-file", str(secret), stdout=out)
    user = User.objects.get(username="maria")
    assert [g.name for g in user.groups.all()] == ["Reviewer"]
    assert user.check_password("a long and unusual passphrase 7")
    assert not user.is_staff and not user.is_superuser
    assert "second factor is required" in out.getvalue()

    call_command("create_staff", "root", "--role", "admin", "--password-file", str(secret), stdout=StringIO())
    admin = User.objects.get(username="root")
    assert admin.is_staff and not admin.is_superuser and admin.has_perm("auth.add_user")


def test_create_staff_refuses_a_weak_password(tmp_path, roles):
    secret = tmp_path / "password"
    secret.write_text("password\n")
    with pytest.raises(CommandError, match="Password refused"):
        call_command("create_staff", "weak", "--role", "volunteer", "--password-file", str(secret))
    assert not User.objects.filter(username="weak").exists()


# --- load_demo --------------------------------------------------------------------------


def test_load_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG") as refused:
        call_command("load_demo", "--voters", "10")
    assert refused.value.returncode == 1
    assert not User.objects.filter(username="demo").exists()


def test_load_demo_makes_an_organizer_with_a_code_and_no_superuser(settings, tmp_path, client):
    settings.DEBUG = True
    settings.BASE_DIR = tmp_path  # the demo voter file goes to var/ there
    out = StringIO()
    call_command("load_demo", "--voters", "20", stdout=out)
    demo = User.objects.get(username="demo")
    assert not demo.is_superuser and not demo.is_staff
    assert [g.name for g in demo.groups.all()] == ["Organizer"]
    assert not User.objects.filter(is_superuser=True).exists()
    assert "demo_totp" in out.getvalue()

    code = StringIO()
    call_command("demo_totp", stdout=code)
    _login(client, "demo", "calexit-demo")
    client.post("/accounts/otp/", {"token": code.getvalue().strip()})
    assert client.get("/dashboard/").status_code == 200


# --- The roles migration ----------------------------------------------------------------


def test_the_roles_migration_creates_the_four_groups_with_their_permissions_and_can_run_again():
    def table():
        return {
            g.name: sorted(f"{p.content_type.app_label}.{p.codename}" for p in g.permissions.all())
            for g in Group.objects.prefetch_related("permissions__content_type")
        }

    expected = {name: sorted(perms) for name, perms in ROLES.items()}
    assert table() == expected  # as the test database's migrations left it
    migration = importlib.import_module("petitions.migrations.0010_roles")
    assert migration.ROLES == ROLES  # the frozen table is the living one
    Group.objects.all().delete()
    migration.roles_create(apps, None)
    migration.roles_create(apps, None)
    assert table() == expected


@pytest.mark.django_db
def test_a_volunteer_without_a_second_factor_is_offered_one_and_a_verified_organizer_is_not(
    client, volunteer, organizer
):
    client.force_login(volunteer)
    page = client.get("/dashboard/").content.decode()
    assert 'id="second-factor-link" href="/accounts/otp/setup/?next=/dashboard/"' in page
    assert client.get("/accounts/otp/setup/?next=/dashboard/").status_code == 200

    login_verified(client, organizer)
    assert "second-factor-link" not in client.get("/dashboard/").content.decode()
