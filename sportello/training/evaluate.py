"""``make evaluate``: train if needed, evaluate, and compare with the last recorded results.

Usage: ``python -m sportello.training.evaluate [--record] [--threshold POINTS]``.
Runs ``rasa test nlu`` on the held-out messages (``results/nlu/``), the per-language
held-out evaluation of :mod:`sportello.nlu.evaluation` and ``rasa test core`` on the
test stories (``results/core/``), then prints which languages and intents got better
or worse than the results recorded in ``docs/evaluation/last.json`` by at least
``--threshold`` percentage points (default 1), and which test stories now fail.
``--record`` saves the new results there as the baseline (commit the file).
Exits 1 when something got worse and the results were not recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import subprocess
import sys
import warnings
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from sportello import PROJECT_ROOT
from sportello.devserver import RASA
from sportello.nlu.evaluation import HELDOUT_DIR, LanguageScores, evaluate, load_examples

BASELINE_FILE = PROJECT_ROOT / "docs" / "evaluation" / "last.json"
RESULTS_DIR = PROJECT_ROOT / "results"
STORIES_DIR = PROJECT_ROOT / "tests" / "stories"
LOG_FILE = RESULTS_DIR / "evaluate.log"
THRESHOLD = 1.0
"""Percentage points a figure must move to be reported as better or worse."""
# Summary rows of Rasa's intent report, not intents.
REPORT_SUMMARIES = ("accuracy", "macro avg", "weighted avg", "micro avg")

Results = Dict[str, Any]
"""The recorded shape: ``nlu``, ``languages``, ``intents``, ``stories`` (see :func:`results`)."""


def nlu_summary(intent_report: Dict[str, Any]) -> Dict[str, Any]:
    """Overall figures of Rasa's ``intent_report.json``."""
    return {
        "examples": int(intent_report["macro avg"]["support"]),
        "accuracy": round(float(intent_report["accuracy"]), 4),
        "macro_f1": round(float(intent_report["macro avg"]["f1-score"]), 4),
    }


