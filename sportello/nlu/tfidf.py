"""TF-IDF word and character n-grams with logistic regression, shared by the intent and FAQ classifiers.

Words come from the language-aware tokeniser (so Chinese is split into words),
character n-grams from the same tokens, so that typos and missing accents still
share most features.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import skops.io as sio
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.sparse.")


def tokenised_text(message: Message) -> str:
    """The message's tokens joined by single spaces (the text the vectorisers read)."""
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    return " ".join(token.text for token in tokens) or (message.get(TEXT) or "")


def build_pipeline(config: Dict[str, Any]) -> Pipeline:
    """The untrained vectorisers and classifier for ``config``."""
    low, high = config["char_ngram_range"]
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer="word", token_pattern=r"\S+", sublinear_tf=True)),  # noqa: S106
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(low, high), sublinear_tf=True)),
        ]
    )
    classifier = LogisticRegression(
        C=config["C"],
        max_iter=config["max_iter"],
        random_state=config["random_state"],
        class_weight=config.get("class_weight"),
    )
    return Pipeline([("features", features), ("classifier", classifier)])


def load_pipeline(path: Path) -> Pipeline:
    """Loads a pipeline saved with skops, refusing any type outside scikit-learn, NumPy and SciPy sparse matrices."""
    untrusted = sio.get_untrusted_types(file=path)
    unexpected = [name for name in untrusted if not name.startswith(TRUSTED_PREFIXES)]
    if unexpected:
        raise ValueError(f"refusing to load {path}: unexpected types {unexpected}")
    return sio.load(path, trusted=untrusted)


def save_pipeline(pipeline: Pipeline, path: Path) -> None:
    """Saves a fitted pipeline with skops (no pickle: load_pipeline checks every type)."""
    sio.dump(pipeline, path)
