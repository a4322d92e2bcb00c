"""docs/operations/: the Prometheus alert rules and the Grafana dashboard load, ask only for
metrics the desk serves, and (with Debian's promtool) parse and fire as their tests say."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from conftest import skip_or_fail

OPERATIONS = Path(settings.BASE_DIR) / "docs" / "operations"
ALERTS = OPERATIONS / "alerts.yml"
DASHBOARD = OPERATIONS / "grafana-dashboard.json"
METRIC = re.compile(r"\bunlockdesk_[a-z_]+")
# What Grafana puts in for its variables, so that promtool can read the expressions.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m"}

SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gauge": ("",),
}


def rules():
    return [
        rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]
    ]


def dashboard_exprs():
    board = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in board["panels"] for target in panel["targets"]]


@pytest.fixture
def served(client, db, settings):
    """Every series name /metrics can serve, by its families' types."""
    settings.METRICS_TOKEN = "t"
    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t").content.decode()
    return {
        family.name + suffix
        for family in text_string_to_metric_families(text)
        for suffix in SUFFIXES.get(family.type, ("",))
    }


def test_every_alert_has_an_expression_a_severity_and_words_for_the_person_paged():
    found = rules()
    assert {rule["alert"] for rule in found} >= {
        "UnlockDeskEmailsNotSent",
        "UnlockDeskWebhooksFailing",
        "UnlockDeskPinLocks",
        "UnlockDeskBeatLate",
        "UnlockDeskServerErrors",
    }
    for rule in found:
        assert rule["expr"].strip()
        assert rule["labels"]["severity"] in {"page", "ticket"}
        assert rule["annotations"]["summary"].strip()
        assert rule["annotations"]["description"].strip()


def test_the_dashboard_is_grafana_json_with_a_query_in_every_panel():
    board = json.loads(DASHBOARD.read_text())
    assert board["uid"] == "unlockdesk" and board["schemaVersion"] >= 36
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in board["panels"]:
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert set(panel["gridPos"]) == {"h", "w", "x", "y"}
        refs = [target["refId"] for target in panel["targets"]]
        assert refs and len(refs) == len(set(refs))
        assert all(target["expr"].strip() for target in panel["targets"])


def test_the_rules_and_the_dashboard_ask_only_for_metrics_the_desk_serves(served):
    asked = set()
    for expr in [rule["expr"] for rule in rules()] + dashboard_exprs():
        asked |= set(METRIC.findall(expr))

    assert asked  # they do ask for the desk's own metrics
    assert asked - served == set()


@pytest.fixture
def promtool():
    found = shutil.which("promtool")
    if found is None:
        skip_or_fail("needs promtool: apt-get install prometheus (Debian's package)")
    return found


def _run(*argv):
    done = subprocess.run(argv, cwd=OPERATIONS, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_reads_the_alert_rules_and_their_tests_pass(promtool):
    _run(promtool, "check", "rules", "alerts.yml")
    _run(promtool, "test", "rules", "alerts.test.yml")


def test_promtool_reads_every_dashboard_query(promtool, tmp_path):
    recorded = []
    for n, expr in enumerate(dashboard_exprs()):
        for variable, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        recorded.append({"record": f"dashboard:query_{n}", "expr": expr})
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": recorded}]}))

    _run(promtool, "check", "rules", str(path))
