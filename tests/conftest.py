"""Shared fixtures: the project's domain, language registry and trained model."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict

import pytest
import yaml

from sportello import PROJECT_ROOT
from sportello.languages import LanguageRegistry, load_registry

SHARED_LANGID = PROJECT_ROOT.parent / "shared" / "data" / "langid"


@pytest.fixture(scope="session")
def registry() -> LanguageRegistry:
    return load_registry()


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    with open(PROJECT_ROOT / "domain.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The trained model; `make test` trains it and passes it in SPORTELLO_MODEL."""
    value = os.environ.get("SPORTELLO_MODEL")
    if not value:
        pytest.skip("no trained model: run the tests through `make test`, which trains one")
    return PROJECT_ROOT / value
