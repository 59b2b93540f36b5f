"""The staff appointment API over a real store (SQLite and PostgreSQL), through aiohttp's test client."""

import csv
import io
from datetime import timedelta

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from sportello.appointments.backend import BookingRequest
from sportello.inbox.store import InboxStore
from sportello.staff.app import build_app
from sportello.whatsapp.store import OUTBOX
from tests.sportello.appointments.conftest import NOW

TOKEN = "staff-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def inbox(tmp_path):
    store = InboxStore(f"sqlite:///{tmp_path / 'inbox.db'}")
    yield store
    store.close()


@pytest_asyncio.fixture
async def client(app, whatsapp_store, inbox):
    server = TestServer(build_app(app, whatsapp_store, TOKEN, inbox, clock=lambda: NOW))
    async with TestClient(server) as test_client:
        yield test_client


def book(app, slot_id, sender, name="Amina Ben Ali"):
    return app.backend.book(BookingRequest(sender, slot_id, name, "studio", "rinnovo", None, "en"), NOW).booking


@pytest.mark.asyncio
async def test_without_the_token_nothing_is_served_but_health(client):
    assert (await client.get("/health")).status == 200
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = await client.get("/staff/api/appointments", headers=headers)
        assert response.status == 401


@pytest.mark.asyncio
async def test_a_personal_token_acts_as_its_account_and_every_call_is_audited(client, app, inbox):
    book(app, "questura:20261203T0800Z", "393331234567", name="Amina Ben Ali")
    anna = inbox.create_user("anna", "correct horse battery staple", "operator")
    personal = {"Authorization": f"Bearer {inbox.create_api_token(anna, 'agenda')}"}
    export = "/staff/api/appointments/export.csv?from=2026-12-01&to=2026-12-07"
    block = "/staff/api/senders/393331234567/block"
    assert (await client.get("/staff/api/appointments/search?q=Amina", headers=personal)).status == 200
    assert (await client.get(export, headers=personal)).status == 200
    assert (await client.post(block, json={"reason": "resells slots"}, headers=AUTH)).status == 200
    assert (await client.get("/staff/api/appointments/search?q=x", headers=personal)).status == 400  # not audited
    entries = [(e["username"], e["action"], e["target"], e["detail"]) for e in reversed(inbox.audit_log())]
    staff = [entry for entry in entries if entry[1].startswith("staff_api")]
    assert staff[0] == ("anna", "staff_api GET /staff/api/appointments/search", None, "q=(5 characters)")
    assert staff[1] == ("anna", "staff_api GET /staff/api/appointments/export.csv", None, export.split("?")[1])
    assert staff[2][0] == "service-token" and staff[2][1] == "staff_api POST /staff/api/senders/{sender}/block"
    assert "393331234567" not in str(staff) and "Amina" not in str(staff) and len(staff) == 3


@pytest.mark.asyncio
async def test_a_token_the_inbox_does_not_know_is_refused_and_not_audited(client, inbox):
    anna = inbox.create_user("anna", "correct horse battery staple", "operator")
    token = inbox.create_api_token(anna, "agenda")
    for header in (f"Bearer {token}x", f"Basic {token}", "Bearer "):
        assert (await client.get("/staff/api/appointments", headers={"Authorization": header})).status == 401
    assert not [e for e in inbox.audit_log() if e["action"].startswith("staff_api")]


@pytest.mark.asyncio
async def test_the_day_and_the_week(client, app):
    thursday = book(app, "questura:20261203T0800Z", "39001")
    friday = book(app, "questura:20261204T0815Z", "39002", name="Mario Rossi")
    day = await (await client.get("/staff/api/appointments?day=2026-12-03", headers=AUTH)).json()
    assert [b["code"] for b in day["bookings"]] == [thursday.code]
    assert day["bookings"][0]["time"] == "09:00" and day["bookings"][0]["sender"] == "39001"
    week = await (await client.get("/staff/api/appointments?week=2026-12-02", headers=AUTH)).json()
    assert (week["from"], week["to"]) == ("2026-11-30", "2026-12-06")
    assert [b["code"] for b in week["bookings"]] == [thursday.code, friday.code]


@pytest.mark.asyncio
async def test_search_by_code_or_name(client, app):
    booking = book(app, "questura:20261203T0800Z", "39001")
    found = await (await client.get(f"/staff/api/appointments/search?q={booking.code.lower()}", headers=AUTH)).json()
    assert [b["code"] for b in found["bookings"]] == [booking.code]
    found = await (await client.get("/staff/api/appointments/search?q=ben%20al", headers=AUTH)).json()
    assert [b["name"] for b in found["bookings"]] == ["Amina Ben Ali"]


