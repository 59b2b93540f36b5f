"""The inbox web application and JSON API: every transition and the security rules."""

import pytest

from sportello.appointments.backend import BookingRequest
from sportello.appointments.store import BookingStore
from sportello.attachments.storage import FileStorage
from sportello.inbox.handoff import canned_replies
from sportello.personal_data import PersonalData
from sportello.tracker_data import TrackerData
from sportello.whatsapp.store import OUTBOX
from tests.sportello.appointments.conftest import NOW as BOOKING_NOW
from tests.sportello.inbox.conftest import log_in, within_window


def outbox(whatsapp_store):
    with whatsapp_store.engine.connect() as connection:
        return [row.body for row in connection.execute(OUTBOX.select().order_by(OUTBOX.c.id))]


def handed_over(inbox_store, rasa, sender="39333", language="ar"):
    rasa.user_says(sender, "أريد التحدث مع موظف")
    rasa.events[sender].append({"event": "pause", "timestamp": 0})
    return inbox_store.open_handoff(sender, "whatsapp", "asked", language, None)


@pytest.mark.asyncio
async def test_without_a_session_pages_redirect_and_json_is_refused(client):
    assert (await client.get("/inbox", allow_redirects=False)).headers["Location"] == "/login"
    assert (await client.get("/inbox/queue.json")).status == 401
    assert (await client.post("/inbox/c/1/reply", data={"text": "x"})).status == 401
    assert (await client.get("/api/v1/queue")).status == 401


@pytest.mark.asyncio
async def test_wrong_password_and_login_without_csrf_are_refused(client, inbox_store):
    inbox_store.create_user("anna", "correct horse battery staple", "operator")
    page = await client.get("/login")
    csrf = (await page.text()).split('name="csrf" value="')[1].split('"')[0]
    wrong = await client.post("/login", data={"csrf": csrf, "username": "anna", "password": "nope nope nope"})
    assert wrong.status == 401 and "errati" in await wrong.text()
    forged = await client.post(
        "/login", data={"csrf": "forged", "username": "anna", "password": "correct horse battery staple"}
    )
    assert forged.status == 403


@pytest.mark.asyncio
async def test_forms_without_the_csrf_token_are_refused(client, inbox_store, rasa):
    await log_in(client, inbox_store)
    handoff = handed_over(inbox_store, rasa)
    response = await client.post(f"/inbox/c/{handoff.id}/note", data={"text": "ciao"})
    assert response.status == 403
    assert inbox_store.notes(handoff.id) == []


@pytest.mark.asyncio
async def test_an_operator_cannot_do_administrator_things(client, inbox_store):
    csrf = await log_in(client, inbox_store)
    assert (await client.get("/inbox/users")).status == 403
    created = await client.post(
        "/inbox/users",
        data={"csrf": csrf, "username": "evil", "role": "administrator", "password": "correct horse battery staple"},
    )
    assert created.status == 403 and inbox_store.user_by_name("evil") is None
    assert (await client.get("/inbox/audit")).status == 403


@pytest.mark.asyncio
async def test_applicant_script_is_shown_as_text(client, inbox_store, rasa):
    await log_in(client, inbox_store)
    handoff = handed_over(inbox_store, rasa)
    rasa.user_says("39333", '<script>alert("x")</script><img src=x onerror=alert(1)>')
    html = await (await client.get(f"/inbox/c/{handoff.id}")).text()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    response = await client.get(f"/inbox/c/{handoff.id}")
    assert "script-src" not in response.headers["Content-Security-Policy"]  # default-src 'self': no inline script
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.asyncio
async def test_reply_goes_out_on_whatsapp_and_into_the_transcript(client, inbox_store, rasa, whatsapp_store):
    csrf = await log_in(client, inbox_store)
    handoff = handed_over(inbox_store, rasa)
    within_window(whatsapp_store, "39333")
    response = await client.post(
        f"/inbox/c/{handoff.id}/reply", data={"csrf": csrf, "text": "Buongiorno, la aiuto io."}, allow_redirects=False
    )
    assert response.status == 303
    [body] = outbox(whatsapp_store)
    assert body["to"] == "39333" and body["text"]["body"].endswith("Buongiorno, la aiuto io.")
    assert body["text"]["body"].startswith("👤")
    assert rasa.events["39333"][-1]["metadata"] == {"staff": "anna"}
    assert inbox_store.handoff(handoff.id).assigned_to == "anna"
    await client.post(f"/inbox/c/{handoff.id}/reply", data={"csrf": csrf, "canned": "documents_received"})
    assert outbox(whatsapp_store)[-1]["text"]["body"].endswith(canned_replies()("documents_received", "ar"))
    actions = [a["action"] for a in inbox_store.audit_log()]
    assert actions.count("reply") == 2 and "login" in actions