def intent_figures(intent_report: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """F1 and number of held-out examples per intent of Rasa's ``intent_report.json``.

    Labels only predicted (``nlu_fallback``) have no examples and are left out.
    """
    return {
        name: {"f1": round(float(row["f1-score"]), 4), "examples": int(row["support"])}
        for name, row in sorted(intent_report.items())
        if name not in REPORT_SUMMARIES and row.get("support")
    }


def language_figures(scores: Dict[str, LanguageScores]) -> Dict[str, Dict[str, Any]]:
    """Intent accuracy and macro F1 per language of the held-out evaluation."""
    return {
        language: {
            "accuracy": round(score.accuracy, 4),
            "macro_f1": round(score.macro_f1, 4),
            "examples": len(score.expected),
        }
        for language, score in sorted(scores.items())
    }


def story_figures(story_report: Dict[str, Any], failed_stories: Dict[str, Any]) -> Dict[str, Any]:
    """How many test stories ran and the names of those that failed (``rasa test core``'s files)."""
    conversations = story_report.get("conversation_accuracy") or {}
    failed = [str(story["story"]) for story in (failed_stories or {}).get("stories") or []]
    return {"total": int(conversations.get("total", 0)), "failed": sorted(failed)}


@dataclass(frozen=True)
class Change:
    """One figure that moved by at least the threshold."""

    what: str  # "language ar", "intent greet", "overall"
    metric: str  # "accuracy", "F1"
    old: float
    new: float

    @property
    def points(self) -> float:
        """The change in percentage points."""
        return (self.new - self.old) * 100

    def render(self) -> str:
        """One line: what, old, new and the change."""
        return f"  {self.what:<32} {self.metric:<9} {self.old:7.1%} -> {self.new:7.1%}  ({self.points:+.1f} points)"


@dataclass
class Comparison:
    """What changed between two recorded results."""

    better: List[Change] = field(default_factory=list)
    worse: List[Change] = field(default_factory=list)
    added: List[str] = field(default_factory=list)  # languages or intents evaluated now, not before
    removed: List[str] = field(default_factory=list)  # evaluated before, not now
    newly_failing: List[str] = field(default_factory=list)
    fixed: List[str] = field(default_factory=list)

    @property
    def got_worse(self) -> bool:
        """True when a figure dropped or a test story that passed now fails."""
        return bool(self.worse or self.newly_failing)


def compare(old: Results, new: Results, threshold: float = THRESHOLD) -> Comparison:
    """Figures that moved by at least ``threshold`` points, and test stories that changed outcome."""
    comparison = Comparison()

    def note(what: str, metric: str, before: float, after: float) -> None:
        change = Change(what, metric, before, after)
        if change.points >= threshold:
            comparison.better.append(change)
        elif change.points <= -threshold:
            comparison.worse.append(change)

    note("overall", "accuracy", old["nlu"]["accuracy"], new["nlu"]["accuracy"])
    note("overall", "macro F1", old["nlu"]["macro_f1"], new["nlu"]["macro_f1"])
    for area, metric, key in (("language", "accuracy", "languages"), ("intent", "F1", "intents")):
        before, after = old.get(key, {}), new.get(key, {})
        for name in sorted(set(before) & set(after)):
            figure = "accuracy" if key == "languages" else "f1"
            note(f"{area} {name}", metric, before[name][figure], after[name][figure])
        comparison.added += [f"{area} {name}" for name in sorted(set(after) - set(before))]
        comparison.removed += [f"{area} {name}" for name in sorted(set(before) - set(after))]
    failed_before = set(old.get("stories", {}).get("failed", []))
    failed_now = set(new.get("stories", {}).get("failed", []))
    comparison.newly_failing = sorted(failed_now - failed_before)
    comparison.fixed = sorted(failed_before - failed_now)
    return comparison


def render(old: Optional[Results], new: Results, comparison: Optional[Comparison], threshold: float) -> str:
    """The report for trainers: figures now, what changed since the recorded results, where to look."""
    lines = [
        f"Held-out messages: {new['nlu']['examples']}, intent accuracy {new['nlu']['accuracy']:.1%}, "
        f"macro F1 {new['nlu']['macro_f1']:.1%}",
        "",
        "language  examples  accuracy   recorded",
    ]
    recorded = (old or {}).get("languages", {})
    for language, figures in new["languages"].items():
        before = recorded.get(language, {}).get("accuracy")
        shown = f"{before:8.1%}" if before is not None else "       -"
        lines.append(f"{language:<8}  {figures['examples']:>8}  {figures['accuracy']:8.1%}  {shown}")
    stories = new["stories"]
    lines += ["", f"Test stories: {stories['total'] - len(stories['failed'])} of {stories['total']} pass."]
    lines += [f"  fails: {name}" for name in stories["failed"]]
    lines.append("")
    if old is None or comparison is None:
        lines.append(f"No results recorded yet ({_shown(BASELINE_FILE)}); nothing to compare with.")
        return "\n".join(lines)
    lines.append(f"Compared with the results recorded on {old.get('recorded', '?')} "
                 f"(changes of {threshold:g} point(s) or more):")
    for title, changes in (("Worse", comparison.worse), ("Better", comparison.better)):
        if changes:
            lines.append(f"{title}:")
            lines += [change.render() for change in sorted(changes, key=lambda c: c.points)]
    for title, names in (
        ("Test stories that now fail", comparison.newly_failing),
        ("Test stories that pass again", comparison.fixed),
        ("Evaluated now, not in the recorded results", comparison.added),
        ("In the recorded results, not evaluated now", comparison.removed),
    ):
        if names:
            lines.append(f"{title}:")
            lines += [f"  {name}" for name in names]
    if not (comparison.got_worse or comparison.better or comparison.fixed):
        lines.append("  nothing moved by that much")
    return "\n".join(lines)


def results(intent_report: Dict[str, Any], scores: Dict[str, LanguageScores], story_report: Dict[str, Any],
            failed_stories: Dict[str, Any], model: str) -> Results:
    """The figures recorded and compared."""
    return {
        "recorded": date.today().isoformat(),
        "model": model,
        "nlu": nlu_summary(intent_report),
        "languages": language_figures(scores),
        "intents": intent_figures(intent_report),
        "stories": story_figures(story_report, failed_stories),
    }


def load_baseline(path: Path) -> Optional[Results]:
    """The recorded results, or None if none were recorded."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def save_baseline(path: Path, new: Results) -> None:
    """Records ``new`` as the results the next evaluation is compared with."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(new, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _shown(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def _step(message: str, command: List[str], log: Any) -> str:
    """Runs a command with its output in the log; stops with the log's path if it fails."""
    print(message, flush=True)
    done = subprocess.run(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=log, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)} (see {_shown(LOG_FILE)})")
    return done.stdout


