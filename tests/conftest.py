"""Shared fixtures: the project's domain, language registry and trained model."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
import sqlalchemy as sa
import yaml

from sportello import PROJECT_ROOT
from sportello.appointments.service import Appointments, open_appointments
from sportello.devserver import running_stack
from sportello.languages import LanguageRegistry, load_registry
from sportello.whatsapp.store import WhatsAppStore
from tests.sportello.appointments.conftest import settings_with

SHARED_LANGID = PROJECT_ROOT.parent / "shared" / "data" / "langid"
POSTGRES_URL = os.environ.get("SPORTELLO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database: a SQLite file, or a throw-away schema on the real PostgreSQL.

    The PostgreSQL variant skips, saying why, where no server listens at
    SPORTELLO_TEST_POSTGRES_URL (default 127.0.0.1:5432, trust auth, database test).
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    admin = sa.create_engine(POSTGRES_URL, future=True)
    schema = f"test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {error.orig}")
    # libpq's "options" puts every connection into the throw-away schema.
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


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


TOKEN = "test-api-token"


@pytest.fixture(scope="session")
def server(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The trained model behind the real Rasa server, action server and channels (one for the session)."""
    with running_stack(model_path, tmp_path_factory.mktemp("server"), TOKEN) as stack:
        yield stack.base_url


@pytest.fixture
def whatsapp_store(tmp_path: Path) -> Iterator[WhatsAppStore]:
    """A WhatsApp store (inbound, contacts, outbox) on a SQLite file."""
    store = WhatsAppStore(f"sqlite:///{tmp_path / 'whatsapp.db'}")
    yield store
    store.close()


@pytest.fixture
def app(database_url: str) -> Iterator[Appointments]:
    """The appointment parts on a fresh database with the test settings (tests/sportello/appointments/conftest.py)."""
    parts = open_appointments(database_url, settings_with())
    yield parts
    parts.store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Debian chromium under Playwright, for a browser-test module (see tests/browser.py)."""
    from tests.browser import CHROMIUM, playwright_api  # skips where Playwright or chromium is missing

    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()
