"""``make check-knowledge``: checks the knowledge files and lists what is due for re-verification.

Usage: ``python -m sportello.knowledge.check [--max-age-days N]``. Exits 1 listing
every problem (file, path, what is wrong) when the files are broken; otherwise
prints a summary and the items whose ``verified`` date is older than N days (a
reminder for staff, not an error).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

import yaml

from sportello import PROJECT_ROOT
from sportello.analytics.settings import load_dashboard_settings
from sportello.appointments.config import load_settings
from sportello.appointments.dates import load_date_words
from sportello.inbox.handoff import load_handoff_settings
from sportello.knowledge.labels import load_labels
from sportello.knowledge.loader import KnowledgeError, load_knowledge
from sportello.knowledge.model import Knowledge, Provenance
from sportello.languages import load_registry

KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
NLU_DIR = PROJECT_ROOT / "data" / "nlu"
FAQ_INTENT = "ask_faq"
DEFAULT_MAX_AGE_DAYS = 365


def provenances(knowledge: Knowledge) -> Iterator[Tuple[str, Provenance]]:
    """Every sourced item with a label saying where it is."""
    for fee in knowledge.fees.values():
        yield f"fees.yml: items.{fee.id}", fee.provenance
    yield "fees.yml: exemptions", knowledge.exemptions_provenance
    for route in knowledge.routes.values():
        yield f"catalogue.yml: routes.{route.id}", route.provenance
    for permit in knowledge.permits.values():
        yield f"catalogue.yml: permits.{permit.id}", permit.provenance
        for procedure in permit.procedures.values():
            yield f"catalogue.yml: permits.{permit.id}.procedures.{procedure.id}", procedure.provenance
    for faq in knowledge.faqs.values():
        yield f"faq.yml: questions.{faq.key}", faq.provenance


def faq_training_problems(knowledge: Knowledge, nlu_dir: Path, languages: List[str]) -> List[str]:
    """Frequent questions without training examples in a language, and examples for unknown questions."""
    problems = []
    for language in languages:
        path = nlu_dir / f"{language}.yml"
        blocks = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []
        trained = {
            str((block.get("metadata") or {}).get("faq"))
            for block in blocks
            if isinstance(block, dict) and block.get("intent") == FAQ_INTENT
        }
        for key in sorted(set(knowledge.faqs) - trained):
            problems.append(f"data/nlu/{language}.yml: no ask_faq examples for question {key!r}")
        for key in sorted(trained - set(knowledge.faqs)):
            problems.append(f"data/nlu/{language}.yml: ask_faq examples for {key!r}, which faq.yml does not have")
    return problems


def date_word_problems(languages: List[str]) -> List[str]:
    """Supported languages without their day and month words in dates.yml."""
    words = load_date_words()
    return [
        f"dates.yml: languages.{code}: missing (every supported language needs its date words)"
        for code in languages
        if code not in words
    ]


def _loadable(dotted: str) -> bool:
    module, _, name = dotted.rpartition(".")
    try:
        return hasattr(importlib.import_module(module), name)
    except (ImportError, ValueError):
        return False


def stale(knowledge: Knowledge, today: date, max_age_days: int) -> List[str]:
    """Labels of items verified more than ``max_age_days`` before ``today``, oldest first."""
    limit = today - timedelta(days=max_age_days)
    found = {label: p.verified for label, p in provenances(knowledge) if p.verified < limit}
    return [f"{label} (verified {verified})" for label, verified in sorted(found.items(), key=lambda x: x[1])]


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the check; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-age-days", type=int, default=DEFAULT_MAX_AGE_DAYS)
    args = parser.parse_args(argv)
    registry = load_registry()
    try:
        knowledge = load_knowledge(KNOWLEDGE_DIR, registry.codes, registry.reference)
        load_labels(KNOWLEDGE_DIR / "labels.yml", registry.codes, registry.reference)
        for name in ("appointment_labels.yml", "handoff_labels.yml", "canned_replies.yml", "channel_labels.yml"):
            load_labels(KNOWLEDGE_DIR / name, registry.codes, registry.reference)
        load_handoff_settings()
        load_dashboard_settings()
        settings = load_settings()
        problems = faq_training_problems(knowledge, NLU_DIR, registry.codes)
        problems += date_word_problems(registry.codes)
        if not _loadable(settings.backend):
            problems.append(f"appointments.yml: backend: cannot load {settings.backend!r}")
    except KnowledgeError as error:
        return _report(error.problems)
    except (OSError, ValueError) as error:
        return _report(str(error).splitlines())
    if problems:
        return _report(problems)
    items = list(provenances(knowledge))
    unconfirmed = sum(1 for _, p in items if not p.confirmed)
    combinations = sum(len(permit.procedures) for permit in knowledge.permits.values())
    print(
        f"knowledge: OK - {len(knowledge.permits)} permit types, {combinations} permit x procedure answers, "
        f"{len(knowledge.faqs)} frequent questions, {len(settings.services)} appointment service(s), "
        f"{len(items)} sourced items ({unconfirmed} to confirm or disputed), languages {', '.join(registry.codes)}"
    )
    old = stale(knowledge, date.today(), args.max_age_days)
    if old:
        print(f"knowledge: {len(old)} item(s) verified more than {args.max_age_days} days ago - please re-check:")
        for label in old:
            print(f"  - {label}")
    return 0


def _report(problems: List[str]) -> int:
    print(f"knowledge: {len(problems)} problem(s):", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
