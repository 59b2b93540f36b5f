"""Learning from handoffs: what the assistant did not understand, reviewed by a person, into the training data.

``export`` reads Rasa's tracker store for the messages that fell back (intent
``nlu_fallback``) and the message that led to each handoff, redacts personal numbers
and e-mail addresses, and writes them, grouped by likely intent and language, as a
review file in Rasa's NLU YAML format. A trainer corrects the file and signs it
(``reviewed_by``); ``import`` refuses an unsigned or invalid file and appends its
examples to ``data/nlu/<language>.yml``. Nothing reaches the training data without
that review (docs/review.md).

    python -m sportello.training.review export [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--out FILE]
    python -m sportello.training.review import FILE
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple
from zoneinfo import ZoneInfo

import yaml
from rasa.shared.nlu.training_data.entities_parser import find_entities_in_training_example
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from sqlalchemy.exc import SQLAlchemyError

from sportello import PROJECT_ROOT
from sportello.channels.commands import INTENT_PREFIX, NEUTRALISER
from sportello.fallback import FALLBACK_INTENT
from sportello.knowledge.answers import library
from sportello.languages import load_registry
from sportello.nlu.faq_selector import FAQ, FaqSelector
from sportello.nlu.language_detector import LANGUAGE
from sportello.privacy import REDACTED, redact
from sportello.responses import LANGUAGE_SLOT
from sportello.runtime import VAR_DIR
from sportello.tracker_data import TrackerData, tracker_url
from sportello.training.conflicts import conflicts
from sportello.training.examples import TrainingExample, normalise, read_directory, read_examples
from sportello.training.problems import Problem, location

DATA_DIR = PROJECT_ROOT / "data" / "nlu"
DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
REVIEW_DIR = VAR_DIR / "review"
REVIEWED_BY = "reviewed_by"
FAQ_INTENT: str = FaqSelector.get_default_config()["intent"]
# Asking for a person is understood; what the assistant failed on is the message before.
REQUEST_HUMAN = "request_human"
NOT_UNDERSTOOD, HANDOFF = "not understood", "before a handoff"
# The office's dates: --since and --until are days in Perugia.
OFFICE_ZONE = ZoneInfo("Europe/Rome")
# privacy.redact covers numbers and codes; an address in a training example is personal too.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# "[x](y)", "[x]{...}" and "[x][...]" are Rasa's entity markup: typed by an applicant,
# they would be read as annotations (or break the file), so a space separates them.
_MARKUP = re.compile(r"\]([({\[])")


@dataclass(frozen=True)
class Label:
    """What an example teaches: its intent, and for frequent questions which one."""

    intent: str
    faq: Optional[str] = None

    def __str__(self) -> str:
        return f"{self.intent} (question {self.faq})" if self.faq else self.intent


@dataclass
class Candidate:
    """One distinct text to review, with how often and why it was collected."""

    text: str
    label: Label
    language: str
    confidences: List[float] = field(default_factory=list)
    reasons: Dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def seen(self) -> int:
        """How many messages had this text."""
        return sum(self.reasons.values())


class ReviewError(Exception):
    """The review file cannot be imported; ``problems`` says why, each with what to do."""

    def __init__(self, problems: List[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


# --- export --------------------------------------------------------------------------


def clean_text(text: Optional[str]) -> Optional[str]:
    """The message as a one-line, redacted training example, or None when it is not one.

    Button payloads and typed commands (``/``, or ``/`` neutralised by the channel) and
    empty messages are not examples.
    """
    words = " ".join((text or "").split())
    if not words or words.lstrip(NEUTRALISER).startswith(INTENT_PREFIX):
        return None
    # YAML cannot hold control characters, which no one means to type anyway.
    words = "".join(ch for ch in words if unicodedata.category(ch) not in ("Cc", "Cs") and ch not in "\ufffe\uffff")
    return _MARKUP.sub(r"] \1", _EMAIL.sub(REDACTED, redact(words))) or None


def messages_to_review(events: Sequence[Dict[str, Any]]) -> Iterator[Tuple[Dict[str, Any], Optional[str], str]]:
    """The user events of one conversation to review: (event, conversation language then, reason).

    A message that fell back is reviewed; so is the message of the turn in which the
    assistant paused the conversation for a person (for a request for a person, the
    applicant's message before it). Messages written while staff had the conversation
    are not: the assistant never tried to understand them.
    """
    paused = False
    language: Optional[str] = None
    session: List[Tuple[Dict[str, Any], Optional[str]]] = []
    turn: Optional[Tuple[Dict[str, Any], Optional[str]]] = None
    for event in events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == LANGUAGE_SLOT:
            language = event.get("value")
        elif kind in ("session_started", "restart"):
            paused, session, turn = False, [], None
        elif kind == "resume":
            paused = False
        elif kind == "action" and event.get("name") == "action_listen":
            turn = None
        elif kind == "user" and not paused:
            turn = (event, language)
            session.append(turn)
            if _intent(event) == FALLBACK_INTENT:
                yield event, language, NOT_UNDERSTOOD
        elif kind == "pause":
            cause = None if paused or turn is None else _handoff_cause(session, turn)
            # A message that fell back was reviewed already.
            if cause is not None and _intent(cause[0]) != FALLBACK_INTENT:
                yield cause[0], cause[1], HANDOFF
            paused = True


def _handoff_cause(
    session: List[Tuple[Dict[str, Any], Optional[str]]], turn: Tuple[Dict[str, Any], Optional[str]]
) -> Optional[Tuple[Dict[str, Any], Optional[str]]]:
    if _intent(turn[0]) != REQUEST_HUMAN:
        return turn
    # The turn's message is always the session's last one.
    return next((entry for entry in reversed(session[:-1]) if clean_text(entry[0].get("text"))), None)


def _intent(event: Dict[str, Any]) -> Optional[str]:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def likely_label(parse_data: Dict[str, Any]) -> Optional[Tuple[Label, float]]:
    """The intent (and frequent question) the model found likeliest, other than the fallback, and its confidence."""
    intent = parse_data.get("intent") or {}
    if intent.get("name") in (None, FALLBACK_INTENT):
        ranking = parse_data.get("intent_ranking") or []
        intent = next((r for r in ranking if r.get("name") and r.get("name") != FALLBACK_INTENT), {})
    name = intent.get("name")
    if not name:
        return None
    faq = (parse_data.get(FAQ) or {}).get("key") if name == FAQ_INTENT else None
    return Label(name, faq), float(intent.get("confidence") or 0.0)


def collect(
    conversations: Iterable[Tuple[str, List[Dict[str, Any]]]],
    start: Optional[datetime],
    end: Optional[datetime],
    known: Set[str],
    languages: Sequence[str],
) -> List[Candidate]:
    """The distinct texts to review from messages sent in [``start``, ``end``).

    Args:
        conversations: (sender, events) pairs, as ``TrackerData.conversations`` gives them.
        start: First moment, or None for no limit.
        end: Moment after the last, or None for no limit.
        known: Normalised texts of the training data, which are not collected again.
        languages: Supported language codes.

    Returns:
        One candidate per text (compared as ``normalise`` does), labelled as first seen.

    """
    low = start.timestamp() if start else float("-inf")
    high = end.timestamp() if end else float("inf")
    candidates: Dict[str, Candidate] = {}
    for _sender, events in conversations:
        for event, slot_language, reason in messages_to_review(events):
            if not low <= float(event.get("timestamp") or 0) < high:
                continue
            text = clean_text(event.get("text"))
            parse_data = event.get("parse_data") or {}
            likely = likely_label(parse_data)
            detected = (parse_data.get(LANGUAGE) or {}).get("name")
            language = detected if detected in languages else slot_language
            if text is None or likely is None or language not in languages or normalise(text) in known:
                continue
            label, confidence = likely
            candidate = candidates.setdefault(normalise(text), Candidate(text, label, language))
            candidate.reasons[reason] += 1
            candidate.confidences.append(confidence)
    return list(candidates.values())


HEADER = """\
# Sportello: messages the assistant did not understand, for review ({period}).
# {texts} distinct texts from {messages} messages: those that fell back ("did you mean...?")
# and the message that led to each handoff to a person. Numbers and codes (passports,
# permits, codici fiscali, pratiche, IBANs, phones) and e-mail addresses are replaced by
# [redacted]; names and other personal details are NOT found automatically.
#
# Nothing here is learnt until a person has reviewed it (docs/review.md):
#  1. Each block is the intent the assistant found likeliest, in one language, most
#     frequent first; the comment above it says how often and how sure it was.
#  2. Move every example that is in the wrong block under the right intent (ask_faq: the
#     right question, metadata `faq`) and language; copy a block to start a new one.
#  3. Delete every example that should not be learnt: personal details, several questions
#     in one, unclear, not about the office, abusive.
#  4. Remove names; replace each [redacted] with an invented value of the same shape, or
#     delete the example (the import refuses [redacted]).
#  5. Annotate permit types and procedures as docs/annotation.md says.
#  6. Write your name in `reviewed_by` below: the import refuses the file without it.
# Then: make review-import FILE=<this file>, and make check and make evaluate.
version: "3.1"
reviewed_by: ""
nlu:
"""


def render(candidates: List[Candidate], period: str) -> str:
    """The review file: the header, then one block per likely intent and language."""
    groups: Dict[Tuple[str, str, str], List[Candidate]] = defaultdict(list)
    for candidate in candidates:
        label = candidate.label
        groups[(label.intent, label.faq or "", candidate.language)].append(candidate)
    messages = sum(candidate.seen for candidate in candidates)
    lines = [HEADER.format(period=period, texts=len(candidates), messages=messages).rstrip("\n")]
    for (intent, faq, language), group in sorted(groups.items()):
        group.sort(key=lambda candidate: (-candidate.seen, candidate.text))
        lines += ["", _summary(group), f"- intent: {intent}", "  metadata:", f"    language: {language}"]
        if faq:
            lines.append(f"    faq: {faq}")
        lines.append("  examples: |")
        lines += [f"    - {candidate.text}" for candidate in group]
    return "\n".join(lines) + "\n"


def _summary(group: List[Candidate]) -> str:
    reasons: Dict[str, int] = defaultdict(int)
    for candidate in group:
        for reason, count in candidate.reasons.items():
            reasons[reason] += count
    confidences = [value for candidate in group for value in candidate.confidences]
    why = ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items()))
    low, high = f"{min(confidences):.0%}", f"{max(confidences):.0%}"
    sure = low if low == high else f"{low}-{high}"
    seen = sum(reasons.values())
    texts = f"{len(group)} text" + ("s" if len(group) > 1 else "")
    return f"# {texts}, seen {'once' if seen == 1 else f'{seen} times'} ({why}); likeliest at {sure}"


def export(
    tracker: TrackerData,
    out: Path,
    start: Optional[datetime] = None,
    end: Optional[datetime] = None,
    data_dir: Path = DATA_DIR,
) -> List[Candidate]:
    """Writes the review file of the period to ``out`` (not when there is nothing to review).

    Returns:
        The candidates written.

    """
    known = {example.key for example in read_directory(data_dir)}
    candidates = collect(tracker.conversations(start, end), start, end, known, load_registry().codes)
    if candidates:
        last = end - timedelta(days=1) if end else None
        period = f"{_day(start, 'the first conversation kept')} to {_day(last, 'now')}"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render(candidates, period), encoding="utf-8")
    return candidates


def _day(moment: Optional[datetime], otherwise: str) -> str:
    return moment.astimezone(OFFICE_ZONE).date().isoformat() if moment else otherwise


def day_start(day: date) -> datetime:
    """Midnight at the office at the start of ``day``."""
    return datetime.combine(day, time(), tzinfo=OFFICE_ZONE)


# --- import --------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import added and skipped."""

    reviewer: str
    added: Dict[Tuple[str, Label], int] = field(default_factory=lambda: defaultdict(int))
    duplicates: List[TrainingExample] = field(default_factory=list)


def import_review(path: Path, data_dir: Path = DATA_DIR, domain_file: Path = DOMAIN_FILE) -> ImportReport:
    """Appends the examples of a reviewed file to ``data_dir/<language>.yml``, under their intents.

    Raises:
        ReviewError: the file is not signed, not valid, or contradicts the training data;
            then nothing is written.

    """
    reviewer, examples = read_review(path, domain_file)
    existing = read_directory(data_dir)
    new_keys = {example.key for example in examples}
    problems = conflicts([e for e in existing + examples if e.key in new_keys])
    report = ImportReport(reviewer)
    present = {(e.key, _label(e), e.path.stem) for e in existing}
    additions: Dict[str, Dict[Label, List[TrainingExample]]] = defaultdict(lambda: defaultdict(list))
    for example in examples:
        language = str(example.language)
        identity = (example.key, _label(example), language)
        if identity in present:
            report.duplicates.append(example)
            continue
        present.add(identity)
        additions[language][_label(example)].append(example)
        if not (data_dir / f"{language}.yml").is_file():
            problems.append(_problem(example, f"there is no {data_dir / language}.yml", "add the language first"))
    if problems:
        raise ReviewError(problems)
    updated = {language: _with_examples(data_dir / f"{language}.yml", blocks) for language, blocks in additions.items()}
    for language, text in updated.items():
        (data_dir / f"{language}.yml").write_text(text, encoding="utf-8")
        for label, added in additions[language].items():
            report.added[(language, label)] += len(added)
    return report


def read_review(path: Path, domain_file: Path = DOMAIN_FILE) -> Tuple[str, List[TrainingExample]]:
    """The reviewer and the examples of a review file, checked.

    Raises:
        ReviewError: listing every problem found.

    """
    text = path.read_text(encoding="utf-8")
    try:
        content = yaml.safe_load(text)
    except yaml.YAMLError as error:
        problem = Problem(location(path), "the file", f"not valid YAML: {error}", "fix the line named")
        raise ReviewError([problem]) from error
    reviewer = str(content.get(REVIEWED_BY) or "").strip() if isinstance(content, dict) else ""
    if not reviewer:
        raise ReviewError(
            [
                Problem(
                    location(path),
                    REVIEWED_BY,
                    "the file is not marked as reviewed",
                    "check every example as the file's header says, then write your name in reviewed_by",
                )
            ]
        )
    problems = _rasa_problems(path, text)
    examples = read_examples(path)
    if not examples and not problems:
        problems.append(Problem(location(path), "the file", "there are no examples", "nothing to import"))
    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8"))
    intents, entities = _names(domain.get("intents")), _names(domain.get("entities"))
    languages, faqs = set(load_registry().codes), set(library().knowledge.faqs)
    for example in examples:
        problems += _example_problems(example, intents, entities, languages, faqs)
    if problems:
        raise ReviewError(problems)
    return reviewer, examples


def _rasa_problems(path: Path, text: str) -> List[Problem]:
    """What Rasa's own reader says about the file: an error, or each warning (a skipped example...)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            RasaYAMLReader().reads(text)
        except Exception as error:  # noqa: BLE001 - whatever Rasa refuses, the trainer must fix
            return [Problem(location(path), "the file", f"Rasa cannot read it: {error}", "fix the file")]
    return [
        Problem(location(path), "the file", f"Rasa: {warning.message}", "fix the example or block named")
        for warning in caught
        if issubclass(warning.category, UserWarning)
    ]


def _example_problems(
    example: TrainingExample, intents: Set[str], entities: Set[str], languages: Set[str], faqs: Set[str]
) -> List[Problem]:
    found: List[str] = []
    plain = example.key
    if example.intent not in intents:
        found.append(f"the intent {example.intent} is not in domain.yml")
    if example.language not in languages:
        found.append(f"the block's metadata language {example.language!r} is not one of {', '.join(sorted(languages))}")
    if example.intent == FAQ_INTENT and example.faq not in faqs:
        found.append(f"an {FAQ_INTENT} block needs the metadata faq: one of the questions of knowledge/faq.yml")
    if example.intent != FAQ_INTENT and example.faq:
        found.append(f"only {FAQ_INTENT} blocks name a question (faq)")
    if not plain or plain.lstrip(NEUTRALISER).startswith(INTENT_PREFIX):
        found.append("an example must be words an applicant types, not empty and not starting with /")
    if REDACTED in plain:
        found.append(f"it still contains {REDACTED}: replace it with an invented value of the same shape, or delete it")
    unknown = {entity["entity"] for entity in find_entities_in_training_example(example.text)} - entities
    if unknown:
        found.append(f"the entities {', '.join(sorted(unknown))} are not in domain.yml")
    return [_problem(example, problem, "correct it, or delete the example") for problem in found]


def _problem(example: TrainingExample, problem: str, fix: str) -> Problem:
    return Problem(location(example.path, example.line), f"intent {example.label}", problem, fix, example.text)


def _names(entries: Optional[List[Any]]) -> Set[str]:
    """Names in a domain list whose entries are names or ``{name: properties}``."""
    return {entry if isinstance(entry, str) else next(iter(entry)) for entry in entries or []}


def _label(example: TrainingExample) -> Label:
    return Label(example.intent, example.faq)


def _with_examples(path: Path, blocks: Dict[Label, List[TrainingExample]]) -> str:
    """The text of an NLU file with ``blocks`` added after the last example of the same intent, or as new blocks.

    Raises:
        ReviewError: if the result does not read back as the old examples plus the new ones.

    """
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    existing = read_examples(path)
    inserts: List[Tuple[int, List[str]]] = []
    appended: List[str] = []
    for label, examples in blocks.items():
        own = [e.line for e in existing if _label(e) == label]
        if own:
            last = max(own)
            indent = lines[last - 1][: len(lines[last - 1]) - len(lines[last - 1].lstrip())]
            inserts.append((last, [f"{indent}- {e.text}" for e in examples]))
        else:
            appended += ["", f"- intent: {label.intent}", "  metadata:", f"    language: {path.stem}"]
            appended += [f"    faq: {label.faq}"] if label.faq else []
            appended += ["  examples: |"] + [f"    - {e.text}" for e in examples]
    for after, new_lines in sorted(inserts, reverse=True):
        lines[after:after] = new_lines
    result = "\n".join(lines + appended) + "\n"
    before = len(RasaYAMLReader().reads(text).training_examples)
    after_count = len(RasaYAMLReader().reads(result).training_examples)
    added = sum(len(examples) for examples in blocks.values())
    if after_count != before + added:
        raise ReviewError(
            [
                Problem(
                    location(path),
                    "the file",
                    f"adding {added} examples would leave {after_count - before}: its layout is not the usual one",
                    "add the examples by hand",
                )
            ]
        )
    return result


# --- command line ----------------------------------------------------------------------


def main(argv: Optional[List[str]] = None) -> int:
    """``export`` or ``import``; prints what it did, or the problems found."""
    parser = argparse.ArgumentParser(prog="python -m sportello.training.review", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    out = commands.add_parser("export", help="write the review file of a period")
    out.add_argument("--since", type=date.fromisoformat, help="first day (YYYY-MM-DD, in Perugia)")
    out.add_argument("--until", type=date.fromisoformat, help="last day, included")
    out.add_argument("--out", type=Path, help="the file to write (default var/review/review-<today>.yml)")
    out.add_argument("--tracker", default=None, help="the tracker store's URL (default SPORTELLO_TRACKER_DB or var/)")
    into = commands.add_parser("import", help="add a reviewed file to the training data")
    into.add_argument("file", type=Path)
    into.add_argument("--data", type=Path, default=DATA_DIR, help="the NLU data folder (default data/nlu)")
    args = parser.parse_args(argv)
    if args.command == "export":
        return _export_command(args)
    return _import_command(args)


def _export_command(args: argparse.Namespace) -> int:
    start = day_start(args.since) if args.since else None
    end = day_start(args.until + timedelta(days=1)) if args.until else None
    out = args.out or REVIEW_DIR / f"review-{datetime.now(OFFICE_ZONE).date().isoformat()}.yml"
    if out.exists():
        # It may be a file someone is reviewing.
        print(f"{out} exists: review and import it, delete it, or choose another --out.", file=sys.stderr)
        return 1
    tracker = TrackerData(args.tracker or tracker_url())
    try:
        candidates = export(tracker, out, start, end)
    except SQLAlchemyError as error:
        # Not the URL: it may carry the database password.
        print(f"Cannot read the tracker store: {getattr(error, 'orig', None) or error}", file=sys.stderr)
        return 1
    finally:
        tracker.close()
    if not candidates:
        print("Nothing to review in that period.")
        return 0
    print(f"{len(candidates)} texts to review written to {out}.")
    print(f"Review them as the file's header says, then: make review-import FILE={out}")
    return 0


def _import_command(args: argparse.Namespace) -> int:
    try:
        report = import_review(args.file, args.data)
    except ReviewError as error:
        print(f"Not imported; nothing was changed. {len(error.problems)} problem(s):", file=sys.stderr)
        for problem in error.problems:
            print(problem.render(), file=sys.stderr)
        return 1
    print(f"Reviewed by {report.reviewer}. Added {sum(report.added.values())} examples:")
    for (language, label), count in sorted(report.added.items(), key=lambda item: (item[0][0], str(item[0][1]))):
        print(f"  {language}  {label}: {count}")
    if report.duplicates:
        print(f"Skipped {len(report.duplicates)} already in the training data:")
        for example in report.duplicates:
            print(f"  {example.language}  {example.label}: {example.text}")
    print("Next: make check, then make evaluate (compare with the last results) before committing data/nlu/.")
    print(f"Then delete {args.file}: it was made from applicants' messages.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
