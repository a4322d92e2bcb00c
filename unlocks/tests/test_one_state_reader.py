"""One reader of a record's state now (STYLE.md 14): `Record.state_at` for one row and
`RecordQuerySet.as_of` / `reading` for many. No code outside the models filters on the
stored `state` column, which reads wrong once an unlock's window has ended and before
the job writes it back; only its writers (the services, the platform) name it, to write."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "audit", "core", "config", "notifications", "unlocks", "bench")
# Where the stored column may be read: the one reader itself.
READER = {"unlocks/models.py"}
# Calls whose keywords are lookups on the rows.
LOOKUPS = {"filter", "exclude", "get", "get_or_create", "update_or_create", "Q", "count"}


def sources():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if {"tests", "migrations"} & set(relative.parts) or str(relative) in READER:
                continue
            yield relative, ast.parse(path.read_text(), filename=str(path))


def _names_the_state(name):
    return name == "state" or name.startswith("state__") or "__state" in name


def stored_state_lookups(tree):
    """(line, the lookup) of each filter on the stored state in `tree`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if called not in LOOKUPS:
                continue
            for keyword in node.keywords:
                if keyword.arg and _names_the_state(keyword.arg):
                    yield node.lineno, keyword.arg
                if keyword.arg is None and isinstance(keyword.value, ast.Dict):
                    for key in keyword.value.keys:
                        if isinstance(key, ast.Constant) and _names_the_state(str(key.value)):
                            yield node.lineno, key.value
        elif isinstance(node, ast.Assign) and any(
            getattr(t, "id", None) == "list_filter" for t in node.targets
        ):
            for item in ast.walk(node.value):
                if isinstance(item, ast.Constant) and item.value == "state":
                    yield node.lineno, "list_filter state"


def test_no_code_outside_the_models_filters_on_the_stored_state():
    found = [
        f"{path}:{line}: {lookup}"
        for path, tree in sources()
        for line, lookup in stored_state_lookups(tree)
    ]
    assert found == []


@pytest.mark.parametrize(
    "code",
    [
        "Invoice.objects.filter(state='open')",
        "Invoice.objects.exclude(state__in=['open'])",
        "Q(invoice__state='bypassed')",
        "qs.filter(**{'state': 'open'})",
        "list_filter = ('state', 'tenant')",
    ],
)
def test_the_walk_sees_a_filter_on_the_stored_state(code):
    assert list(stored_state_lookups(ast.parse(code)))


def test_the_walk_lets_the_reader_through():
    code = "Invoice.objects.reading(['open'], now).filter(state_as_of='open', batch=b)"
    assert list(stored_state_lookups(ast.parse(code))) == []
