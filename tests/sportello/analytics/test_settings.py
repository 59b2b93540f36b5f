"""knowledge/dashboard.yml: the office's file loads, and mistakes name the setting."""

import pytest

from sportello.analytics.settings import load_dashboard_settings
from sportello.settings import ConfigError

VALID = """
avoided_per_conversation: {visits: 0.5, calls: 0}
reference: {visits_per_year: 8000, source: "comunicato"}
"""


def test_the_offices_file_loads():
    settings = load_dashboard_settings()
    assert 0 <= settings.visits_per_conversation <= 1 and 0 <= settings.calls_per_conversation <= 1
    assert settings.reference_visits_per_year == 8000


def test_a_valid_file(tmp_path):
    path = tmp_path / "dashboard.yml"
    path.write_text(VALID)
    settings = load_dashboard_settings(path)
    assert (settings.visits_per_conversation, settings.calls_per_conversation) == (0.5, 0.0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("visits: 0.5", "visits: 1.5"), "avoided_per_conversation.visits: 1.5 must be a number from 0 to 1"),
        (("calls: 0", "calls: yes"), "avoided_per_conversation.calls: True must be a number from 0 to 1"),
        (("visits_per_year: 8000", "visits_per_year: -1"), "reference.visits_per_year: -1 must be a whole number"),
        (('source: "comunicato"', 'source: ""'), "reference.source: must be a non-empty text"),
    ],
)
def test_mistakes_name_the_setting(tmp_path, change, message):
    path = tmp_path / "dashboard.yml"
    path.write_text(VALID.replace(*change))
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        load_dashboard_settings(path)
