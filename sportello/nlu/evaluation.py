"""Per-language evaluation of the NLU model on held-out examples.

Used by the test that guards accuracy floors (tests/test_nlu_heldout.py) and by
``make bench-nlu``; both read the held-out files in tests/nlu_heldout/.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Awaitable, Callable, Dict, FrozenSet, List, Optional, Tuple

from rasa.shared.nlu.training_data.loading import load_data
from sklearn.metrics import f1_score

from sportello import PROJECT_ROOT
from sportello.nlu.language_detector import declared_language
from sportello.nlu.metadata import declared

HELDOUT_DIR = PROJECT_ROOT / "tests" / "nlu_heldout"

Parser = Callable[[str], Awaitable[dict]]
# The entities the answers depend on; their precision and recall are measured per language.
SCORED_ENTITIES = ("permit_type", "procedure")
EntitySet = FrozenSet[Tuple[str, str]]


def entity_set(entities: List[dict]) -> EntitySet:
    """The (type, value) pairs of the scored entity types."""
    return frozenset((str(e["entity"]), str(e["value"])) for e in entities if e.get("entity") in SCORED_ENTITIES)


@dataclass(frozen=True)
class Example:
    """One held-out message with its expected intent and language."""

    text: str
    intent: str
    language: str
    entities: EntitySet = frozenset()
    faq: Optional[str] = None


@dataclass
class LanguageScores:
    """What the model got right for one language."""

    expected: List[str] = field(default_factory=list)
    predicted: List[str] = field(default_factory=list)
    language_right: int = 0
    entities_found: int = 0  # predicted (type, value) pairs
    entities_expected: int = 0  # annotated pairs
    entities_right: int = 0  # pairs both predicted and annotated
    faq_expected: int = 0
    faq_right: int = 0

    @property
    def accuracy(self) -> float:
        """Share of examples whose intent was predicted right."""
        pairs = zip(self.expected, self.predicted, strict=False)
        return sum(e == p for e, p in pairs) / len(self.expected) if self.expected else 0.0

    @property
    def macro_f1(self) -> float:
        """Intent F1 averaged over the intents of this language."""
        return float(f1_score(self.expected, self.predicted, average="macro", zero_division=0))

    @property
    def entity_precision(self) -> float:
        """Share of predicted permit_type/procedure values that were annotated."""
        return self.entities_right / self.entities_found if self.entities_found else 1.0

    @property
    def entity_recall(self) -> float:
        """Share of annotated permit_type/procedure values that were predicted."""
        return self.entities_right / self.entities_expected if self.entities_expected else 1.0

    @property
    def faq_accuracy(self) -> float:
        """Share of frequent questions classified ``ask_faq`` with the right question."""
        return self.faq_right / self.faq_expected if self.faq_expected else 0.0

    @property
    def language_accuracy(self) -> float:
        """Share of examples whose language was detected right."""
        return self.language_right / len(self.expected) if self.expected else 0.0


def load_examples(directory: Path = HELDOUT_DIR) -> List[Example]:
    """Reads every held-out file; each intent block declares its language in metadata."""
    examples = []
    for path in sorted(directory.glob("*.yml")):
        for message in load_data(str(path)).intent_examples:
            language = declared_language(message)
            if language is None:
                raise ValueError(f"{path}: intent {message.get('intent')} declares no language")
            expected = entity_set(message.get("entities") or [])
            examples.append(
                Example(message.get("text"), message.get("intent"), language, expected, declared(message, "faq"))
            )
    return examples


async def evaluate(parse: Parser, examples: List[Example]) -> Dict[str, LanguageScores]:
    """Parses every example and scores intents and language per language.

    An example counts as right only if its predicted intent is the expected one;
    ``nlu_fallback`` counts as wrong.
    """
    scores: Dict[str, LanguageScores] = defaultdict(LanguageScores)
    for example in examples:
        result = await parse(example.text)
        score = scores[example.language]
        intent = (result.get("intent") or {}).get("name") or ""
        score.expected.append(example.intent)
        score.predicted.append(intent)
        found = entity_set(result.get("entities") or [])
        score.entities_found += len(found)
        score.entities_expected += len(example.entities)
        score.entities_right += len(found & example.entities)
        if example.faq:
            score.faq_expected += 1
            score.faq_right += intent == example.intent and (result.get("faq") or {}).get("key") == example.faq
        detected: Optional[str] = (result.get("language") or {}).get("name")
        score.language_right += detected == example.language
    return dict(scores)
