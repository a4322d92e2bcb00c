"""Production settings pass Django's deploy checks and turn on HSTS and secure cookies."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def production_env(**extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DEBUG", "UNLOCK_", "SECURE_"))
    }
    env.update(
        UNLOCK_ENV="production",
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        PIN_PEPPER=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="unlock.example",
        LOG_LEVEL="ERROR",
    )
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def run(*args, **extra):
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=production_env(**extra),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def fresh_database(tmp_path_factory):
    """A production database of its own (SQLite, migrated), with no demo data in it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('production') / 'db.sqlite3'}"
    migrated = run("manage.py", "migrate", "--noinput", DATABASE_URL=url)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    return url


def test_check_deploy_prints_no_warning(fresh_database):
    result = run(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", DATABASE_URL=fresh_database
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_seed_demo_is_refused_in_production(fresh_database):
    result = run("manage.py", "seed_demo", DATABASE_URL=fresh_database)

    assert result.returncode != 0
    assert "seed_demo is refused in production" in result.stderr
    assert "published password" in result.stderr
    # Nothing was made: the deploy check still finds no demo credential.
    check = run("manage.py", "check", "--deploy", DATABASE_URL=fresh_database)
    assert check.returncode == 0, check.stdout + check.stderr


def test_check_deploy_fails_while_a_demo_credential_is_in_the_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    # As an operator would by mistake: the demo, made outside production, on its database.
    for args in (("migrate", "--noinput"), ("seed_demo",)):
        made = run("manage.py", *args, DATABASE_URL=url, UNLOCK_ENV="development")
        assert made.returncode == 0, made.stdout + made.stderr

    result = run("manage.py", "check", "--deploy", DATABASE_URL=url)

    assert result.returncode != 0
    said = result.stdout + result.stderr
    assert "unlocks.E001" in said and "demo-helpdesk-key-0000000000000000" in said
    assert "unlocks.E002" in said
    for email in ("agent@support.example", "lead@support.example", "pat@acme.example"):
        assert email in said

    revoke = (
        "import django; django.setup(); from django.utils import timezone; "
        "from accounts.models import ApiClient, User; "
        "ApiClient.objects.update(revoked_at=timezone.now()); "
        "User.objects.update(is_active=False)"
    )
    done = run("-c", revoke, DATABASE_URL=url)
    assert done.returncode == 0, done.stderr
    assert run("manage.py", "check", "--deploy", DATABASE_URL=url).returncode == 0


@pytest.mark.parametrize("missing", ["SECRET_KEY", "PIN_PEPPER"])
@pytest.mark.parametrize("value", [None, "", "   "])
def test_production_refuses_to_start_without_its_secrets(missing, value):
    result = run("manage.py", "check", **{missing: value})
    assert result.returncode != 0
    assert "needs SECRET_KEY and PIN_PEPPER" in result.stderr


SERVE_ONE_PAGE = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import override_settings
# Hashed static names need collectstatic first; plain names render the same page here.
override_settings(STORAGES={"staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()
response = Client().get("/admin/login/", secure=True, HTTP_HOST="unlock.example")
insecure = Client().get("/admin/login/", HTTP_HOST="unlock.example")
from django.conf import settings
print(json.dumps({
    "status": response.status_code,
    "hsts": response.get("Strict-Transport-Security"),
    "csrf_cookie": {k: response.cookies["csrftoken"][k] for k in ("secure", "samesite")},
    "redirect": [insecure.status_code, insecure.get("Location")],
    "session_cookie": [settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY,
                       settings.SESSION_COOKIE_SAMESITE],
}))
"""


def test_production_serves_hsts_secure_cookies_and_redirects_to_https():
    result = run("-c", SERVE_ONE_PAGE)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    assert seen["status"] == 200
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert seen["csrf_cookie"]["secure"] is True
    assert seen["csrf_cookie"]["samesite"] == "Lax"
    assert seen["redirect"] == [301, "https://unlock.example/admin/login/"]
    assert seen["session_cookie"] == [True, True, "Lax"]


READ_SETTING = """
import django
django.setup()
from django.conf import settings
print(settings.STAFF_MFA_REQUIRED)
"""


@pytest.mark.parametrize(
    "env, required",
    [
        ({}, "True"),
        ({"STAFF_MFA_REQUIRED": "0"}, "False"),
        ({"UNLOCK_ENV": "development"}, "False"),
        ({"UNLOCK_ENV": "development", "STAFF_MFA_REQUIRED": "1"}, "True"),
    ],
)
def test_staff_need_a_second_factor_in_production_unless_told_otherwise(env, required):
    result = run("-c", READ_SETTING, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == required
