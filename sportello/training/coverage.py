"""How many examples each intent has in each language, and what is missing.

Every supported language has its file ``data/nlu/<code>.yml``, and every block in it
declares that language (``metadata: {language: <code>}``): the tokeniser and the
language detector learn from what the block declares, so a block copied from another
file without changing it would teach the wrong language.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Dict, List

from sportello.training.examples import TrainingExample
from sportello.training.problems import Problem, location

MIN_EXAMPLES = 15
"""Fewer examples than this for an intent in a language is reported (docs/languages.md asks for 15)."""

Counts = Dict[str, Counter]
"""Examples per intent, per language."""


def domain_intents(domain: Dict[str, Any]) -> List[str]:
    """The intents ``domain.yml`` declares, in its order (entries may be names or ``{name: {...}}``)."""
    names = []
    for entry in domain.get("intents") or []:
        names.extend(entry if isinstance(entry, dict) else [entry])
    return [str(name) for name in names]


def count(examples: List[TrainingExample]) -> Counts:
    """Examples per intent for each file's language (the file name without ``.yml``)."""
    counts: Counts = {}
    for example in examples:
        counts.setdefault(example.path.stem, Counter())[example.intent] += 1
    return counts


def coverage_problems(
    examples: List[TrainingExample],
    nlu_dir: Path,
    intents: List[str],
    languages: List[str],
    minimum: int = MIN_EXAMPLES,
) -> List[Problem]:
    """Missing language files, undeclared or wrong block languages, missing and thin intents."""
    problems = _file_problems(examples, nlu_dir, languages) + _declaration_problems(examples)
    counts = count(examples)
    for language in languages:
        path = nlu_dir / f"{language}.yml"
        found = counts.get(language, Counter())
        for intent in intents:
            if found[intent] == 0:
                problems.append(
                    Problem(
                        where=location(path),
                        subject=f"intent {intent}",
                        problem=f"no examples in {language}, so messages in this language are never understood "
                        "as this intent",
                        fix=f"add a block '- intent: {intent}' with 'metadata: {{language: {language}}}' and at "
                        f"least {minimum} examples written as applicants would write them",
                    )
                )
            elif found[intent] < minimum:
                problems.append(
                    Problem(
                        where=location(path),
                        subject=f"intent {intent}",
                        problem=f"only {found[intent]} example(s) in {language} (at least {minimum} recommended)",
                        fix=f"add {minimum - found[intent]} or more different examples",
                        error=False,
                    )
                )
    return problems


def _file_problems(examples: List[TrainingExample], nlu_dir: Path, languages: List[str]) -> List[Problem]:
    problems = []
    for language in languages:
        path = nlu_dir / f"{language}.yml"
        if not path.exists():
            problems.append(
                Problem(
                    where=location(path),
                    subject=f"language {language}",
                    problem="the file is missing, but knowledge/languages.yml lists this language",
                    fix="create it with examples for every intent (see 'A new language' in docs/trainers.md)",
                )
            )
    for path in sorted({example.path for example in examples if example.path.stem not in languages}):
        problems.append(
            Problem(
                where=location(path),
                subject=f"language {path.stem}",
                problem="this language is not in knowledge/languages.yml, so the assistant never answers in it",
                fix="add the language to knowledge/languages.yml (see 'A new language' in docs/trainers.md) "
                "or rename the file to the code of its language",
            )
        )
    return problems


def _declaration_problems(examples: List[TrainingExample]) -> List[Problem]:
    problems = []
    reported = set()
    for example in examples:
        expected = example.path.stem
        if example.language == expected or (example.path, example.label) in reported:
            continue
        reported.add((example.path, example.label))
        declared = f"declares language {example.language}" if example.language else "declares no language"
        problems.append(
            Problem(
                where=location(example.path, example.line),
                subject=f"intent {example.label}",
                problem=f"the block {declared}, but the file is for {expected}",
                fix=f"write 'metadata: {{language: {expected}}}' under '- intent: {example.intent}' "
                "(or move the block to the file of its language)",
            )
        )
    return problems


def table(counts: Counts, intents: List[str], languages: List[str], minimum: int = MIN_EXAMPLES) -> str:
    """Examples per intent (rows) and language (columns); thin cells marked ``!``, missing ones ``-``."""
    width = max(len(intent) for intent in [*intents, "intent"])
    lines = ["intent".ljust(width) + "".join(language.rjust(6) for language in languages)]
    for intent in intents:
        cells = []
        for language in languages:
            number = counts.get(language, Counter())[intent]
            cells.append(("-" if number == 0 else f"{number}{'!' if number < minimum else ''}").rjust(6))
        lines.append(intent.ljust(width) + "".join(cells))
    totals = [sum(counts.get(language, Counter()).values()) for language in languages]
    lines.append("total".ljust(width) + "".join(str(total).rjust(6) for total in totals))
    return "\n".join(lines)
