"""The dashboard pages of the inbox: roles, the seeded figures, the date range, bad input, CSV."""

import csv
import io

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from sportello.analytics.figures import Sources
from sportello.appointments.store import BookingStore
from sportello.attachments.storage import FileStorage
from sportello.inbox.store import InboxStore
from sportello.inbox.web import build_app
from sportello.tracker_data import TrackerData
from tests.sportello.analytics.seed import ROME, SETTINGS, seed
from tests.sportello.inbox.conftest import log_in

PERIOD = "from=2026-11-02&to=2026-11-03"


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    directory = tmp_path_factory.mktemp("seeded")
    seed(directory)
    sources = Sources(
        TrackerData(f"sqlite:///{directory / 'tracker.db'}"),
        InboxStore(f"sqlite:///{directory / 'inbox.db'}"),
        BookingStore(f"sqlite:///{directory / 'appointments.db'}"),
        SETTINGS,
        ROME,
    )
    yield sources
    for store in (sources.tracker, sources.inbox, sources.bookings):
        store.close()


@pytest_asyncio.fixture
async def client(inbox, sources, tmp_path):
    app = build_app(inbox, FileStorage(tmp_path / "attachments"), analytics=sources)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


@pytest.mark.asyncio
async def test_operators_are_refused_and_see_no_link(client, inbox_store):
    await log_in(client, inbox_store, "olga", "operator")
    assert (await client.get(f"/inbox/dashboard?{PERIOD}")).status == 403
    assert (await client.get(f"/inbox/dashboard.csv?{PERIOD}")).status == 403
    assert "/inbox/dashboard" not in await (await client.get("/inbox")).text()


@pytest.mark.asyncio
@pytest.mark.parametrize("role", ["supervisor", "administrator"])
async def test_supervisors_and_administrators_see_the_seeded_figures(client, inbox_store, role):
    await log_in(client, inbox_store, "sara", role)
    assert 'href="/inbox/dashboard"' in await (await client.get("/inbox")).text()
    response = await client.get(f"/inbox/dashboard?{PERIOD}")
    html = await response.text()
    assert response.status == 200
    assert "Cruscotto dal 02/11/2026 al 03/11/2026" in html
    summary = html.split('id="summary"')[1].split("</section>")[0]
    for figure in (
        "<strong>7</strong> conversazioni",
        "<strong>43%</strong> risolte senza una persona (3)",
        "<strong>57%</strong> passate a una persona (4)",
        "<strong>51 min</strong> attesa mediana",
        "<strong>20%</strong> messaggi non capiti (2 su 10)",
        "<strong>1</strong> appuntamenti prenotati, 2 annullati",
        "<strong>1,5</strong> visite allo sportello evitate",
        "<strong>0,9</strong> telefonate evitate",
    ):
        assert figure in summary
    assert "90° percentile <strong>1 h 30 min</strong>" in html
    assert "1 ancora in attesa, 1 chiuse senza risposta scritta" in html
    assert "no-show): <strong>non registrate</strong>" in html
    assert "a questo ritmo 274 visite l'anno,\n    contro le circa 8.000" in html
    assert "<title>02/11 · ar: 1</title>" in html and "<title>03/11: 50%</title>" in html
    assert "<title>chiesto dall&#39;utente: 1</title>" in html


@pytest.mark.asyncio
async def test_the_page_has_no_inline_script_or_style_and_is_not_audited(client, inbox_store):
    await log_in(client, inbox_store, "sara", "supervisor")
    response = await client.get(f"/inbox/dashboard?{PERIOD}")
    html = await response.text()
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert html.count("<script") == 1 and '<script src="/static/inbox.js" defer></script>' in html
    assert "style=" not in html and "<style" not in html and "<svg" in html
    assert [a["action"] for a in inbox_store.audit_log()] == ["login"]


@pytest.mark.asyncio
async def test_the_range_defaults_to_the_last_30_days(client, inbox_store):
    await log_in(client, inbox_store, "sara", "supervisor")
    # The inbox's clock says 2 December 2026: 3 November to 2 December, four seeded
    # conversations on 3 November and one on 4 November.
    html = await (await client.get("/inbox/dashboard")).text()
    assert "Cruscotto dal 03/11/2026 al 02/12/2026" in html
    assert "<strong>5</strong> conversazioni" in html


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("from=2026-13-01&to=2026-11-03", "from: not a date YYYY-MM-DD"),
        ("from=2026-11-04&to=2026-11-03", "from: after to"),
        ("from=2025-01-01&to=2026-11-03", "from, to: at most 366 days"),
        ("to=%3Cscript%3E", "to: not a date YYYY-MM-DD"),
    ],
)
async def test_bad_dates_get_a_400_page_with_the_reason(client, inbox_store, query, reason):
    await log_in(client, inbox_store, "sara", "supervisor")
    for path in ("/inbox/dashboard", "/inbox/dashboard.csv"):
        response = await client.get(f"{path}?{query}")
        assert response.status == 400
        assert reason in await response.text()


@pytest.mark.asyncio
async def test_csv_export_has_every_figure(client, inbox_store):
    await log_in(client, inbox_store, "sara", "supervisor")
    response = await client.get(f"/inbox/dashboard.csv?{PERIOD}")
    assert response.status == 200 and response.content_type == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="cruscotto_2026-11-02_2026-11-03.csv"'
    rows = list(csv.reader(io.StringIO(await response.text())))
    assert rows[0] == ["figure", "day", "key", "value"]
    for row in (
        ["conversations", "2026-11-03", "fr", "1"],
        ["conversations", "", "total", "7"],
        ["contained", "", "share", "0.4286"],
        ["handed_off", "", "not_understood", "1"],
        ["first_reply_minutes", "", "median", "51"],
        ["first_reply_minutes", "", "p90", "90"],
        ["intent", "", "ask_documents", "2"],
        ["permit_type", "", "studio", "2"],
        ["fallback", "", "rate", "0.2000"],
        ["appointments", "", "cancelled_by_staff", "1"],
        ["appointments", "", "no_shows", "not recorded"],
        ["avoided", "", "visits", "1.5"],
        ["assumption", "", "calls_per_conversation_without_a_person", "0.3"],
    ):
        assert row in rows


@pytest.mark.asyncio
async def test_without_sources_there_is_no_dashboard(inbox, inbox_store, tmp_path):
    async with TestClient(TestServer(build_app(inbox, FileStorage(tmp_path / "a")))) as plain:
        await log_in(plain, inbox_store, "sara", "supervisor")
        assert (await plain.get("/inbox/dashboard")).status == 404
