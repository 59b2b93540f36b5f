"""Reading the YAML settings staff edit (knowledge/*.yml): typed values or an error naming the setting.

Every problem names the file and the setting, so that staff can fix it without
reading Python ("appointments.yml: calendar.services.questura.sessions[0].end:
'12:75' is not a time HH:MM").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from typing import Any, Dict, List, Mapping, Tuple

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class ConfigError(ValueError):
    """A problem in a settings file, with the setting it is about."""


@dataclass(frozen=True)
class Template:
    """An approved WhatsApp template: its name and its language code per conversation language."""

    name: str
    languages: Mapping[str, str]


class SettingsReader:
    """Reads typed values from the YAML tree, raising ConfigError with the setting's path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> ConfigError:
        """The error for a setting, naming the file and the setting."""
        return ConfigError(f"{self.source}: {where}: {problem}")

    def mapping(self, value: Any, where: str) -> Dict[str, Any]:
        """A mapping, or an error."""
        if not isinstance(value, dict):
            raise self.fail(where, "must be a mapping")
        return value

    def items(self, value: Any, where: str) -> List[Any]:
        """A list (None counts as empty), or an error."""
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(where, "must be a list")
        return value

    def whole(self, value: Any, where: str, minimum: int, maximum: int) -> int:
        """A whole number within the bounds, or an error."""
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            raise self.fail(where, f"{value!r} must be a whole number from {minimum} to {maximum}")
        return value

    def text(self, value: Any, where: str) -> str:
        """A non-empty text, stripped, or an error."""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, "must be a non-empty text")
        return value.strip()

    def clock(self, value: Any, where: str) -> time:
        """A time of day HH:MM, or an error."""
        match = _TIME.match(str(value)) if isinstance(value, str) else None
        if not match:
            raise self.fail(where, f"{value!r} is not a time HH:MM")
        return time(int(match.group(1)), int(match.group(2)))

    def day(self, value: Any, where: str) -> date:
        """A date YYYY-MM-DD, or an error."""
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(where, f"{value!r} is not a date YYYY-MM-DD") from None

    def weekdays(self, value: Any, where: str) -> Tuple[int, ...]:
        """Weekday names (monday ... sunday) as numbers, Monday 0, sorted, or an error."""
        days = set()
        for index, day in enumerate(self.items(value, where)):
            if day not in WEEKDAYS:
                raise self.fail(f"{where}[{index}]", f"{day!r} is not one of {', '.join(WEEKDAYS)}")
            days.add(WEEKDAYS.index(day))
        return tuple(sorted(days))

    def template(self, value: Any, where: str) -> Template:
        """A WhatsApp template (name and language codes), or an error."""
        value = self.mapping(value, where)
        languages = self.mapping(value.get("languages"), f"{where}.languages")
        return Template(
            self.text(value.get("name"), f"{where}.name"),
            {str(k): self.text(v, f"{where}.languages.{k}") for k, v in languages.items()},
        )
