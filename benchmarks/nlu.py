"""NLU benchmark: held-out accuracy per language, language ID, training time, parse latency, memory.

Run from the project root (``make bench-nlu``); it writes docs/benchmarks/nlu.md::

    python -m benchmarks.nlu [--model models/x.tar.gz] [--out docs/benchmarks/nlu.md]

Without ``--model`` it trains a fresh model into a temporary folder and times it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from benchmarks import langid
from sportello import PROJECT_ROOT
from sportello.conversation_language import POLICIES
from sportello.devserver import RASA, call, running_stack
from sportello.languages import load_registry
from sportello.nlu.evaluation import LanguageScores, evaluate, load_examples

DEFAULT_OUT = PROJECT_ROOT / "docs" / "benchmarks" / "nlu.md"
TOKEN = "bench-token"  # noqa: S105 - a throwaway token for a server on loopback
PARSE_ROUNDS = 3
"""Every held-out example is parsed this many times over HTTP for the latency figures."""
TARGETS = "intent accuracy >= 95% in every language; permit type and procedure precision and recall >= 90% " \
    "in every language; conversation-language accuracy >= 97%; " \
    "training < 5 min; parse p50 < 30 ms"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parses the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="an existing model (skips the timed training)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    return parser.parse_args(argv)


def train(out_dir: Path) -> Tuple[Path, float]:
    """Trains a model from scratch (no cache) and returns it with the seconds it took."""
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - fixed command
        [RASA, "train", "--force", "--out", str(out_dir), "--fixed-model-name", "bench"],
        cwd=PROJECT_ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return out_dir / "bench.tar.gz", time.perf_counter() - started


def rss_mib(pid: int) -> float:
    """Resident memory of a process in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def server_figures(
    model: Path, texts: List[str], workdir: Path
) -> Tuple[Dict[str, LanguageScores], List[float], float]:
    """Held-out scores through ``/model/parse``, its latencies (ms) and the server's memory."""
    with running_stack(model, workdir, TOKEN) as stack:
        url = f"{stack.base_url}/model/parse?token={TOKEN}"

        async def parse(text: str) -> dict:
            return call(url, {"text": text})

        scores = asyncio.run(evaluate(parse, load_examples()))
        latencies = []
        for _ in range(PARSE_ROUNDS):
            for text in texts:
                started = time.perf_counter()
                call(url, {"text": text})
                latencies.append((time.perf_counter() - started) * 1000)
        return scores, latencies, rss_mib(stack.rasa_pid)


def language_id_figures() -> Optional[Dict[str, float]]:
    """Per-set and simulated-chat accuracy of the configured detector, or None without the data."""
    if not langid.DEFAULT_DATA.is_dir():
        return None
    registry = load_registry()
    backend = langid.default_backend()
    corpus = langid.load_corpus(langid.DEFAULT_DATA, registry.codes, None)
    measurement = langid.measure(backend, registry, corpus)
    figures = {label: langid.identifier_accuracy(measurement, name, registry.codes)
               for name, label in langid.SETS.items()}
    by_text = langid.detections_by_text(measurement, corpus)
    chat = [[(truth, text, by_text[text]) for truth, text in conversation]
            for conversation in langid.simulate_chat(corpus, registry.codes)]
    scripts = {lang.code: lang.scripts for lang in registry.languages}
    score = langid.score_sticky(chat, POLICIES[backend], scripts)
    figures.update({"conversation": score.accuracy, "menu rate": score.menu_rate})
    return figures


