"""Buttons the assistant builds at run time (the language menu)."""

from __future__ import annotations

import json
from typing import Dict, List

from sportello.conversation_language import CHANGE_LANGUAGE_INTENT
from sportello.languages import LanguageRegistry


def language_buttons(registry: LanguageRegistry) -> List[Dict[str, str]]:
    """One button per supported language, titled in that language."""
    return [
        {
            "title": language.name,
            "payload": f"/{CHANGE_LANGUAGE_INTENT}{json.dumps({'language': language.code})}",
        }
        for language in registry.languages
    ]
