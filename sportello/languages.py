"""The registry of supported languages, read from ``knowledge/languages.yml``.

Every other part of Sportello (language detection, tokenisation, responses, tests)
asks this module which languages exist, so that adding one needs no Python change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from sportello import PROJECT_ROOT

LANGUAGES_FILE = PROJECT_ROOT / "knowledge" / "languages.yml"


@dataclass(frozen=True)
class Language:
    """One supported language.

    Attributes:
        code: ISO 639-1 code (slot and entity value).
        name: The language's own name, shown in menus.
        scripts: Unicode scripts the language is written in.
        spacy: spaCy language code for a blank tokenisation pipeline.

    """

    code: str
    name: str
    scripts: Tuple[str, ...]
    spacy: str


@dataclass(frozen=True)
class LanguageRegistry:
    """The supported languages and the reference language."""

    languages: Tuple[Language, ...]
    reference: str

    @property
    def codes(self) -> List[str]:
        """ISO codes in registry order."""
        return [language.code for language in self.languages]

    def get(self, code: Optional[str]) -> Optional[Language]:
        """Returns the language with this code, or None if it is not supported."""
        return next((lang for lang in self.languages if lang.code == code), None)

    def with_script(self, script: str) -> List[str]:
        """Codes of the supported languages written in ``script``."""
        return [lang.code for lang in self.languages if script in lang.scripts]


class LanguageRegistryError(ValueError):
    """The languages file is malformed."""


def parse_registry(raw: Dict[str, Any]) -> LanguageRegistry:
    """Builds a registry from the parsed YAML document, validating it.

    Raises:
        LanguageRegistryError: when an entry is missing a field or the reference
            language is not among the languages.

    """
    entries = raw.get("languages") or []
    languages = []
    for entry in entries:
        try:
            languages.append(
                Language(
                    code=str(entry["code"]),
                    name=str(entry["name"]),
                    scripts=tuple(str(s) for s in entry["scripts"]),
                    spacy=str(entry.get("spacy", entry["code"])),
                )
            )
        except (KeyError, TypeError) as error:
            raise LanguageRegistryError(f"bad language entry {entry!r}: {error}") from error
    codes = [lang.code for lang in languages]
    if len(set(codes)) != len(codes) or not codes:
        raise LanguageRegistryError(f"language codes must be unique and present: {codes}")
    reference = str(raw.get("reference", ""))
    if reference not in codes:
        raise LanguageRegistryError(f"reference language {reference!r} is not in {codes}")
    return LanguageRegistry(languages=tuple(languages), reference=reference)


@cache
def load_registry(path: Path = LANGUAGES_FILE) -> LanguageRegistry:
    """Reads and validates the languages file (cached per path)."""
    with open(path, encoding="utf-8") as handle:
        return parse_registry(yaml.safe_load(handle) or {})
