"""Appointment settings built from a small YAML document, so tests do not depend on the office's file."""

from datetime import datetime, timezone
from typing import Any, Dict

import yaml

from sportello.appointments.config import AppointmentSettings, parse_settings

SETTINGS_YAML = """
timezone: Europe/Rome
backend: sportello.appointments.builtin.BuiltinBackend
calendar:
  services:
    questura:
      slot_minutes: 15
      capacity: 1
      days: [monday, wednesday, thursday, friday]
      sessions:
        - {start: "09:00", end: "12:45"}
      overflow:
        window_days: 30
        sessions:
          - {start: "14:30", end: "15:00"}
  min_notice_hours: 18
  horizon_days: 60
  local_holidays:
    - {month: 1, day: 29, name: "San Costanzo"}
  closures:
    - {date: 2026-12-09, name: "Chiusura straordinaria"}
  extra_openings:
    - {date: 2026-12-12, service: questura, sessions: [{start: "09:00", end: "10:00"}]}
limits:
  active_per_sender: 1
  bookings_per_window: 3
  lookups_per_window: 40
  window_hours: 24
  max_name_length: 70
reminders:
  send_from: "10:00"
  template:
    name: promemoria_appuntamento
    languages: {it: it, en: en}
  change_template:
    name: modifica_appuntamento
    languages: {it: it, en: en}
"""
# Monday 30 November 2026, 08:00 in Rome.
NOW = datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc)


def settings_with(**changes: Any) -> AppointmentSettings:
    """The test settings with top-level or nested changes: settings_with(calendar={"horizon_days": 5})."""
    raw: Dict[str, Any] = yaml.safe_load(SETTINGS_YAML)
    for key, value in changes.items():
        if isinstance(value, dict):
            raw[key].update(value)
        else:
            raw[key] = value
    return parse_settings(raw)
