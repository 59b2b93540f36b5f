"""The Unicode-script rule: which writing system a message is mostly in."""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import Iterable, Optional

import regex

# A non-Latin script counts as the message's script when at least this share of the
# letters is in it: applicants mix Latin-script Italian terms ("permesso", "kit") into
# Arabic, Ukrainian or Chinese sentences, and the non-Latin part is what tells the language.
NON_LATIN_SHARE = 0.15


@cache
def _script_pattern(script: str) -> regex.Pattern[str]:
    return regex.compile(rf"\p{{Script={script}}}")


def dominant_script(text: str, scripts: Iterable[str]) -> Optional[str]:
    """Returns the script that identifies the message, among ``scripts``.

    Args:
        text: The user's message.
        scripts: Unicode script names to consider (e.g. ``Latin``, ``Arabic``, ``Han``).

    Returns:
        The non-Latin script with most letters if it holds at least ``NON_LATIN_SHARE``
        of them, else ``Latin`` if any Latin letter is present, else None (digits,
        emoji and punctuation carry no script).

    """
    counts: Counter[str] = Counter()
    for char in text:
        if not char.isalpha():
            continue
        for script in scripts:
            if _script_pattern(script).match(char):
                counts[script] += 1
                break
        else:
            counts["Other"] += 1
    letters = sum(counts.values())
    if not letters:
        return None
    non_latin = [(n, s) for s, n in counts.items() if s not in ("Latin", "Other")]
    if non_latin:
        count, script = max(non_latin)
        if count >= NON_LATIN_SHARE * letters:
            return script
    return "Latin" if counts["Latin"] else None
