"""Texts around the knowledge in answers, from staff-edited label files (``knowledge/labels.yml`` and others)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Sequence

import yaml

PLACEHOLDER = re.compile(r"\{(\w+)\}")


class Labels:
    """Labels by key and language; every label exists in every language with the reference's placeholders."""

    def __init__(self, labels: Dict[str, Dict[str, str]]) -> None:
        self._labels = labels

    def keys(self) -> List[str]:
        """The label keys, in file order."""
        return list(self._labels)

    def __call__(self, key: str, language: str, **values: str) -> str:
        """The label in ``language`` with its placeholders filled."""
        return self._labels[key][language].format(**values)


def load_labels(path: Path, languages: Sequence[str], reference: str) -> Labels:
    """Loads and checks the labels; raises ValueError listing every problem."""
    with open(path, encoding="utf-8") as handle:
        labels = (yaml.safe_load(handle) or {}).get("labels") or {}
    problems: List[str] = []
    for key, texts in labels.items():
        if not isinstance(texts, dict) or not isinstance(texts.get(reference), str):
            problems.append(f"{path.name}: {key}: needs a {reference} text")
            continue
        expected = sorted(PLACEHOLDER.findall(texts[reference]))
        for language in languages:
            text = texts.get(language)
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{path.name}: {key}: no {language} text")
            elif sorted(PLACEHOLDER.findall(text)) != expected:
                problems.append(f"{path.name}: {key}.{language}: placeholders must be {expected}")
    if problems:
        raise ValueError("\n".join(problems))
    return Labels(labels)
