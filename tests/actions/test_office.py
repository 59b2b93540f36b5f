import pytest

from actions.office import ActionOfficeInfo
from tests.actions.conftest import make_tracker


@pytest.mark.asyncio
async def test_office_info_fills_sourced_fields_and_marks_the_rest(dispatcher, domain):
    await ActionOfficeInfo().run(dispatcher, make_tracker({"language": "en"}), domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_office_info"
    assert message["whatsapp"] == "351 7749241"
    assert message["phone_hours"].startswith("on Tuesdays")
    assert message["address"] == "to be confirmed by the office"
    assert message["opening_hours"] == "to be confirmed by the office"
