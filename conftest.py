"""Shared test set-up: the cast of named people, the clock, the demo data (for end-to-end
tests only), browsers, and skips that CI refuses."""

import os
import signal
import subprocess
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from accounts.apps import ensure_support_group
from accounts.tests.factories import TenantFactory, UserFactory, admin_of, member_of

# Property-based tests: bounded in `make test` and CI, long under `make fuzz`
# (HYPOTHESIS_PROFILE=fuzz). The database makes examples slow, so no deadline.
hypothesis_settings.register_profile(
    "ci",
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.register_profile(
    "fuzz",
    max_examples=1000,
    stateful_step_count=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# .ci/run sets this: there, a test that would skip for lack of a service fails instead.
STRICT = os.environ.get("UNLOCK_STRICT_SERVICES") == "1"


# The base64 of a raw Ed25519 private key that signs the tests' checkpoints.
TEST_SIGNING_KEY = "dGVzdC1vbmx5LWNoZWNrcG9pbnQta2V5LTMyLWJ5dGU="


def skip_or_fail(reason):
    if STRICT:
        pytest.fail(f"{reason} (UNLOCK_STRICT_SERVICES=1 lets no test skip for lack of a service)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _services_for_markers(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://… to run it")
    if request.node.get_closest_marker("redis") and not os.environ.get("REDIS_URL"):
        skip_or_fail("needs Redis: set REDIS_URL=redis://… to run it")
    if request.node.get_closest_marker("browser") and not os.path.exists("/usr/bin/chromium"):
        skip_or_fail("needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)")


@pytest.fixture(scope="session", autouse=True)
def _pgbouncer_lets_the_test_database_go(request):
    """Behind PgBouncer (DATABASE_POOLED) the pooler keeps server connections to the test
    database open, and creating it afresh or dropping it would fail: before each, PgBouncer's
    admin console closes them (KILL) and takes new ones again (RESUME)."""
    if not django_settings.DATABASE_POOLED:
        yield
        return
    db = connection.settings_dict
    test_name = db["TEST"].get("NAME") or f"test_{db['NAME']}"
    _pgbouncer_release(db, test_name)
    request.getfixturevalue("django_db_setup")
    yield
    connections.close_all()
    _pgbouncer_release(db, test_name)


def _pgbouncer_release(db, name):
    import psycopg2

    admin = psycopg2.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="pgbouncer")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"KILL {name}")
            cursor.execute(f"RESUME {name}")
    except psycopg2.Error:
        pass  # PgBouncer knows no such database yet: it holds no connection to it
    finally:
        admin.close()


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PIN_MAX_FAILURES = 5
    settings.PASSWORD_HASHERS = [
        "accounts.tests.hashers.FastArgon2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # One fixed checkpoint key, whatever key `make run` left in var/.
    settings.AUDIT_SIGNER_NAME = "unlock-desk.test/audit"
    settings.AUDIT_SIGNING_KEY = TEST_SIGNING_KEY
    settings.AUDIT_SIGNING_KEY_FILE = ""
    settings.AUDIT_SIGNING_KEY_SINCE = "2026-01-01T00:00:00+00:00"
    settings.AUDIT_RETIRED_KEYS_FILE = ""


@pytest.fixture(autouse=True)
def _background_tasks_in_process():
    """Tasks run in the test's own process, so no test needs a worker; the integration
    tests of notifications/ switch this off and start a real one."""
    from config.celery import app
    from notifications.services import broker_pause

    # A broker that failed an earlier test is no reason to leave this one's alone.
    broker_pause.end()
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


@pytest.fixture
def demo(db):
    """The demo dataset of DEMO.md (for end-to-end tests only)."""
    call_command("seed_demo", verbosity=0)


_audit_trigger_off = False
APPEND_ONLY_TABLES = ("audit_auditentry", "audit_auditcheckpoint")


@pytest.fixture(autouse=True)
def _let_transactional_tests_flush_the_audit_table(request):
    """pytest-django empties the database after a transactional test with TRUNCATE,
    which the append-only trigger refuses; set the trigger aside for that flush only."""
    global _audit_trigger_off
    transactional = "transactional_db" in request.fixturenames or (
        (marker := request.node.get_closest_marker("django_db"))
        and marker.kwargs.get("transaction")
    )
    uses_db = transactional or "db" in request.fixturenames
    if uses_db and _audit_trigger_off and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in APPEND_ONLY_TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        _audit_trigger_off = False
    yield
    if transactional and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in APPEND_ONLY_TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        _audit_trigger_off = True


# ---------------------------------------------------------------- the cast
# The demo's people by name (DEMO.md), made with factories, never with seed_demo: Acme's
# admins Pat and Lee and its member Dana, Birch's admin Sam, and Avery the support agent.
# `admin`, `member` and `other_admin` are Pat, Dana and Sam where a test needs just one.


@pytest.fixture
def tenant(db):
    return TenantFactory(slug="acme", name="Acme")


@pytest.fixture
def pat(tenant):
    return admin_of(tenant, email="pat@acme.test", full_name="Pat Morgan")


@pytest.fixture
def lee(tenant):
    return admin_of(tenant, email="lee@acme.test", full_name="Lee Chen")


@pytest.fixture
def dana(tenant):
    return member_of(tenant, email="dana@acme.test", full_name="Dana Ruiz")


@pytest.fixture
def birch(db):
    return TenantFactory(slug="birch", name="Birch")


@pytest.fixture
def sam(birch):
    return admin_of(birch, email="sam@birch.test", full_name="Sam Patel")


@pytest.fixture
def admin(pat):
    return pat


@pytest.fixture
def member(dana):
    return dana


@pytest.fixture
def other_admin(sam):
    return sam


@pytest.fixture
def agent(db):
    """Avery, a support agent: staff in the Support agents group."""
    user = UserFactory(email="avery@support.test", full_name="Avery Brooks", is_staff=True)
    user.groups.add(ensure_support_group())
    return user


@pytest.fixture
def agent_client(agent):
    client = Client(HTTP_USER_AGENT="console-test", REMOTE_ADDR="10.1.2.3")
    client.force_login(agent)
    return client


@pytest.fixture
def staff_client(db):
    """Staff without the Support agents group: the admin shows them nothing."""
    client = Client()
    client.force_login(UserFactory(email="nobody@support.test", is_staff=True))
    return client


@pytest.fixture
def superuser_client(db):
    client = Client()
    client.force_login(UserFactory(email="lead@support.test", is_staff=True, is_superuser=True))
    return client


class Clock:
    """The application's clock, moved by hand: `clock.move(hours=73)`."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def move(self, **delta):
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """Every `timezone.now()` of the app (services, rules, models) reads this clock."""
    moved = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", moved)
    return moved


# ---------------------------------------------------------------- processes


class Launched:
    """A process of the app's own (a Celery worker, a web server) started as the README
    starts it: in a process group of its own, writing to a log file, and waited for until
    `ready(self)` says it is up. `stop` asks it to end (SIGTERM), then kills it."""

    def __init__(self, argv, *, env, log_path, ready, what, stop_wait=20):
        self.argv, self.env, self.log_path = argv, env, log_path
        self.ready, self.what, self.stop_wait = ready, what, stop_wait
        self.process = None

    def start(self, timeout=60):
        log = open(self.log_path, "w")  # noqa: SIM115 (the process writes to it until stopped)
        self.process = subprocess.Popen(
            self.argv,
            cwd=django_settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready(self):
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"{self.what} did not start:\n{self.log()[-3000:]}")

    def kill(self):
        """End it at once, as a crash would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=self.stop_wait)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self):
        return self.log_path.read_text()


