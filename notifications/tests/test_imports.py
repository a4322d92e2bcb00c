"""The outbox is generic: no module of notifications imports the unlocks app, so the
import graph has no circle (STYLE.md, "Apps point one way")."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import notifications

APP = Path(notifications.__file__).parent


def imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and _names_a_module(node.func):
            yield from (a.value for a in node.args if isinstance(a, ast.Constant))


def _names_a_module(func):
    """`__import__(...)` or `importlib.import_module(...)`."""
    return getattr(func, "id", None) == "__import__" or (
        getattr(func, "attr", None) == "import_module"
    )


def sources_of(app):
    root = APP.parent / app
    return root, [p for p in root.rglob("*.py") if "tests" not in p.relative_to(root).parts]


@pytest.mark.parametrize("app", ["notifications", "audit", "accounts"])
def test_no_module_of_the_app_imports_unlocks(app):
    root, sources = sources_of(app)
    assert len(sources) > 8, "the walk found the app's modules"

    found = {
        f"{path.relative_to(root.parent)}: {name}"
        for path in sources
        for name in imported_modules(path)
        if name == "unlocks" or name.startswith("unlocks.")
    }

    assert found == set()


def test_the_outbox_names_no_unlock_request_in_its_code():
    # What the messages are about (event names, the page a reference opens) comes from
    # the project's settings, not from the outbox.
    root, sources = sources_of("notifications")
    named = {
        str(path.relative_to(root.parent))
        for path in sources
        if "migrations" not in path.parts
        and ("unlock_request" in path.read_text() or "unlocks" in path.read_text())
    }

    assert named == set()


def test_the_walk_sees_an_import_of_unlocks(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from unlocks.selectors import receipt_for\n")

    assert "unlocks.selectors" in set(imported_modules(module))


def test_importing_the_outbox_loads_no_module_of_unlocks():
    # Django's settings list unlocks among the apps, so only notifications' own modules
    # are imported here, with Django's app registry left unloaded.
    script = (
        "import sys, pkgutil, importlib, os\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'\n"
        "import django\n"
        "from django.apps import apps\n"
        "from django.conf import settings\n"
        "settings.INSTALLED_APPS = [a for a in settings.INSTALLED_APPS if a != 'unlocks']\n"
        "django.setup()\n"
        "import notifications\n"
        "for m in pkgutil.walk_packages(notifications.__path__, 'notifications.'):\n"
        "    if '.tests' not in m.name and '.migrations' not in m.name:\n"
        "        importlib.import_module(m.name)\n"
        "print(sorted(n for n in sys.modules if n == 'unlocks' or n.startswith('unlocks.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=APP.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
