"""Statistical language detectors behind one small interface.

Each backend scores a text against a set of candidate languages (ISO 639-1 codes)
and returns a probability per candidate. Backends are chosen by name in config.yml.
"""

from __future__ import annotations

from importlib import resources
from typing import Any, Dict, FrozenSet, List, Protocol, Sequence, Type


class Backend(Protocol):
    """A language detector restricted to configured languages."""

    def scores(self, text: str, candidates: Sequence[str]) -> Dict[str, float]:
        """Probability of each candidate language for ``text`` (may be empty)."""


class LinguaBackend:
    """lingua-language-detector (high-accuracy mode): calibrated confidences on short text."""

    def __init__(self, codes: Sequence[str]) -> None:
        from lingua import IsoCode639_1

        self._iso = {code: getattr(IsoCode639_1, code.upper()) for code in codes}
        # One detector per candidate set (in practice: all languages, and those in Latin script).
        self._detectors: Dict[FrozenSet[str], Any] = {}

    def _detector(self, candidates: FrozenSet[str]) -> Any:
        from lingua import LanguageDetectorBuilder

        if candidates not in self._detectors:
            isos = [self._iso[code] for code in sorted(candidates)]
            self._detectors[candidates] = LanguageDetectorBuilder.from_iso_codes_639_1(*isos).build()
        return self._detectors[candidates]

    def scores(self, text: str, candidates: Sequence[str]) -> Dict[str, float]:
        """See `Backend.scores`."""
        values = self._detector(frozenset(candidates)).compute_language_confidence_values(text)
        return {v.language.iso_code_639_1.name.lower(): float(v.value) for v in values}


# langdetect names two Chinese profiles; both mean the ISO 639-1 code zh.
_LANGDETECT_PROFILES = {"zh": ("zh-cn", "zh-tw")}


class LangdetectBackend:
    """langdetect (the design's detector), seeded and with only the configured profiles loaded."""

    SEED = 0

    def __init__(self, codes: Sequence[str]) -> None:
        from langdetect.detector_factory import DetectorFactory

        self._factory = DetectorFactory()
        profiles: List[str] = []
        for code in codes:
            for name in _LANGDETECT_PROFILES.get(code, (code,)):
                profile = resources.files("langdetect") / "profiles" / name
                if not profile.is_file():
                    raise ValueError(f"langdetect has no profile for language {code!r}")
                profiles.append(profile.read_text(encoding="utf-8"))
        self._factory.load_json_profile(profiles)
        self._factory.set_seed(self.SEED)

    def scores(self, text: str, candidates: Sequence[str]) -> Dict[str, float]:
        """See `Backend.scores`: langdetect's probabilities, renormalised over ``candidates``."""
        from langdetect.lang_detect_exception import LangDetectException

        detector = self._factory.create()
        detector.append(text)
        try:
            probabilities = detector.get_probabilities()
        except LangDetectException:  # no usable feature in the text (digits, emoji)
            return {}
        merged: Dict[str, float] = {}
        for item in probabilities:
            code = item.lang.split("-")[0]
            if code in candidates:
                merged[code] = merged.get(code, 0.0) + item.prob
        total = sum(merged.values())
        return {code: p / total for code, p in merged.items()} if total else {}


BACKENDS: Dict[str, Type[Backend]] = {"lingua": LinguaBackend, "langdetect": LangdetectBackend}
