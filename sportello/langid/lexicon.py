"""Short messages the training data already knows: a language signal detectors lack.

Statistical detectors are weak on one or two words ("hello" → Italian 0.34,
"ok" → Albanian 0.61 with lingua). The training data holds exactly such messages,
each in a declared language; a message equal to examples of one language only is
good evidence of it, and one found under several languages ("ok", "ciao") is
evidence of none.
"""

from __future__ import annotations

import unicodedata
from typing import Dict, FrozenSet, Iterable, Mapping, Set, Tuple

import regex

Lexicon = Mapping[str, FrozenSet[str]]

_WORD = regex.compile(r"\w+")


def normalise(text: str) -> str:
    """Case-folded words without accents or punctuation: the lexicon's key."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_WORD.findall(stripped))


def build_lexicon(examples: Iterable[Tuple[str, str]]) -> Dict[str, FrozenSet[str]]:
    """Maps each normalised example text to the languages it is an example of.

    Args:
        examples: (text, language) pairs from the training data.

    """
    found: Dict[str, Set[str]] = {}
    for text, language in examples:
        key = normalise(text)
        if key:
            found.setdefault(key, set()).add(language)
    return {key: frozenset(languages) for key, languages in found.items()}