@pytest.mark.asyncio
async def test_outside_the_24_hour_window_only_the_template_goes(client, inbox_store, rasa, whatsapp_store):
    csrf = await log_in(client, inbox_store)
    handoff = handed_over(inbox_store, rasa)
    page = await (await client.get(f"/inbox/c/{handoff.id}")).text()
    assert "finestra di 24 ore" in page
    refused = await client.post(
        f"/inbox/c/{handoff.id}/reply", data={"csrf": csrf, "text": "ciao"}, allow_redirects=False
    )
    assert "24-hour" in refused.headers["Location"].replace("%20", " ")
    assert outbox(whatsapp_store) == []
    await client.post(f"/inbox/c/{handoff.id}/template", data={"csrf": csrf})
    [body] = outbox(whatsapp_store)
    assert body["type"] == "template" and body["template"]["name"] == "risposta_ufficio"
    assert body["template"]["language"]["code"] == "ar"


@pytest.mark.asyncio
async def test_hand_back_resumes_and_greets_in_the_language(client, inbox_store, rasa, whatsapp_store):
    csrf = await log_in(client, inbox_store)
    handoff = handed_over(inbox_store, rasa, language="uk")
    within_window(whatsapp_store, "39333")
    assert rasa.paused("39333")
    response = await client.post(f"/inbox/c/{handoff.id}/handback", data={"csrf": csrf}, allow_redirects=False)
    assert response.headers["Location"] == "/inbox"
    assert not rasa.paused("39333")
    assert outbox(whatsapp_store)[-1]["text"]["body"].startswith("Це знову Sportello")
    assert inbox_store.handoff(handoff.id).status == "handed_back"
    again = await client.post(f"/inbox/c/{handoff.id}/reply", data={"csrf": csrf, "text": "x"}, allow_redirects=False)
    assert "closed" in again.headers["Location"]


@pytest.mark.asyncio
async def test_resolve_and_take_over(client, inbox_store, rasa):
    csrf = await log_in(client, inbox_store, role="supervisor")
    rasa.user_says("39444", "hello")
    response = await client.post("/inbox/takeover", data={"csrf": csrf, "sender": "39444"}, allow_redirects=False)
    handoff = inbox_store.open_handoff_of("39444")
    assert response.headers["Location"] == f"/inbox/c/{handoff.id}"
    assert rasa.paused("39444") and handoff.assigned_to == "anna" and handoff.reason == "staff"
    await client.post(f"/inbox/c/{handoff.id}/resolve", data={"csrf": csrf})
    assert not rasa.paused("39444") and inbox_store.handoff(handoff.id).status == "resolved"
    unknown = await client.post("/inbox/takeover", data={"csrf": csrf, "sender": "39999"})
    assert unknown.status == 400 and "no conversation" in await unknown.text()


@pytest.mark.asyncio
async def test_supervisors_assign_to_others_operators_do_not(client, inbox_store, rasa):
    inbox_store.create_user("marco", "correct horse battery staple", "operator")
    csrf = await log_in(client, inbox_store)
    handoff = handed_over(inbox_store, rasa)
    response = await client.post(
        f"/inbox/c/{handoff.id}/assign", data={"csrf": csrf, "to": "marco"}, allow_redirects=False
    )
    assert "supervisors" in response.headers["Location"]
    await client.post(f"/inbox/c/{handoff.id}/assign", data={"csrf": csrf})
    assert inbox_store.handoff(handoff.id).assigned_to == "anna"


@pytest.mark.asyncio
async def test_queue_json_for_live_updates(client, inbox_store, rasa):
    await log_in(client, inbox_store)
    assert (await (await client.get("/inbox/queue.json")).json())["rows"] == []
    handed_over(inbox_store, rasa)
    data = await (await client.get("/inbox/queue.json?view=waiting")).json()
    assert [r["language"] for r in data["rows"]] == ["ar"] and data["counts"]["waiting"] == 1