ARTIFACTS = os.path.join(os.path.dirname(__file__), "test-artifacts")


@pytest.fixture
def browser_page(live_server):
    """A page in Debian's headless chromium, driven by Playwright, against live_server.

    Mark the test `browser` (and `django_db(transaction=True)`). Take screenshots
    with `shot(page, name)`; they land in test-artifacts/.
    """
    yield from _chromium_page(live_server)


# Two readers far from UTC and from each other: west of it, and east of it across the date.
ZONES = ("America/Denver", "Australia/Sydney")


@pytest.fixture(params=ZONES, ids=["denver", "sydney"])
def zoned_page(request, live_server):
    """`browser_page` in a browser whose clock is set to each of ZONES in turn; the zone's
    name is `page.zone`."""
    for page in _chromium_page(live_server, timezone_id=request.param):
        page.zone = request.param
        yield page


def _chromium_page(live_server, **context_options):
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # test makes between page actions are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(base_url=live_server.url, **context_options)
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            # ORM calls in the test body run in Playwright's greenlet context, whose
            # connection the test database teardown cannot see; close it here.
            connections.close_all()
            context.close()
            browser.close()


def shot(page, name, *, accessible=True):
    """Save a full-page screenshot as test-artifacts/NAME.png (NAME may name a folder), and
    fail the test if axe-core finds a critical or serious accessibility problem on the page
    as it is now: every page a browser test looks at is checked, so a new one fails."""
    path = os.path.join(ARTIFACTS, f"{name}.png")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    page.screenshot(path=path, full_page=True)
    if accessible:
        assert_accessible(page, name)


