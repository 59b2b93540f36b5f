"""Training examples that contradict each other, and training examples that leak into the test data.

A message listed under two intents (in any language file) teaches the model two
answers for the same words; a training example that is also a held-out example makes
the held-out evaluation measure memory instead of understanding. Texts are compared
after :func:`sportello.training.examples.normalise` (entity markup, case, spaces).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Dict, List

from sportello.training.examples import TrainingExample
from sportello.training.problems import Problem, location


def where(example: TrainingExample) -> str:
    """File and line of an example."""
    return location(example.path, example.line)


def conflicts(examples: List[TrainingExample]) -> List[Problem]:
    """One problem per message that is listed under more than one intent (or frequent question)."""
    by_text: Dict[str, List[TrainingExample]] = defaultdict(list)
    for example in examples:
        by_text[example.key].append(example)
    problems = []
    for group in by_text.values():
        labels = sorted({example.label for example in group})
        if len(labels) < 2:
            continue
        first, others = group[0], group[1:]
        listed = "; ".join(f"{where(other)} under {other.label}" for other in others)
        problems.append(
            Problem(
                where=where(first),
                subject=f"intent {first.label}",
                example=first.text,
                problem=f"the same message (ignoring case, spaces and entity markup) is also listed at {listed}, "
                f"so the model learns {len(labels)} different answers ({', '.join(labels)}) for it",
                fix="decide which intent this message really means and delete it everywhere it is listed under "
                "another one; if it can mean several, delete it from all of them (the assistant will offer "
                "'did you mean' buttons instead)",
            )
        )
    return problems


def leaks(training: List[TrainingExample], heldout: List[TrainingExample]) -> List[Problem]:
    """One problem per training example that is also in the held-out test data."""
    tested: Dict[str, TrainingExample] = {}
    for example in heldout:
        tested.setdefault(example.key, example)
    problems = []
    for example in training:
        test = tested.get(example.key)
        if test is None:
            continue
        problems.append(
            Problem(
                where=where(example),
                subject=f"intent {example.label}",
                example=example.text,
                problem=f"this training example is also a held-out test message ({where(test)}, intent "
                f"{test.label}), so the evaluation would measure memory, not understanding",
                fix=f"delete it from {location(example.path)} (or reword it so that it differs); never edit the "
                "held-out files in tests/nlu_heldout/: someone who has not seen the training data writes them",
            )
        )
    return problems
