import pytest

from actions.language import ActionChangeLanguage, ActionSetLanguage
from tests.actions.conftest import make_tracker, parse


async def run(action, dispatcher, domain, slots, message):
    return await action.run(dispatcher, make_tracker(slots, message), domain)


@pytest.mark.asyncio
async def test_first_confident_message_sets_the_language(dispatcher, domain):
    events = await run(ActionSetLanguage(), dispatcher, domain, {}, parse("bonjour madame", "greet", "fr", 0.9))
    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": "fr"}]


@pytest.mark.asyncio
async def test_unchanged_language_sets_nothing(dispatcher, domain):
    events = await run(ActionSetLanguage(), dispatcher, domain, {"language": "fr"}, parse("ok", "affirm", "sq", 0.4))
    assert events == []


@pytest.mark.asyncio
async def test_menu_choice_switches_language(dispatcher, domain):
    message = parse("/change_language", "change_language", "it", 0.2, [{"entity": "language", "value": "zh"}])
    events = await run(ActionSetLanguage(), dispatcher, domain, {"language": "it"}, message)
    assert events[0]["value"] == "zh"


@pytest.mark.asyncio
async def test_change_without_language_shows_the_menu(dispatcher, domain, registry):
    await run(
        ActionChangeLanguage(),
        dispatcher,
        domain,
        {"language": "en"},
        parse("other language please", "change_language", "en", 0.9),
    )
    [message] = dispatcher.messages
    assert message["response"] == "utter_choose_language"
    assert [b["title"] for b in message["buttons"]] == [lang.name for lang in registry.languages]
    assert message["buttons"][2]["payload"] == '/change_language{"language": "fr"}'


@pytest.mark.asyncio
async def test_honoured_request_is_confirmed(dispatcher, domain):
    message = parse("español por favor", "change_language", "es", 0.9, [{"entity": "language", "value": "es"}])
    await run(ActionChangeLanguage(), dispatcher, domain, {"language": "es"}, message)
    assert [m["response"] for m in dispatcher.messages] == ["utter_language_changed"]
