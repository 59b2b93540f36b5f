"""Every text a user sees exists, non-empty, in every supported language.

Responses in ``domain.yml`` vary on the ``language`` slot (see
:mod:`sportello.responses`): one variation without a condition (Italian) and one per
other language. All variations of a response must keep the reference's placeholders
and buttons, or a translated answer would lose a value or a choice. The office's
contacts (``knowledge/office.yml``) may vary by language too.
"""

from __future__ import annotations

import re
from typing import AbstractSet, Any, Dict, List, Optional

from sportello.languages import LanguageRegistry
from sportello.responses import LANGUAGE_SLOT, variation_languages
from sportello.training.problems import Problem

PLACEHOLDER = re.compile(r"\{(\w+)\}")
MAX_BUTTON_TITLE = 24
"""Characters WhatsApp shows of a list row's title; longer titles are cut."""
DOMAIN = "domain.yml"
OFFICE = "knowledge/office.yml"


def response_problems(domain: Dict[str, Any], registry: LanguageRegistry) -> List[Problem]:
    """Responses without a variation for a language, or whose variations differ from the reference."""
    problems = []
    for name, variations in sorted((domain.get("responses") or {}).items()):
        problems += _coverage(name, variations, registry)
        reference = next((v for v in variations if not v.get("condition")), None)
        if reference is not None:
            problems += _consistency(name, variations, reference)
    return problems


def office_problems(office: Dict[str, Optional[Dict[str, Any]]], registry: LanguageRegistry) -> List[Problem]:
    """Office fields without a source or date, or with a text missing in a language."""
    problems = []
    for name, field in office.items():
        if field is None:
            continue
        subject = f"field {name}"
        if not field.get("source") or not field.get("verified"):
            problems.append(
                _problem(OFFICE, subject, "no source or no verification date",
                         "add 'source:' (where the office states it) and 'verified:' (the date you checked it)")
            )
        value = field.get("value")
        if isinstance(value, dict):
            missing = [code for code in registry.codes if not str(value.get(code) or "").strip()]
            unknown = sorted(set(value) - set(registry.codes))
            if missing:
                problems.append(
                    _problem(OFFICE, subject, f"no text in {', '.join(missing)}", "add the translated text")
                )
            if unknown:
                problems.append(
                    _problem(OFFICE, subject, f"texts for {', '.join(unknown)}, which knowledge/languages.yml "
                             "does not list", "remove them, or add the language (see docs/languages.md)")
                )
    return problems


def _coverage(name: str, variations: List[Dict[str, Any]], registry: LanguageRegistry) -> List[Problem]:
    subject = f"response {name}"
    languages = variation_languages(variations)
    problems = []
    if languages.count(None) != 1:
        problems.append(
            _problem(DOMAIN, subject, f"{languages.count(None)} variations without condition (needs exactly one: "
                     "the Italian text)", "keep one Italian variation without 'condition:'")
        )
    others = [code for code in registry.codes if code != registry.reference]
    missing = [code for code in others if code not in languages]
    if missing:
        problems.append(
            _problem(DOMAIN, subject, f"no variation for {', '.join(missing)}",
                     "copy the Italian variation, translate it and add "
                     f"'condition: [{{type: slot, name: {LANGUAGE_SLOT}, value: <code>}}]' for each of them")
        )
    duplicated = sorted({code for code in languages if code and languages.count(code) > 1})
    if duplicated:
        problems.append(
            _problem(DOMAIN, subject, f"several variations for {', '.join(duplicated)}",
                     "keep one variation per language")
        )
    return problems


def _consistency(name: str, variations: List[Dict[str, Any]], reference: Dict[str, Any]) -> List[Problem]:
    subject = f"response {name}"
    placeholders = set(PLACEHOLDER.findall(reference.get("text", "")))
    payloads = [button.get("payload") for button in reference.get("buttons", [])]
    problems = []
    for candidate, language in zip(variations, variation_languages(variations), strict=True):
        which = f"the {language} variation" if language else "the Italian variation"
        text = candidate.get("text", "")
        if not text.strip():
            problems.append(_problem(DOMAIN, subject, f"{which} has no text", "write the text"))
        found = set(PLACEHOLDER.findall(text))
        if found != placeholders:
            problems.append(
                _problem(DOMAIN, subject, f"{which} has the placeholders {_braces(found)}, the Italian one "
                         f"{_braces(placeholders)}", "use exactly the Italian text's {placeholders}, untranslated")
            )
        buttons = candidate.get("buttons", [])
        if [button.get("payload") for button in buttons] != payloads:
            problems.append(
                _problem(DOMAIN, subject, f"the buttons of {which} differ from the Italian ones",
                         "keep the Italian buttons' payloads, in the same order; translate only the titles")
            )
        for button in buttons:
            title = str(button.get("title") or "").strip()
            if not 0 < len(title) <= MAX_BUTTON_TITLE:
                problems.append(
                    _problem(DOMAIN, subject, f"{which}: button title '{title}' is empty or longer than "
                             f"{MAX_BUTTON_TITLE} characters (WhatsApp cuts it)", "write a shorter title")
                )
    return problems


def _braces(names: AbstractSet[str]) -> str:
    return ", ".join(f"{{{name}}}" for name in sorted(names)) or "none"


def _problem(where: str, subject: str, problem: str, fix: str) -> Problem:
    return Problem(where=where, subject=subject, problem=problem, fix=fix)
