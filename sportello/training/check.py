"""``make check``: everything a trainer can check in about a minute, without training a model.

Usage: ``python -m sportello.training.check [--min-examples N] [--max-age-days N]``.
Runs, in this order: the training examples (the same message under two intents, or
also in the held-out test data), examples per intent and language, responses and
office texts in every language, the knowledge files (``sportello.knowledge.check``)
and Rasa's own data validation (``rasa data validate --fail-on-warning``). Every
problem names the file, the intent or response, the example and what to do. Exits 1
when any step finds an error; warnings are listed but do not fail.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import yaml

from sportello import PROJECT_ROOT
from sportello.devserver import RASA
from sportello.knowledge import check as knowledge_check
from sportello.languages import LanguageRegistry, load_registry
from sportello.nlu.evaluation import HELDOUT_DIR
from sportello.office import load_office
from sportello.training.conflicts import conflicts, leaks
from sportello.training.coverage import MIN_EXAMPLES, count, coverage_problems, domain_intents, table
from sportello.training.examples import read_directory
from sportello.training.problems import Problem, errors
from sportello.training.translations import office_problems, response_problems

NLU_DIR = PROJECT_ROOT / "data" / "nlu"
DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
RASA_VALIDATE = (RASA, "data", "validate", "--fail-on-warning")
# Rasa's log lines that only say what it is doing; everything else it prints is shown.
RASA_CHATTER = (" INFO ", " DEBUG ")


@dataclass(frozen=True)
class Outcome:
    """How one step went: passed or not, and one line for the summary."""

    passed: bool
    summary: str


Step = Tuple[str, Callable[[], Outcome]]


def report(problems: List[Problem]) -> Outcome:
    """Prints the problems, errors first, and sums them up."""
    found = errors(problems)
    warnings = [problem for problem in problems if not problem.error]
    for problem in found + warnings:
        print(problem.render())
    if not problems:
        print("  no problems")
    return Outcome(not found, f"{len(found)} error(s), {len(warnings)} warning(s)")


def examples_step(nlu_dir: Path, heldout_dir: Path) -> Outcome:
    """Messages under two intents, and training examples that are also held-out examples."""
    training = read_directory(nlu_dir)
    heldout = read_directory(heldout_dir)
    print(f"  {len(training)} training examples, {len(heldout)} held-out examples")
    return report(conflicts(training) + leaks(training, heldout))


def coverage_step(nlu_dir: Path, intents: List[str], languages: List[str], minimum: int) -> Outcome:
    """The table of examples per intent and language, and what is missing or thin."""
    training = read_directory(nlu_dir)
    print(table(count(training), intents, languages, minimum))
    print(f"  ('-' no examples, '!' fewer than {minimum})")
    return report(coverage_problems(training, nlu_dir, intents, languages, minimum))


def translations_step(domain_file: Path, registry: LanguageRegistry) -> Outcome:
    """Every response of the domain and every office text in every language."""
    domain = load_domain(domain_file)
    print(f"  {len(domain.get('responses') or {})} responses, languages {', '.join(registry.codes)}")
    return report(response_problems(domain, registry) + office_problems(load_office(), registry))


def load_domain(path: Path) -> Dict[str, Any]:
    """The parsed domain file (errors name its line)."""
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def knowledge_step(max_age_days: int) -> Outcome:
    """The knowledge check of ``make check-knowledge`` (it prints its own messages)."""
    sys.stdout.flush()
    code = knowledge_check.main(["--max-age-days", str(max_age_days)])
    sys.stderr.flush()
    return Outcome(code == 0, "OK" if code == 0 else "problems listed above")


def rasa_step(command: Sequence[str]) -> Outcome:
    """Rasa's data validation; shows its warnings and errors, not its progress messages."""
    result = subprocess.run(  # noqa: S603 - a fixed command
        list(command), cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    lines = (result.stdout + result.stderr).splitlines()
    shown = [line for line in lines if line.strip() and not any(word in line for word in RASA_CHATTER)]
    if result.returncode == 0:
        print("  no problems")
        return Outcome(True, "OK")
    for line in shown:
        print(f"  {line}")
    print(
        "  what to do: each message above names the file and the intent, story, rule or response; "
        "fix it and run `make check` again"
    )
    return Outcome(False, "Rasa's messages listed above")


def run(steps: List[Step]) -> int:
    """Runs every step, prints a summary and returns the exit code (1 if a step failed)."""
    outcomes = []
    for number, (title, step) in enumerate(steps, 1):
        print(f"\n== {number}/{len(steps)} {title} ==", flush=True)
        try:
            outcome = step()
        except (OSError, ValueError, yaml.YAMLError) as error:
            # A file that cannot be read or parsed: say which, and go on with the other steps.
            print(f"  ERROR  {error}")
            outcome = Outcome(False, "a file could not be read (see above)")
        outcomes.append((title, outcome))
    print("\n== Summary ==")
    for title, outcome in outcomes:
        print(f"  {'OK    ' if outcome.passed else 'FAILED'}  {title}: {outcome.summary}")
    failed = sum(not outcome.passed for _, outcome in outcomes)
    if failed:
        print(f"\n{failed} step(s) failed: fix the errors listed above and run `make check` again.")
        return 1
    print("\nAll checks passed. Next: `make evaluate` to train and compare with the last recorded results.")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Runs every check on the project; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-examples", type=int, default=MIN_EXAMPLES,
                        help=f"warn about intents with fewer examples in a language (default {MIN_EXAMPLES})")
    parser.add_argument("--max-age-days", type=int, default=knowledge_check.DEFAULT_MAX_AGE_DAYS,
                        help="list knowledge items verified longer ago than this")
    args = parser.parse_args(argv)
    registry = load_registry()
    steps: List[Step] = [
        ("Training examples: conflicts and leaks into the held-out data",
         lambda: examples_step(NLU_DIR, HELDOUT_DIR)),
        ("Examples per intent and language",
         lambda: coverage_step(NLU_DIR, domain_intents(load_domain(DOMAIN_FILE)), registry.codes, args.min_examples)),
        ("Responses and office texts in every language", lambda: translations_step(DOMAIN_FILE, registry)),
        ("Knowledge files", lambda: knowledge_step(args.max_age_days)),
        ("Rasa data validation", lambda: rasa_step(RASA_VALIDATE)),
    ]
    return run(steps)


if __name__ == "__main__":
    sys.exit(main())
