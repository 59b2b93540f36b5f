"""Reading the translated responses of domain.yml from custom actions.

Responses vary on the ``language`` slot: the variation without a condition is the
Italian reference text, and each other language has a variation with
``condition: [{type: slot, name: language, value: <code>}]``. Rasa picks the
variation itself for ``utter_*`` actions; custom actions that build buttons use
these helpers to read the same texts, so every label lives in domain.yml only.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from sportello.languages import load_registry

LANGUAGE_SLOT = "language"


def answer_language(slot_value: Optional[str]) -> str:
    """The language to answer in: the conversation's, or the reference language while it is unknown."""
    return slot_value or load_registry().reference
MENU_RESPONSE = "utter_menu"


def variation_languages(variations: List[Dict[str, Any]]) -> List[Optional[str]]:
    """The language each variation of a response is for (None for the unconditioned reference text)."""
    languages: List[Optional[str]] = []
    for candidate in variations:
        values = [c.get("value") for c in candidate.get("condition") or [] if c.get("name") == LANGUAGE_SLOT]
        languages.append(values[0] if values else None)
    return languages


def variation(domain: Dict[str, Any], response: str, language: Optional[str]) -> Dict[str, Any]:
    """The variation of ``response`` for ``language`` (the unconditioned one by default).

    Raises:
        KeyError: if the domain has no such response or it has no default variation.

    """
    default: Optional[Dict[str, Any]] = None
    for candidate in domain["responses"][response]:
        conditions = candidate.get("condition") or []
        if not conditions:
            default = default or candidate
        elif any(
            c.get("name") == LANGUAGE_SLOT and c.get("value") == language for c in conditions
        ):
            return candidate
    if default is None:
        raise KeyError(f"response {response!r} has no variation without condition")
    return default


def menu_label(domain: Dict[str, Any], intent: str, language: Optional[str]) -> Optional[str]:
    """The title of the main-menu button that triggers ``intent``, in ``language``."""
    for button in variation(domain, MENU_RESPONSE, language).get("buttons", []):
        if button.get("payload", "").split("{")[0] == f"/{intent}":
            return str(button["title"])
    return None
