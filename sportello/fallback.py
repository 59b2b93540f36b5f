"""The two-stage fallback: first "did you mean ...?", then the offer of a person."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

from sportello.responses import menu_label, variation

FALLBACK_INTENT = "nlu_fallback"
DID_YOU_MEAN_RESPONSE = "utter_did_you_mean"
HOW_MANY_SUGGESTIONS = 3


def is_repeated_failure(events: Iterable[Dict[str, Any]]) -> bool:
    """True when the user message before the latest one also fell back.

    Messages written while staff had the conversation (before the latest ``resume``)
    do not count: the assistant never tried to understand them.
    """
    user_intents: List[Optional[str]] = []
    for event in events:
        if event.get("event") == "resume":
            user_intents = []
        elif event.get("event") == "user":
            user_intents.append((event.get("parse_data") or {}).get("intent", {}).get("name"))
    return len(user_intents) >= 2 and user_intents[-2] == FALLBACK_INTENT


def suggestions(
    intent_ranking: List[Dict[str, Any]],
    domain: Dict[str, Any],
    language: Optional[str],
) -> List[Dict[str, str]]:
    """Buttons for the likeliest intents that the main menu offers, best first."""
    buttons: List[Dict[str, str]] = []
    for ranked in intent_ranking:
        intent = ranked.get("name")
        if not intent or intent == FALLBACK_INTENT:
            continue
        label = menu_label(domain, intent, language)
        if label:
            buttons.append({"title": label, "payload": f"/{intent}"})
        if len(buttons) == HOW_MANY_SUGGESTIONS:
            break
    return buttons


def did_you_mean(
    intent_ranking: List[Dict[str, Any]],
    domain: Dict[str, Any],
    language: Optional[str],
) -> Optional[Dict[str, Any]]:
    """The "did you mean ...?" message: the suggestions, then the response's "none of these".

    Returns:
        ``{"text", "buttons"}``, or None when no likely intent is on the menu.

    """
    buttons = suggestions(intent_ranking, domain, language)
    if not buttons:
        return None
    prompt = variation(domain, DID_YOU_MEAN_RESPONSE, language)
    return {"text": prompt["text"], "buttons": buttons + list(prompt.get("buttons", []))}
