"""The office's contact details, from the staff-edited ``knowledge/office.yml``."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Dict, Optional

import yaml

from sportello import PROJECT_ROOT

OFFICE_FILE = PROJECT_ROOT / "knowledge" / "office.yml"
FIELDS = ("whatsapp", "phone", "phone_hours", "web", "address", "opening_hours", "status_page")


@cache
def load_office(path: Path = OFFICE_FILE) -> Dict[str, Optional[Dict[str, Any]]]:
    """The office fields; a field that no source states is None."""
    with open(path, encoding="utf-8") as handle:
        fields = (yaml.safe_load(handle) or {}).get("fields") or {}
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"{path}: unknown office fields {sorted(unknown)}")
    return {name: fields.get(name) for name in FIELDS}


def field_text(field: Optional[Dict[str, Any]], language: str, reference: str) -> Optional[str]:
    """A field's value in ``language`` (texts per language fall back to the reference)."""
    if not field or field.get("value") is None:
        return None
    value = field["value"]
    if isinstance(value, dict):
        return str(value.get(language) or value[reference])
    return str(value)
