"""Language-identification benchmark: accuracy, confidence gates, a simulated chat and latency.

Run from the project root; it writes a Markdown report::

    python -m benchmarks.langid [--data DIR] [--out docs/benchmarks/langid.md] [--limit N]

Only the supported languages (knowledge/languages.yml) are measured, on the short-text
test data described in the data folder's README.md (one file per set and language).
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import random
import shlex
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from sportello import PROJECT_ROOT
from sportello.conversation_language import POLICIES, LanguagePolicy, next_language
from sportello.langid import Detection, LanguageIdentifier
from sportello.langid.backends import BACKENDS
from sportello.languages import LanguageRegistry, load_registry

SETS = {"single-words": "single words", "word-pairs": "word pairs", "sentences": "sentences"}
"""Test sets: folder name and label."""
DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "data" / "langid"
DEFAULT_OUT = PROJECT_ROOT / "docs" / "benchmarks" / "langid.md"
PACKAGES = ("lingua-language-detector", "langdetect")
THRESHOLDS = (0.5, 0.7, 0.9)

SEED = 20261127
CONVERSATIONS = 2000
MESSAGES = 10
SWITCH_SHARE = 0.25
SWITCH_AFTER = (2, 8)
"""A switching conversation changes language after message 2..8 (inclusive)."""
MENU_COST = 0.5
"""A language menu costs the user a tap: it weighs half a wrong message in the objective."""
GRID = {
    "first_confidence": (0.3, 0.4, 0.5, 0.6, 0.7),
    "switch_confidence": (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99),
    "script_change_confidence": (0.0, 0.3, 0.5, 0.7),
    "min_switch_length": (0, 10, 15, 20),
}
TOP_POLICIES = 5

Corpus = Dict[str, Dict[str, List[str]]]
"""Test lines by set, then by language code."""
Conversation = List[Tuple[str, str]]
"""(true language, text) of each message."""
Turn = Tuple[str, str, Detection]
"""(true language, text, detection) of a message."""


@dataclass
class Measurement:
    """One backend's answers on the whole corpus.

    Attributes:
        name: Backend name.
        raw: By set and language, the backend's argmax over all supported languages.
        detections: By set and language, the identifier's detections.
        latency: Milliseconds per sentence, of the ``backend`` alone and the ``identifier``.
        warm_up: Seconds taken by the first calls (model loading).

    """

    name: str
    raw: Dict[str, Dict[str, List[Optional[str]]]]
    detections: Dict[str, Dict[str, List[Detection]]]
    latency: Dict[str, List[float]]
    warm_up: float


@dataclass(frozen=True)
class ChatScore:
    """A policy's result in the simulated chat."""

    accuracy: float
    menu_rate: float

    @property
    def objective(self) -> float:
        """Accuracy minus the cost of the language menus."""
        return self.accuracy - MENU_COST * self.menu_rate