def _language_scores(model: str) -> Dict[str, LanguageScores]:
    # Rasa's per-message debug lines and its deprecation warnings are not for trainers
    # (Rasa's own commands write theirs to results/evaluate.log).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Imported here: loading Rasa's core takes seconds, and only running needs it.
        from rasa.core.agent import Agent
        from rasa.utils.log_utils import configure_structlog

        configure_structlog(logging.WARNING)
        agent = Agent.load(str(PROJECT_ROOT / model))
    return asyncio.run(evaluate(agent.parse_message, load_examples(HELDOUT_DIR)))


def main(argv: Optional[List[str]] = None) -> int:
    """Evaluates the current model, compares and optionally records; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help=f"save the results to {_shown(BASELINE_FILE)}")
    parser.add_argument("--threshold", type=float, default=THRESHOLD, help="points that count as a change")
    args = parser.parse_args(argv)
    nlu_dir, core_dir = RESULTS_DIR / "nlu", RESULTS_DIR / "core"
    RESULTS_DIR.mkdir(exist_ok=True)
    with open(LOG_FILE, "w", encoding="utf-8") as log:
        model = _step("Training the model if the data changed (a few minutes)...",
                      ["scripts/model.sh"], log).strip()
        _step("Held-out messages (rasa test nlu, about a minute)...",
              [RASA, "test", "nlu", "--model", model, "--nlu", str(HELDOUT_DIR), "--out", str(nlu_dir)], log)
        _step("Test stories (rasa test core, about half a minute)...",
              [RASA, "test", "core", "--model", model, "--stories", str(STORIES_DIR), "--e2e", "--out",
               str(core_dir)], log)
    print("Held-out messages per language...", flush=True)
    new = results(
        json.loads((nlu_dir / "intent_report.json").read_text(encoding="utf-8")),
        _language_scores(model),
        json.loads((core_dir / "story_report.json").read_text(encoding="utf-8")),
        yaml.safe_load((core_dir / "failed_test_stories.yml").read_text(encoding="utf-8")) or {},
        Path(model).name.removesuffix(".tar.gz"),
    )
    old = load_baseline(BASELINE_FILE)
    comparison = compare(old, new, args.threshold) if old else None
    print()
    print(render(old, new, comparison, args.threshold))
    print(
        f"\nWhere to look: {_shown(nlu_dir / 'intent_errors.json')} (held-out messages understood wrongly), "
        f"{_shown(nlu_dir / 'intent_confusion_matrix.png')}, {_shown(core_dir / 'failed_test_stories.yml')}."
    )
    if args.record:
        save_baseline(BASELINE_FILE, new)
        print(f"Recorded as the new baseline: {_shown(BASELINE_FILE)} (commit it with your data changes).")
        return 0
    print("To accept these results as the new baseline: make evaluate RECORD=1")
    return 1 if comparison and comparison.got_worse else 0


if __name__ == "__main__":
    sys.exit(main())
