"""The language identifier: script rule, then the training-data lexicon, then the detector."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional

from sportello.langid.backends import BACKENDS, Backend
from sportello.langid.lexicon import Lexicon, normalise
from sportello.langid.script import dominant_script
from sportello.languages import LanguageRegistry

LEXICON_CONFIDENCE = 0.75
"""Confidence of a message that equals training examples of one language only.

Enough to set the language of a first message, not enough to switch a running
conversation (see the gates in sportello/conversation_language.py): "grazie" from a
French speaker is Italian politeness, not a request to change language.
"""


@dataclass(frozen=True)
class Detection:
    """What the identifier concluded about one message.

    Attributes:
        language: ISO 639-1 code, or None when the text carries no usable evidence.
        confidence: 0..1; 1.0 when the script alone decides.
        script: The message's identifying script, if any.
        decisive: True when the script alone decided (only one supported language uses it).

    """

    language: Optional[str]
    confidence: float
    script: Optional[str]
    decisive: bool

    def as_output(self) -> Dict[str, Any]:
        """The ``language`` entry of a parse result."""
        return {"name": self.language, "confidence": round(self.confidence, 4)}


class LanguageIdentifier:
    """Identifies the language of a message among the supported ones."""

    def __init__(self, registry: LanguageRegistry, backend: Backend, lexicon: Optional[Lexicon] = None) -> None:
        self._registry = registry
        self._backend = backend
        self._lexicon: Lexicon = lexicon or {}
        self._scripts = sorted({s for lang in registry.languages for s in lang.scripts})

    def detect(self, text: str) -> Detection:
        """Detects the language of ``text``.

        A script used by exactly one supported language decides on its own (Arabic,
        Cyrillic, Han today). Otherwise a message the training data holds under one
        language only gets that language, one it holds under several gets none, and
        any other message goes to the backend, restricted to the languages written in
        the message's script (or all of them when the text has no script).
        """
        script = dominant_script(text, self._scripts)
        candidates = self._registry.with_script(script) if script else []
        if len(candidates) == 1:
            return Detection(candidates[0], 1.0, script, decisive=True)
        known = self._lexicon.get(normalise(text), frozenset())
        if candidates:
            known = known & frozenset(candidates)
        if known:
            if len(known) == 1:
                return Detection(next(iter(known)), LEXICON_CONFIDENCE, script, decisive=False)
            return Detection(None, 0.0, script, decisive=False)
        scores = self._backend.scores(text, candidates or self._registry.codes)
        scores = {code: value for code, value in scores.items() if value > 0}
        if not scores:
            return Detection(None, 0.0, script, decisive=False)
        language, confidence = max(scores.items(), key=lambda item: item[1])
        return Detection(language, confidence, script, decisive=False)


def make_identifier(registry: LanguageRegistry, backend: str, lexicon: Optional[Lexicon] = None) -> LanguageIdentifier:
    """Builds an identifier with the named backend (``lingua`` or ``langdetect``).

    Raises:
        ValueError: for an unknown backend name.

    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown language-ID backend {backend!r}; choose one of {sorted(BACKENDS)}")
    return LanguageIdentifier(registry, BACKENDS[backend](registry.codes), lexicon)