@dataclass
class ChatResult:
    """One backend in the simulated chat.

    Attributes:
        fresh: Accuracy when every message is detected afresh.
        current: Score of the backend's policy in ``POLICIES``.
        ranking: Every grid policy with its score, best objective first.

    """

    fresh: float
    current: ChatScore
    ranking: List[Tuple[LanguagePolicy, ChatScore]]

    @property
    def best(self) -> Tuple[LanguagePolicy, ChatScore]:
        """The policy with the best objective (the first in grid order on a tie)."""
        return self.ranking[0]


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parses the command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.langid", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="test data folder (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report file (default: %(default)s)")
    parser.add_argument("--limit", type=int, help="read at most N lines per file (quick run)")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    return args


def read_lines(path: Path, limit: Optional[int]) -> List[str]:
    """Non-empty lines of a test file, split on newlines only (some lines contain U+0085)."""
    lines = [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    return lines[:limit]


def load_corpus(data: Path, codes: Sequence[str], limit: Optional[int]) -> Corpus:
    """Reads every set's file for each language.

    Raises:
        FileNotFoundError: when a set or a language's file is missing.

    """
    corpus: Corpus = {}
    for set_name in SETS:
        corpus[set_name] = {}
        for code in codes:
            path = data / set_name / f"{code}.txt"
            if not path.is_file():
                raise FileNotFoundError(f"missing test file {path}")
            corpus[set_name][code] = read_lines(path, limit)
    return corpus


def argmax(scores: Dict[str, float]) -> Optional[str]:
    """The language with the highest positive score, or None."""
    positive = {code: value for code, value in scores.items() if value > 0}
    return max(positive, key=positive.__getitem__) if positive else None


def measure(name: str, registry: LanguageRegistry, corpus: Corpus) -> Measurement:
    """Runs the backend alone and the identifier built on it over every line of the corpus."""
    codes = registry.codes
    backend = BACKENDS[name](codes)
    identifier = LanguageIdentifier(registry, backend)
    start = time.perf_counter()
    for lines in corpus["sentences"].values():
        backend.scores(lines[0], codes)
        identifier.detect(lines[0])
    result = Measurement(name, {}, {}, {"backend": [], "identifier": []}, time.perf_counter() - start)
    for set_name, by_code in corpus.items():
        raw, detections = result.raw.setdefault(set_name, {}), result.detections.setdefault(set_name, {})
        for code, lines in by_code.items():
            raw[code], detections[code] = [], []
            for text in lines:
                started = time.perf_counter()
                raw[code].append(argmax(backend.scores(text, codes)))
                middle = time.perf_counter()
                detections[code].append(identifier.detect(text))
                if set_name == "sentences":
                    result.latency["backend"].append((middle - started) * 1000)
                    result.latency["identifier"].append((time.perf_counter() - middle) * 1000)
    return result


def share(hits: int, total: int) -> float:
    """``hits / total`` as a percentage (0 when there is nothing to count)."""
    return 100.0 * hits / total if total else 0.0


def accuracy(predicted: Sequence[Optional[str]], truth: str) -> float:
    """Percentage of predictions equal to ``truth``."""
    return share(sum(answer == truth for answer in predicted), len(predicted))


def identifier_accuracy(measurement: Measurement, set_name: str, codes: Sequence[str]) -> float:
    """The identifier's accuracy on a set, averaged over ``codes``."""
    by_code = measurement.detections[set_name]
    return statistics.mean(accuracy([d.language for d in by_code[code]], code) for code in codes)


def simulate_chat(corpus: Corpus, codes: Sequence[str]) -> List[Conversation]:
    """The simulated conversations, the same on every run (seeded with ``SEED``)."""
    rng = random.Random(SEED)
    switching = set(rng.sample(range(CONVERSATIONS), round(CONVERSATIONS * SWITCH_SHARE)))
    conversations = []
    for index in range(CONVERSATIONS):
        first = rng.choice(codes)
        switch_at, second = MESSAGES, first
        if index in switching:
            switch_at = rng.randint(*SWITCH_AFTER)
            second = rng.choice([code for code in codes if code != first])
        conversation = []
        for position in range(MESSAGES):
            language = second if position >= switch_at else first
            conversation.append((language, rng.choice(corpus[rng.choice(list(SETS))][language])))
        conversations.append(conversation)
    return conversations


def detections_by_text(measurement: Measurement, corpus: Corpus) -> Dict[str, Detection]:
    """The identifier's detection of each distinct text (the chat reuses the corpus lines)."""
    return {
        text: detection
        for set_name, by_code in corpus.items()
        for code, lines in by_code.items()
        for text, detection in zip(lines, measurement.detections[set_name][code], strict=False)
    }


def score_fresh(chat: List[List[Turn]]) -> float:
    """Accuracy when each message sets the language (no answer keeps the previous one)."""
    right = total = 0
    for conversation in chat:
        current: Optional[str] = None
        for truth, _, detection in conversation:
            current = detection.language or current
            right += current == truth
            total += 1
    return share(right, total)


def score_sticky(chat: List[List[Turn]], policy: LanguagePolicy, scripts: Dict[str, Tuple[str, ...]]) -> ChatScore:
    """Accuracy and menu rate of ``next_language`` under ``policy``.

    When the first message is too weak the assistant shows the language menu and the
    user picks the right language: the message counts as right, and the menu is counted.
    """
    right = total = menus = 0
    for conversation in chat:
        current: Optional[str] = None
        for truth, text, detection in conversation:
            language = next_language(current, detection, text, policy, scripts[current] if current else ())
            if language is None:
                menus += 1
                language = truth
            current = language
            right += current == truth
            total += 1
    return ChatScore(share(right, total), share(menus, len(chat)))


def policy_grid() -> List[LanguagePolicy]:
    """Every combination of the ``GRID`` values."""
    return [LanguagePolicy(**dict(zip(GRID, values, strict=False))) for values in itertools.product(*GRID.values())]


def run_chat(name: str, chat: List[List[Turn]], scripts: Dict[str, Tuple[str, ...]]) -> ChatResult:
    """Scores the fresh policy, the current policy and the whole grid for one backend."""
    scored = [(policy, score_sticky(chat, policy, scripts)) for policy in policy_grid()]
    scored.sort(key=lambda item: -item[1].objective)
    return ChatResult(score_fresh(chat), score_sticky(chat, POLICIES[name], scripts), scored)


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo, or ``unknown``."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def package_version(name: str) -> str:
    """The installed version of a distribution, or ``not installed``."""
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def data_source(data: Path) -> str:
    """The README line that tells where the test data comes from."""
    readme = data / "README.md"
    lines = readme.read_text(encoding="utf-8").splitlines() if readme.is_file() else []
    return next((line.strip() for line in lines if line.startswith("Taken from")), f"See {readme}.")


def line_counts(corpus: Corpus) -> str:
    """Lines per file: the usual count and the files that differ."""
    counts = {f"{s}/{c}": len(lines) for s, by_code in corpus.items() for c, lines in by_code.items()}
    usual = statistics.mode(counts.values())
    others = ", ".join(f"{name}.txt: {n}" for name, n in counts.items() if n != usual)
    return f"{usual}" + (f" (except {others})" if others else "")


def pct(value: float) -> str:
    """A percentage with one decimal."""
    return f"{value:.1f}"


def header(
    args: argparse.Namespace, argv: Sequence[str], corpus: Corpus, codes: Sequence[str], seconds: float
) -> List[str]:
    """Title, date, machine, versions, command and data."""
    machine = f"{platform.platform()}, {os.cpu_count()} CPUs, {cpu_model()}"
    versions = ", ".join(f"{name} {package_version(name)}" for name in PACKAGES)
    return [
        "# Language identification benchmark",
        "",
        f"- Date: {datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Machine: {machine}",
        f"- Python {platform.python_version()}; {versions}",
        f"- Command (from the project root): `{shlex.join(['python', '-m', 'benchmarks.langid', *argv])}`",
        f"- Run time: {seconds / 60:.1f} min",
        f"- Data: `{os.path.relpath(args.data, PROJECT_ROOT)}`. {data_source(args.data)}",
        f"- Lines per file: {line_counts(corpus)}",
        f"- Languages (knowledge/languages.yml): {' '.join(codes)}",
        "",
    ]


def accuracy_section(measurement: Measurement, registry: LanguageRegistry) -> List[str]:
    """Per-language accuracy of the backend alone and of the identifier, on each set."""
    columns = [f"{label}, {who}" for label in SETS.values() for who in ("backend", "identifier")]
    lines = [
        f"### {measurement.name}",
        "",
        "| language | " + " | ".join(columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    averages: List[List[float]] = [[] for _ in columns]
    for code in registry.codes:
        row = []
        for set_name in SETS:
            row.append(accuracy(measurement.raw[set_name][code], code))
            row.append(accuracy([d.language for d in measurement.detections[set_name][code]], code))
        for column, value in zip(averages, row, strict=False):
            column.append(value)
        lines.append(f"| {code} | " + " | ".join(pct(v) for v in row) + " |")
    lines.append("| **average** | " + " | ".join(f"**{pct(statistics.mean(c))}**" for c in averages) + " |")
    return [*lines, ""]


def gate(detections: Sequence[Tuple[str, Detection]], threshold: float) -> str:
    """``coverage / accuracy`` of the answers at or above ``threshold``."""
    covered = [(truth, d) for truth, d in detections if d.language and d.confidence >= threshold]
    right = sum(d.language == truth for truth, d in covered)
    answer = pct(share(right, len(covered))) if covered else "–"
    return f"{pct(share(len(covered), len(detections)))} / {answer}"


def confidence_section(measurement: Measurement, registry: LanguageRegistry) -> List[str]:
    """Coverage and accuracy of the identifier's answers above each confidence threshold."""
    groups = {"all": registry.codes, "Latin script": registry.with_script("Latin")}
    lines = [
        f"### {measurement.name}",
        "",
        "| languages | confidence | " + " | ".join(SETS.values()) + " |",
        "|---|---|" + "---:|" * len(SETS),
    ]
    for group, codes in groups.items():
        for threshold in THRESHOLDS:
            cells = [
                gate([(code, d) for code in codes for d in measurement.detections[set_name][code]], threshold)
                for set_name in SETS
            ]
            lines.append(f"| {group} | >= {threshold} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def describe(policy: LanguagePolicy) -> str:
    """The policy as Python source."""
    fields = ", ".join(f"{name}={getattr(policy, name)}" for name in GRID)
    return f"LanguagePolicy({fields})"


def chat_section(chats: Dict[str, ChatResult], conversations: List[Conversation]) -> List[str]:
    """The simulated chat: fresh, current and best policies, and the top of each grid."""
    switching = sum(len({truth for truth, _ in c}) > 1 for c in conversations)
    grid = " × ".join(str(len(values)) for values in GRID.values())
    lines = [
        "## Simulated chat",
        "",
        f"{len(conversations)} conversations of {MESSAGES} messages (seed {SEED}), in a language drawn uniformly "
        f"from the supported ones; {switching} switch once to another language after message "
        f"{SWITCH_AFTER[0]}..{SWITCH_AFTER[1]}. Each message is a random line of a random set (equal shares) "
        "in the conversation's current language. Accuracy is the share of messages after which the "
        "conversation language is the true one.",
        "",
        "- **fresh**: every message sets the language to the identifier's answer (a message with no answer keeps "
        "the previous language; a first message with no answer is wrong).",
        "- **sticky**: `sportello.conversation_language.next_language` with a `LanguagePolicy`. When the first "
        "message is too weak (None) the assistant shows the language menu and the user picks: the message "
        "counts as right and the conversation as one with a menu (menu rate = share of conversations).",
        f"- Objective: accuracy − {MENU_COST} × menu rate, because a menu costs the user a tap. "
        f"Grid: {grid} = {len(policy_grid())} policies ({', '.join(f'{k} in {v}' for k, v in GRID.items())}); "
        "ties go to the first in grid order.",
        "",
        "| backend | fresh accuracy | current policy: accuracy / menu / objective | "
        "best policy: accuracy / menu / objective |",
        "|---|---:|---:|---:|",
    ]
    for name, chat in chats.items():
        current, best = chat.current, chat.best[1]
        lines.append(
            f"| {name} | {pct(chat.fresh)} | {pct(current.accuracy)} / {pct(current.menu_rate)} / "
            f"{pct(current.objective)} | {pct(best.accuracy)} / {pct(best.menu_rate)} / {pct(best.objective)} |"
        )
    lines.append("")
    for name, chat in chats.items():
        lines += [f"### {name}", "", f"Current: `{describe(POLICIES[name])}`", ""]
        lines += ["| rank | first | switch | script change | min length | accuracy | menu | objective |"]
        lines += ["|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for rank, (policy, score) in enumerate(chat.ranking[:TOP_POLICIES], start=1):
            lines.append(
                f"| {rank} | {policy.first_confidence} | {policy.switch_confidence} | "
                f"{policy.script_change_confidence} | {policy.min_switch_length} | {pct(score.accuracy)} | "
                f"{pct(score.menu_rate)} | {pct(score.objective)} |"
            )
        lines += ["", ties(chat), ""]
    return lines


def ties(chat: ChatResult) -> str:
    """How many policies share the best objective, and the values they span."""
    best = chat.best[1].objective
    tied = [policy for policy, score in chat.ranking if abs(score.objective - best) < 1e-9]
    spans = "; ".join(f"{name} {sorted({getattr(p, name) for p in tied})}" for name in GRID)
    return f"{len(tied)} policies share the best objective, with {spans}."


def latency_section(measurements: Sequence[Measurement]) -> List[str]:
    """Milliseconds per sentence: mean and 95th percentile."""
    lines = [
        "## Latency",
        "",
        "Milliseconds per message on the sentences set, one call at a time, after warm-up calls (one sentence "
        "per language; their total time, mostly model loading, is the last column). *Backend* scores all "
        "supported languages; *identifier* is the production path (script rule, then the backend on the "
        "languages of the script).",
        "",
        "| backend | backend mean | backend p95 | identifier mean | identifier p95 | warm-up (s) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for m in measurements:
        cells = []
        for values in (m.latency["backend"], m.latency["identifier"]):
            cells += [f"{statistics.mean(values):.2f}", f"{percentile(values, 95):.2f}"]
        lines.append(f"| {m.name} | " + " | ".join(cells) + f" | {m.warm_up:.2f} |")
    return [*lines, ""]


def percentile(values: Sequence[float], percent: int) -> float:
    """The ``percent``-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))]


def default_backend() -> str:
    """The backend the NLU pipeline uses unless config.yml says otherwise."""
    from sportello.nlu.language_detector import LanguageDetector  # imports Rasa: only when needed

    return str(LanguageDetector.get_default_config()["backend"])


def conclusion(
    measurements: Sequence[Measurement], chats: Dict[str, ChatResult], codes: Sequence[str], default: str
) -> List[str]:
    """A paragraph drawn from the numbers: the best backend per set and in the chat, the policies."""
    sentences = []
    for set_name, label in SETS.items():
        scores = {m.name: identifier_accuracy(m, set_name, codes) for m in measurements}
        ranked = sorted(scores, key=scores.__getitem__, reverse=True)
        if len({pct(value) for value in scores.values()}) == 1:
            sentences.append(f"on {label} the backends tie at {pct(scores[ranked[0]])}%")
            continue
        others = ", ".join(f"{pct(scores[n])}% with {n}" for n in ranked[1:])
        sentences.append(f"on {label} {ranked[0]} is most accurate ({pct(scores[ranked[0]])}% vs {others})")
    best_chat = max(chats, key=lambda n: chats[n].best[1].objective)
    chat_scores = "; ".join(
        f"{n} {pct(c.best[1].accuracy)}% with a menu in {pct(c.best[1].menu_rate)}% of conversations "
        f"(fresh: {pct(c.fresh)}%; current policy: {pct(c.current.accuracy)}%, menu {pct(c.current.menu_rate)}%)"
        for n, c in chats.items()
    )
    verdict = "confirms it" if default == best_chat else f"does not confirm it: {best_chat} scores better"
    recommended = "; ".join(
        f"{n}: `{describe(c.best[0])}`" + (" (unchanged)" if c.best[0] == POLICIES[n] else "") for n, c in chats.items()
    )
    text = (
        f"With the identifier, averaged over the supported languages, {'; '.join(sentences)}. "
        f"In the simulated chat with the tuned sticky policy, {best_chat} is best: {chat_scores}. "
        "The default backend (`LanguageDetector.get_default_config()` in sportello/nlu/language_detector.py) "
        f"is {default}; the measurement {verdict}. Recommended `POLICIES`: {recommended}."
    )
    return ["## Conclusion", "", text, ""]


def report(
    args: argparse.Namespace,
    argv: Sequence[str],
    registry: LanguageRegistry,
    corpus: Corpus,
    measurements: Sequence[Measurement],
    chats: Dict[str, ChatResult],
    conversations: List[Conversation],
    default: str,
    seconds: float,
) -> str:
    """The whole Markdown report."""
    lines = header(args, argv, corpus, registry.codes, seconds)
    lines += [
        "## Accuracy per message",
        "",
        "Percentage of lines identified correctly. *Backend*: the detector alone, restricted to the supported "
        "languages (argmax of `backend.scores(text, codes)`). *Identifier*: `LanguageIdentifier` (Unicode-script "
        "rule, then the backend among the languages of the script). The average is over the languages.",
        "",
    ]
    for measurement in measurements:
        lines += accuracy_section(measurement, registry)
    lines += [
        "## Confidence gates",
        "",
        "Identifier answers with confidence at or above a threshold: coverage (share of messages answered) / "
        "accuracy of those answers, in percent. Script-decided answers (ar, uk, zh) have confidence 1.0; the "
        "Latin-script rows show the languages the backend must tell apart.",
        "",
    ]
    for measurement in measurements:
        lines += confidence_section(measurement, registry)
    lines += chat_section(chats, conversations)
    lines += latency_section(measurements)
    lines += conclusion(measurements, chats, registry.codes, default)
    return "\n".join(lines)


def log(message: str, started: float) -> None:
    """Prints progress with the elapsed time to stderr."""
    print(f"[{time.perf_counter() - started:7.1f} s] {message}", file=sys.stderr, flush=True)


def write_report(out: Path, text: str, started: float) -> None:
    """Writes a benchmark's Markdown report (creating its folder) and says where."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    log(f"report written to {out}", started)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the benchmark and writes the report."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    started = time.perf_counter()
    registry = load_registry()
    if not args.data.is_dir():
        print(f"error: test data folder {args.data} not found (pass --data DIR)", file=sys.stderr)
        return 2
    try:
        corpus = load_corpus(args.data, registry.codes, args.limit)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    conversations = simulate_chat(corpus, registry.codes)
    scripts = {language.code: language.scripts for language in registry.languages}
    measurements, chats = [], {}
    for name in BACKENDS:
        log(f"{name}: detecting", started)
        measurement = measure(name, registry, corpus)
        measurements.append(measurement)
        log(f"{name}: simulated chat and grid search", started)
        detections = detections_by_text(measurement, corpus)
        chat = [[(truth, text, detections[text]) for truth, text in c] for c in conversations]
        chats[name] = run_chat(name, chat, scripts)
    default = default_backend()
    seconds = time.perf_counter() - started
    text = report(args, argv, registry, corpus, measurements, chats, conversations, default, seconds)
    write_report(args.out, text, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
