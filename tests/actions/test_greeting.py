import pytest

from actions.greeting import ActionGreet
from tests.actions.conftest import make_tracker


@pytest.mark.asyncio
async def test_known_language_gets_the_introduction_and_menu(dispatcher, domain):
    await ActionGreet().run(dispatcher, make_tracker({"language": "fr"}), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_greet", "utter_menu"]


@pytest.mark.asyncio
async def test_unknown_language_gets_the_bilingual_language_menu(dispatcher, domain, registry):
    await ActionGreet().run(dispatcher, make_tracker({"language": None}), domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_greet_language_menu"
    assert len(message["buttons"]) == len(registry.codes)