@pytest.mark.asyncio
async def test_json_api_with_a_token(client, inbox_store, rasa, whatsapp_store):
    user = inbox_store.create_user("gestionale", "correct horse battery staple", "operator")
    token = inbox_store.create_api_token(user, "office tool")
    auth = {"Authorization": f"Bearer {token}"}
    handoff = handed_over(inbox_store, rasa)
    within_window(whatsapp_store, "39333")
    queue = await (await client.get("/api/v1/queue", headers=auth)).json()
    assert [r["id"] for r in queue["rows"]] == [handoff.id]
    conversation = await (await client.get(f"/api/v1/conversations/{handoff.id}", headers=auth)).json()
    assert conversation["transcript"][0]["who"] == "applicant" and conversation["window_open"]
    reply = await client.post(f"/api/v1/conversations/{handoff.id}/reply", json={"text": "Salve"}, headers=auth)
    assert reply.status == 200 and (await reply.json())["status"] == "assigned"
    empty = await client.post(f"/api/v1/conversations/{handoff.id}/reply", json={"text": "  "}, headers=auth)
    assert empty.status == 409 and "empty" in (await empty.json())["error"]
    done = await client.post(f"/api/v1/conversations/{handoff.id}/handback", headers=auth)
    assert (await done.json())["status"] == "handed_back"


@pytest.mark.asyncio
async def test_appointments_page_and_audited_export(client, inbox_store, app, inbox):
    inbox.appointments = app
    app.backend.book(
        BookingRequest("39001", "questura:20261203T0800Z", "Amina Ben Ali", None, None, None, "it"), BOOKING_NOW
    )
    await log_in(client, inbox_store)
    page = await (await client.get("/inbox/appointments?week=2026-12-01")).text()
    assert "Amina Ben Ali" in page and "09:00" in page
    export = await client.get("/inbox/appointments?day=2026-12-03&format=csv")
    assert export.headers["Content-Type"].startswith("text/csv") and "Amina Ben Ali" in await export.text()
    assert [a["action"] for a in inbox_store.audit_log()][:2] == ["export_appointments", "read_appointments"]
    assert (await client.get("/inbox/appointments?week=nonsense")).status == 400


@pytest.mark.asyncio
async def test_export_and_erasure_are_for_supervisors_and_audited(client, inbox_store, rasa, inbox, tmp_path):
    inbox.personal_data = PersonalData(
        TrackerData(f"sqlite:///{tmp_path / 'tracker.db'}"),
        inbox.whatsapp,
        FileStorage(tmp_path / "files"),
        BookingStore(f"sqlite:///{tmp_path / 'bookings.db'}"),
        inbox_store,
    )
    handoff = handed_over(inbox_store, rasa)
    csrf = await log_in(client, inbox_store)  # an operator
    assert (await client.get(f"/inbox/c/{handoff.id}/export.json")).status == 403
    assert (await client.post(f"/inbox/c/{handoff.id}/erase", data={"csrf": csrf})).status == 403
    await client.post("/logout", data={"csrf": csrf})
    csrf = await log_in(client, inbox_store, username="sara", role="supervisor")
    exported = await (await client.get(f"/inbox/c/{handoff.id}/export.json")).json()
    assert exported["sender"] == "39333" and exported["handoffs"][0]["reason"] == "asked"
    erased = await client.post(f"/inbox/c/{handoff.id}/erase", data={"csrf": csrf})
    assert "Dati cancellati" in await erased.text()
    assert inbox_store.open_handoff_of("39333") is None
    assert [a["action"] for a in inbox_store.audit_log()][:2] == ["erase", "export"]


@pytest.mark.asyncio
async def test_health_readiness_and_metrics_need_no_login(client, inbox_store, rasa):
    handed_over(inbox_store, rasa)
    assert (await client.get("/health")).status == 200
    assert (await (await client.get("/ready")).json())["status"] == "ready"
    metrics = await (await client.get("/metrics")).text()
    assert 'sportello_handoff_queue{status="waiting"} 1.0' in metrics
    assert "39333" not in metrics