# axe-core from npm (package.json, installed by `make install-dev`), run inside the page.
AXE = os.path.join(os.path.dirname(__file__), "node_modules", "axe-core", "axe.min.js")
# What fails a test; moderate and minor findings are reported by axe but left to judgement.
AXE_FAILS = ("critical", "serious")
_axe_source = None


def axe_violations(page, impacts=AXE_FAILS):
    """axe-core's violations of `impacts` on the page as it is now: one line per rule, with
    the first few elements it names. Injected through the driver, so the page's
    Content-Security-Policy (which allows no script of ours) does not stop it."""
    global _axe_source
    if _axe_source is None:
        if not os.path.exists(AXE):
            pytest.fail("axe-core is not installed: run `make install-dev` (npm ci)")
        with open(AXE) as f:
            _axe_source = f.read()
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(f"() => {{ {_axe_source}\n}}")
    found = page.evaluate(
        """async (impacts) => {
          const result = await window.axe.run(document, {resultTypes: ["violations"]});
          return result.violations.filter(v => impacts.includes(v.impact)).map(v =>
            `${v.impact} ${v.id}: ${v.help} (` +
            v.nodes.slice(0, 4).map(n => n.target.join(" ")).join(", ") +
            (v.nodes.length > 4 ? `, and ${v.nodes.length - 4} more` : "") + ")");
        }""",
        list(impacts),
    )
    return found


def assert_accessible(page, name=""):
    found = axe_violations(page)
    assert not found, f"axe-core on {name or page.url}:\n" + "\n".join(found)


# ---------------------------------------------------------------- the customer's books


@pytest.fixture
def books_company():
    """An empty QuickBooks Online company for the stand-in to serve."""
    from books.standin import Company

    return Company(realm_id="9130")


@pytest.fixture
def standin(books_company, settings):
    """The QuickBooks stand-in serving `books_company` on loopback, the desk pointed at it
    (with a short timeout), and the cache emptied between tests."""
    from django.core.cache import cache

    from books.standin import serving, settings_for

    with serving(books_company) as base:
        for name, value in settings_for(base).items():
            setattr(settings, name, value)
        settings.QUICKBOOKS_TIMEOUT_SECONDS = 0.5
        cache.clear()
        yield base
    cache.clear()


@pytest.fixture
def connect_books(standin, books_company):
    """Connects a tenant to the stand-in's company, as an admin's OAuth grant would."""
    from audit.actors import Actor
    from books import services
    from books.quickbooks import Grant

    def connect(tenant):
        grant = books_company.grant()
        tokens = Grant().tokens() | {
            "access_token": grant["access_token"],
            "refresh_token": grant["refresh_token"],
        }
        return services.connect(
            tenant=tenant,
            realm_id=books_company.realm_id,
            tokens=tokens,
            actor=Actor.system("onboarding"),
        )

    return connect