@pytest.mark.asyncio
async def test_cancel_with_a_message_tells_the_applicant(client, app, whatsapp_store):
    booking = book(app, "questura:20261203T0800Z", "39001")
    whatsapp_store.touch_contact("39001", None, NOW - timedelta(hours=1))
    response = await client.post(
        f"/staff/api/appointments/{booking.code}/cancel", json={"message": "Ufficio chiuso per sciopero."}, headers=AUTH
    )
    assert response.status == 200 and (await response.json())["notified_by"] == "text"
    assert app.store.by_code(booking.code).cancelled_by == "staff"
    with whatsapp_store.engine.connect() as connection:
        [body] = [row.body for row in connection.execute(OUTBOX.select())]
    assert body["to"] == "39001"
    assert "cancelled your appointment on Thursday 3 December, at 09:00" in body["text"]["body"]
    assert body["text"]["body"].endswith("Message from the office: Ufficio chiuso per sciopero.")
    again = await client.post(f"/staff/api/appointments/{booking.code}/cancel", json={}, headers=AUTH)
    assert again.status == 404


@pytest.mark.asyncio
async def test_move_to_a_free_slot_sends_the_change_template_outside_the_window(client, app, whatsapp_store):
    booking = book(app, "questura:20261203T0800Z", "39001")
    taken = book(app, "questura:20261203T0815Z", "39002")
    conflict = await client.post(
        f"/staff/api/appointments/{booking.code}/move", json={"slot": "questura:20261203T0815Z"}, headers=AUTH
    )
    assert conflict.status == 409 and taken.code
    free = await (await client.get("/staff/api/appointments/free?from=2026-12-04", headers=AUTH)).json()
    target = free["slots"][0]["id"]
    moved = await client.post(f"/staff/api/appointments/{booking.code}/move", json={"slot": target}, headers=AUTH)
    result = await moved.json()
    assert result["notified_by"] == "template" and result["booking"]["date"] == "2026-12-04"
    assert app.store.notifications(booking.id)[0]["template"] == "modifica_appuntamento"


@pytest.mark.asyncio
async def test_csv_export_neutralises_formulas(client, app):
    book(app, "questura:20261203T0800Z", "39001", name="=HYPERLINK(x)")
    response = await client.get("/staff/api/appointments/export.csv?from=2026-12-01&to=2026-12-31", headers=AUTH)
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert rows[0]["name"] == "'=HYPERLINK(x)" and rows[0]["time"] == "09:00"


@pytest.mark.asyncio
async def test_block_release_and_allowance(client, app):
    assert (
        await client.post("/staff/api/senders/39001/block", json={"reason": "resells slots"}, headers=AUTH)
    ).status == 200
    assert app.store.is_blocked("39001")
    assert (await client.post("/staff/api/senders/39001/release", headers=AUTH)).status == 200
    assert not app.store.is_blocked("39001")
    assert (await client.put("/staff/api/senders/39001/allowance", json={"max_active": 3}, headers=AUTH)).status == 200
    assert app.store.max_active("39001", 1) == 3


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "method, path, body, problem",
    [
        ("get", "/staff/api/appointments?day=2026-13-01", None, "day: not a date YYYY-MM-DD"),
        ("get", "/staff/api/appointments/search?q=a", None, "q: give at least 2 characters"),
        ("get", "/staff/api/appointments/export.csv?from=2026-12-31&to=2026-12-01", None, "to: must be on or after"),
        ("get", "/staff/api/appointments/refusals?hours=-1", None, "hours: a whole number"),
        ("post", "/staff/api/appointments/ABCDEF/move", {"slot": "../../etc"}, "slot: not a slot"),
        ("post", "/staff/api/appointments/ABCDEF/cancel", ["not", "an", "object"], "the body must be a JSON object"),
        ("post", "/staff/api/appointments/ABCDEF/cancel", {"message": "x" * 1001}, "message: at most 1000"),
        ("post", "/staff/api/senders/39001/block", {"reason": ""}, "reason: say why"),
        ("put", "/staff/api/senders/39001/allowance", {"max_active": 0}, "max_active: a whole number"),
    ],
)
async def test_bad_input_gets_a_clear_400(client, method, path, body, problem):
    response = await getattr(client, method)(path, json=body, headers=AUTH)
    assert response.status == 400
    assert (await response.json())["error"].startswith(problem)
