import pytest
import yaml

from sportello.appointments.config import ConfigError, load_settings, parse_settings
from tests.sportello.appointments.conftest import SETTINGS_YAML


def broken(path, value):
    raw = yaml.safe_load(SETTINGS_YAML)
    *parents, last = path
    node = raw
    for key in parents:
        node = node[key]
    node[last] = value
    return raw


def test_the_office_file_is_valid():
    settings = load_settings()
    service = settings.services[settings.default_service]
    # 09:00-12:45 in 15-minute slots: the 15 a day reported for Perugia.
    assert service.slot_minutes == 15 and len(service.sessions) == 1
    assert service.days == (0, 2, 3, 4)


@pytest.mark.parametrize(
    "path, value, message",
    [
        (("timezone",), "Europe/Perugia", "timezone: 'Europe/Perugia' is not a known time zone"),
        (
            ("calendar", "services", "questura", "sessions"),
            [{"start": "09:00", "end": "12:75"}],
            "calendar.services.questura.sessions[0].end: '12:75' is not a time HH:MM",
        ),
        (
            ("calendar", "services", "questura", "sessions"),
            [{"start": "10:00", "end": "09:00"}],
            "calendar.services.questura.sessions[0]: end must be after start",
        ),
        (
            ("calendar", "services", "questura", "sessions"),
            [{"start": "09:00", "end": "11:00"}, {"start": "10:30", "end": "12:00"}],
            "calendar.services.questura.sessions: sessions overlap",
        ),
        (("calendar", "services", "questura", "days"), ["lunedi"], "calendar.services.questura.days[0]: 'lunedi'"),
        (("calendar", "services", "questura", "capacity"), 0, "calendar.services.questura.capacity: 0 must be"),
        (("calendar", "local_holidays"), [{"month": 2, "day": 30, "name": "x"}], "30/2 is not a day of the year"),
        (("calendar", "closures"), [{"date": "2026-13-01", "name": "x"}], "calendar.closures[0].date"),
        (
            ("calendar", "extra_openings"),
            [{"date": "2026-12-12", "service": "poste", "sessions": []}],
            "calendar.extra_openings[0].service: 'poste' is not one of the services",
        ),
        (("limits", "active_per_sender"), True, "limits.active_per_sender"),
        (("reminders", "send_from"), "10", "reminders.send_from: '10' is not a time HH:MM"),
        (("reminders", "template"), {"name": "", "languages": {}}, "reminders.template.name"),
    ],
)
def test_problems_name_the_setting(path, value, message):
    with pytest.raises(ConfigError) as error:
        parse_settings(broken(path, value))
    assert message in str(error.value)
    assert str(error.value).startswith("appointments.yml: ")
