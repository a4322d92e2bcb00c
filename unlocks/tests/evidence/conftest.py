"""The offline verifier, loaded as the standalone file an auditor runs, and the keys
document as the desk serves it."""

import importlib.util
import json
from pathlib import Path

import pytest
from django.conf import settings

VERIFIER = Path(settings.BASE_DIR) / "tools" / "verify_evidence.py"


def _load_verifier():
    spec = importlib.util.spec_from_file_location("verify_evidence", VERIFIER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


verifier = _load_verifier()


@pytest.fixture
def keys_document(client):
    return json.loads(client.get("/.well-known/unlock-desk-keys.json").content)


def check(bundle, keys_document):
    """(status, problems) as the verifier judges the bundle."""
    status, problems, _facts = verifier.verify(bundle, keys_document)
    return status, problems