def report(scores: Dict[str, LanguageScores], latencies: List[float], memory: float,
           training: Optional[float], language_id: Optional[Dict[str, float]]) -> str:
    """The Markdown report."""
    registry = load_registry()
    lines = [
        "# NLU benchmark", "",
        f"Measured {datetime.now():%Y-%m-%d %H:%M} on {langid.cpu_model()} ({os.cpu_count()} cores), "
        "with `make bench-nlu` (`python -m benchmarks.nlu`).", "",
        f"Targets: {TARGETS}.", "",
        "## Intents on held-out data (tests/nlu_heldout, never used for training)", "",
        "| language | examples | intent accuracy | macro-F1 | language detected right |",
        "|---|---:|---:|---:|---:|",
    ]
    for code in registry.codes:
        score = scores[code]
        lines.append(f"| {code} | {len(score.expected)} | {100 * score.accuracy:.1f}% | "
                     f"{100 * score.macro_f1:.1f}% | {100 * score.language_accuracy:.1f}% |")
    mean = statistics.mean(scores[c].accuracy for c in registry.codes)
    lines += [f"| **mean** | | **{100 * mean:.1f}%** | | |", ""]
    lines += [
        "## Permit types and procedures, and frequent questions, on the same held-out data", "",
        "Entities: `permit_type` and `procedure` (type and canonical value) as annotated in the held-out "
        "files; frequent questions: intent `ask_faq` with the right question.", "",
        "| language | entity precision | entity recall | annotated values | frequent question right |",
        "|---|---:|---:|---:|---:|",
    ]
    for code in registry.codes:
        score = scores[code]
        lines.append(f"| {code} | {100 * score.entity_precision:.1f}% | {100 * score.entity_recall:.1f}% | "
                     f"{score.entities_expected} | {100 * score.faq_accuracy:.1f}% of {score.faq_expected} |")
    lines += [""]
    if language_id:
        lines += [
            "## Language identification (configured detector, third-party short-text data)", "",
            "| single words | word pairs | sentences | simulated chat (sticky policy) | language menu shown |",
            "|---:|---:|---:|---:|---:|",
            f"| {language_id['single words']:.1f}% | {language_id['word pairs']:.1f}% | "
            f"{language_id['sentences']:.1f}% | {language_id['conversation']:.1f}% | "
            f"{language_id['menu rate']:.1f}% of conversations |", "",
            "Details and every backend: [langid.md](langid.md).", "",
        ]
    ordered = sorted(latencies)
    p50 = langid.percentile(ordered, 50)
    worst = min(registry.codes, key=lambda c: scores[c].accuracy)
    weakest = min(registry.codes, key=lambda c: min(scores[c].entity_precision, scores[c].entity_recall))
    weakest_entities = min(scores[weakest].entity_precision, scores[weakest].entity_recall)
    verdicts = [
        ("intent accuracy >= 95% in every language",
         f"lowest {worst} {100 * scores[worst].accuracy:.1f}%", scores[worst].accuracy >= 0.95),
        ("permit type and procedure precision and recall >= 90% in every language",
         f"lowest {weakest} {100 * weakest_entities:.1f}%", weakest_entities >= 0.90),
        ("conversation language >= 97%",
         f"{language_id['conversation']:.1f}%" if language_id else "not measured",
         bool(language_id) and language_id["conversation"] >= 97),
        ("training < 5 min", f"{training:.0f} s" if training else "not measured", bool(training) and training < 300),
        ("parse p50 < 30 ms", f"{p50:.1f} ms", p50 < 30),
    ]
    lines += ["## Against the targets", "", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {target} | {value} | {'yes' if met else '**no**'} |" for target, value, met in verdicts]
    lines += [""]
    lines += [
        "## Speed and memory", "",
        f"- Full training (`rasa train --force`): {training:.0f} s" if training else
        "- Full training: not measured (run without --model)",
        f"- `/model/parse` over HTTP, {len(latencies)} requests: p50 {p50:.1f} ms, "
        f"p95 {langid.percentile(ordered, 95):.1f} ms",
        f"- Rasa server resident memory after the run: {memory:.0f} MiB", "",
    ]
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the benchmark and writes the report."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        model, training = (args.model, None) if args.model else train(workdir / "models")
        texts = [example.text for example in load_examples()]
        scores, latencies, memory = server_figures(model.resolve(), texts, workdir)
    language_id = language_id_figures()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report(scores, latencies, memory, training, language_id), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
