"""Scale benchmark: throughput, end-to-end latency and memory of one and two Rasa processes behind nginx.

Run from the project root (``make bench-scale``); it writes docs/benchmarks/scale.md::

    python -m benchmarks.scale [--model models/x.tar.gz] [--rates 2 4 6] [--seconds 20] [--processes 1 2]

For each process count, ``sportello.cluster`` starts the production profile: nginx in
front of that many Rasa processes (endpoints.production.yml: PostgreSQL tracker store
and event broker, Redis lock store, every Sportello store on PostgreSQL) and as many
action servers. Their WhatsApp channel sends to the Graph API stand-in of
benchmarks.whatsapp inside this process, which records when each answer arrives.
Signed webhooks go to nginx at rising rates, from distinct senders each holding a short
conversation, until p95 passes 1 s twice in a row or messages are left unanswered; CPU
time is read from /proc around each rate and memory after the last one. The report
ends with a projection to a national load, its assumptions stated.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import random
import shlex
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import aiohttp

from benchmarks.langid import cpu_model, percentile, write_report
from benchmarks.whatsapp import (
    MARKER,
    QUESTION,
    REQUEST_TIMEOUT,
    GraphStandIn,
    WhatsAppRun,
    latest_model,
    log,
    ms,
    new_senders,
    paced,
    post_webhook,
    settle,
    turn_ends,
    wait_for_sends,
)
from sportello import PROJECT_ROOT
from sportello.cluster import Cluster, Service
from sportello.devserver import free_port

DEFAULT_OUT = PROJECT_ROOT / "docs" / "benchmarks" / "scale.md"
TOKEN = "bench-token"  # noqa: S105 - a throwaway token for servers on loopback
LIMIT_MS = 1000.0
"""The latency target: e2e p95 under 1 s."""
PLATFORM_CEILING = 80.0
"""Meta's default throughput per WhatsApp business number, messages per second (in and out together)."""
HEADROOM = 0.7
"""Share of the measured capacity a deployment is planned to run at."""
CONVERSATION: Tuple[Tuple[str, str], ...] = (
    (QUESTION, MARKER),
    ("quali documenti servono per rinnovare il permesso per motivi di lavoro?", "passaporto"),
    ("quanto costa il permesso di soggiorno?", "€"),
)
"""Each sender's messages in order, each with a text its right answer contains.

The office's phone number (bench-whatsapp's question), the documents for a renewal and
the fees: all three answered by the action server (action_office_info,
action_answer_documents, action_answer_cost), which also starts each new sender's session.
"""
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Assumptions:
    """What the national projection assumes; every figure but ``offices`` and ``visits`` is an estimate."""

    offices: int = 106
    visits_per_office_year: float = 8000.0
    messages_per_conversation: float = 6.0
    working_days: float = 250.0
    peak_hour_share: float = 0.15
    margin: float = 10.0


@dataclass
class RateResult:
    """One offered rate against one process count."""

    rate: float
    run: WhatsAppRun
    wrong: int = 0
    sends_per_message: float = 0.0
    cpu_seconds: Dict[str, float] = field(default_factory=dict)
    busy: float = 0.0
    """Share of the machine's CPU time in use over the rate's window (all processes)."""

    @property
    def unanswered(self) -> int:
        """Messages without an answer by the drain deadline."""
        return self.run.sent - self.run.answered

    @property
    def p95(self) -> float:
        """e2e p95 in ms (infinite without answers)."""
        return percentile(self.run.e2e_ms, 95) if self.run.e2e_ms else math.inf

    def cpu_ms_per_message(self, group: str) -> float:
        """CPU milliseconds a group of processes spent per answered message."""
        return 1000 * self.cpu_seconds.get(group, 0.0) / self.run.answered if self.run.answered else math.nan


@dataclass
class Memory:
    """Resident memory of one process or group, in MiB, after the run."""

    name: str
    processes: int
    rss: float
    peak: float
    pss: Optional[float] = None


@dataclass
class ScaleRun:
    """Everything one process count gave."""

    processes: int
    results: List[RateResult] = field(default_factory=list)
    memory: List[Memory] = field(default_factory=list)
    answered_by: List[int] = field(default_factory=list)
    """Answers each Rasa process finished over the whole run, warm-up included."""


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parses the command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--model", type=Path, help="a trained model (default: the one scripts/model.sh prints)")
    parser.add_argument("--rates", type=float, nargs="+", default=[2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 16.0, 20.0, 24.0],
                        help="messages per second, in rising order")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long each rate is offered")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2], help="Rasa processes (and action servers)")
    parser.add_argument("--concurrency", type=int, default=100, help="webhook requests in flight at most")
    parser.add_argument("--drain", type=float, default=120.0, help="seconds to wait for the last answers")
    parser.add_argument("--grace", type=float, default=2.0, help="seconds to watch for duplicates afterwards")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="an existing database to log in to; the stack creates and drops its own")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--workdir", type=Path, help="keep the servers' state and logs here (default: temporary)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    return parser.parse_args(argv)


# --- pure arithmetic (tests/benchmarks/test_scale.py) ---


def should_stop(p95s: Sequence[float], unanswered: int, limit_ms: float = LIMIT_MS) -> bool:
    """Whether to stop raising the rate: the last two p95 over the limit, or messages left unanswered."""
    return unanswered > 0 or (len(p95s) >= 2 and all(p95 > limit_ms for p95 in p95s[-2:]))


def highest_rate_under(points: Sequence[Tuple[float, float, int]], limit_ms: float = LIMIT_MS) -> Optional[float]:
    """The highest rate with p95 under the limit and every message answered; points are (rate, p95, unanswered)."""
    passing = [rate for rate, p95, unanswered in points if p95 < limit_ms and unanswered == 0]
    return max(passing) if passing else None


def peak_rate(assumptions: Assumptions) -> float:
    """Incoming messages per second in the national peak hour (before the margin)."""
    a = assumptions
    per_day = a.offices * a.visits_per_office_year * a.messages_per_conversation / a.working_days
    return per_day * a.peak_hour_share / 3600


def processes_for(rate: float, capacity: float, headroom: float = HEADROOM) -> int:
    """Rasa processes to take ``rate`` msg/s when each is run at ``headroom`` of its ``capacity``."""
    return max(1, math.ceil(rate / (capacity * headroom) - 1e-9))


def cores_for(rate: float, cpu_ms_per_message: float, headroom: float = HEADROOM) -> float:
    """Cores a component needs for ``rate`` msg/s at ``cpu_ms_per_message``, busy at ``headroom`` at most."""
    return rate * cpu_ms_per_message / 1000 / headroom


def inbound_ceiling(sends_per_message: float, ceiling: float = PLATFORM_CEILING) -> float:
    """Incoming messages per second a number takes when its answers count against the same ceiling."""
    return ceiling / (1 + sends_per_message)


# --- /proc ---


def children(pid: int) -> List[int]:
    """A process and its descendants."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                queue += [int(child) for child in task.read_text().split()]
            except OSError:
                continue  # the task ended meanwhile
    return found


def pgrep(name: str) -> List[int]:
    """The pids of processes called exactly ``name``."""
    output = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True, check=False)  # noqa: S603, S607
    return [int(pid) for pid in output.stdout.split()]


def groups(cluster: Cluster) -> Dict[str, List[int]]:
    """The pids of each kind of process on the machine that a message passes through."""
    def tree(pids: List[int]) -> List[int]:
        return [child for pid in pids for child in children(pid)]

    def started(services: List[Service]) -> List[int]:
        return [service.process.pid for service in services if service.process is not None]

    return {
        "Rasa": tree(started(cluster.rasa)),
        "action servers": tree(started(cluster.actions)),
        "nginx": tree(started([cluster.nginx])),
        "PostgreSQL": pgrep("postgres"),
        "Redis": pgrep("redis-server"),
        "load generator": [os.getpid()],
    }


def cpu_seconds(pids: List[int]) -> float:
    """User and system CPU time the processes have used so far (ended ones count as 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / CLOCK_TICKS


def machine_ticks() -> Tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


def status_kib(pid: int, key: str) -> float:
    """A ``kB`` line of /proc/<pid>/status (0 if the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return float(line.split()[1])
    except OSError:
        pass
    return 0.0


def pss_kib(pid: int) -> float:
    """Proportional set size (shared pages split among their users), from smaps_rollup."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return float(line.split()[1])
    except OSError:
        pass
    return 0.0


def memory(name: str, pids: List[int], with_pss: bool = False) -> Memory:
    """RSS and peak RSS (VmHWM) summed over the processes, in MiB; PSS too if asked."""
    rss = sum(status_kib(pid, "VmRSS") for pid in pids) / 1024
    peak = sum(status_kib(pid, "VmHWM") for pid in pids) / 1024
    pss = sum(pss_kib(pid) for pid in pids) / 1024 if with_pss else None
    return Memory(name, len(pids), rss, peak, pss)


def memories(cluster: Cluster) -> List[Memory]:
    """Memory of each Rasa process and action server, and of nginx, PostgreSQL and Redis as groups."""
    found = [memory(s.name, children(s.process.pid)) for s in [*cluster.rasa, *cluster.actions] if s.process]
    every = groups(cluster)
    return [*found, *(memory(name, every[name], with_pss=True) for name in ("nginx", "PostgreSQL", "Redis"))]


async def answers_per_process(cluster: Cluster) -> List[int]:
    """How many answers each Rasa process has finished, from its ``sportello_whatsapp_answer_seconds`` count."""
    counts = []
    async with aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as session:
        for index in range(len(cluster.rasa)):
            async with session.get(f"{cluster.rasa_url(index)}/webhooks/whatsapp/metrics") as response:
                text = await response.text()
            counts.append(sum(int(float(line.rsplit(" ", 1)[1])) for line in text.splitlines()
                              if line.startswith("sportello_whatsapp_answer_seconds_count")))
    return counts


# --- the load ---


def schedule(count: int, senders: Sequence[str]) -> List[Tuple[str, int]]:
    """(sender, turn) of each of ``count`` messages: every sender's turns spread over the whole window."""
    return [(senders[index % len(senders)], index // len(senders)) for index in range(count)]


def wrong_answers(standin: GraphStandIn, turns: Dict[str, int], sends_per_turn: Sequence[int]) -> int:
    """Answered turns whose sends lack the text their right answer contains (an apology, a fallback)."""
    wrong = 0
    for user, count in turns.items():
        bodies, start = standin.bodies.get(user, []), 0
        for turn, end in enumerate(turn_ends(count, sends_per_turn)):
            if end <= len(bodies) and CONVERSATION[turn][1] not in " ".join(bodies[start:end]):
                wrong += 1
            start = end
    return wrong


async def trial(url: str, standin: GraphStandIn, users: int, drain: float) -> List[int]:
    """Runs the conversation for ``users`` senders at once, a turn at a time; returns the sends of each turn.

    Also the warm-up: each Rasa process loads parts of the model on its first answers.

    Raises:
        RuntimeError: a turn got different numbers of sends for different senders, or a wrong answer.

    """
    senders = new_senders(users, random.Random(f"trial-{users}"))
    sends: List[int] = []
    async with aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as session:
        for text, marker in CONVERSATION:
            before = {user: len(standin.sends.get(user, [])) for user in senders}
            statuses = await asyncio.gather(*(post_webhook(session, url, user, text) for user in senders))
            if set(statuses) != {200}:
                raise RuntimeError(f"trial webhooks answered {statuses}")
            # Sends of one answer arrive one after another: wait until none come for a while.
            counts: List[int] = []
            while True:
                await wait_for_sends(standin, {user: before[user] + 1 for user in senders}, drain, 1.0)
                now = [len(standin.sends.get(user, [])) - before[user] for user in senders]
                if now == counts:
                    break
                counts = now
            bodies = [" ".join(standin.bodies[user][before[user]:]) for user in senders]
            if len(set(counts)) != 1 or any(marker not in body for body in bodies):
                raise RuntimeError(f"trial turn {text!r}: sends {counts}, answers {bodies}")
            sends.append(counts[0])
    return sends


async def rate_run(cluster: Cluster, standin: GraphStandIn, rate: float, sends_per_turn: Sequence[int],
                   args: argparse.Namespace, rng: random.Random) -> RateResult:
    """Offers ``rate`` webhooks a second for ``args.seconds`` and waits for every answer."""
    url = f"{cluster.front_url}/webhooks/whatsapp/webhook"
    count = max(1, round(rate * args.seconds))
    plan = schedule(count, new_senders(math.ceil(count / len(CONVERSATION)), rng))
    posted: Dict[str, List[float]] = defaultdict(list)
    run = WhatsAppRun(sent=count)
    pids = groups(cluster)
    cpu_before = {name: cpu_seconds(group) for name, group in pids.items()}
    ticks_before = machine_ticks()
    async with aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as session:

        async def fire(index: int) -> None:
            user, turn = plan[index]
            started = time.perf_counter()
            posted[user].append(started)
            try:
                status = await post_webhook(session, url, user, CONVERSATION[turn][0])
            except (aiohttp.ClientError, asyncio.TimeoutError):
                status = 0
            if status == 200:
                run.ack_ms.append((time.perf_counter() - started) * 1000)
            else:
                run.ack_failures += 1

        run.achieved_rate = await paced(rate, args.seconds, args.concurrency, fire)
    turns = {user: len(times) for user, times in posted.items()}
    expected = {user: turn_ends(n, sends_per_turn)[-1] for user, n in turns.items()}
    run.drain_seconds = await wait_for_sends(standin, expected, args.drain, args.grace)
    ticks_after = machine_ticks()
    settle(run, standin, posted, sends_per_turn)
    return RateResult(
        rate=rate,
        run=run,
        wrong=wrong_answers(standin, turns, sends_per_turn),
        sends_per_message=sum(expected.values()) / count,
        cpu_seconds={name: cpu_seconds(group) - cpu_before[name] for name, group in pids.items()},
        busy=(ticks_after[0] - ticks_before[0]) / max(1, ticks_after[1] - ticks_before[1]),
    )


async def measure(cluster: Cluster, port: int, processes: int, args: argparse.Namespace,
                  started: float) -> ScaleRun:
    """Trial and warm-up, then the rising rates until the stopping rule holds."""
    standin = GraphStandIn()
    await standin.start(port)
    result, rng = ScaleRun(processes), random.Random(f"{args.seed}-{processes}")
    try:
        url = f"{cluster.front_url}/webhooks/whatsapp/webhook"
        log("trial conversation, then warm-up", started)
        sends_per_turn = await trial(url, standin, 1, args.drain)
        await trial(url, standin, 4 * processes, args.drain)
        for rate in args.rates:
            log(f"{processes} Rasa process(es), {rate:g} msg/s for {args.seconds:g} s", started)
            outcome = await rate_run(cluster, standin, rate, sends_per_turn, args, rng)
            result.results.append(outcome)
            log(f"  p95 {outcome.p95:.0f} ms, {outcome.run.answered}/{outcome.run.sent} answered", started)
            if should_stop([r.p95 for r in result.results], outcome.unanswered):
                break
        result.memory = memories(cluster)
        result.answered_by = await answers_per_process(cluster)
    finally:
        await standin.stop()
    return result


# --- the report ---


def capacity(run: ScaleRun) -> Optional[RateResult]:
    """The result at the highest rate with p95 under 1 s and nothing unanswered."""
    best = highest_rate_under([(r.rate, r.p95, r.unanswered) for r in run.results])
    return next((r for r in run.results if r.rate == best), None)


def rate_rows(run: ScaleRun) -> List[str]:
    """One row per offered rate."""
    lines = [
        f"### {run.processes} Rasa process{'es' if run.processes > 1 else ''}, {run.processes} action "
        f"server{'s' if run.processes > 1 else ''}", "",
        "| offered msg/s | achieved msg/s | answered | wrong answers | duplicates | ack p99 | e2e p50 | e2e p95 "
        "| e2e p99 | e2e max | answers/s | wait for last answer | machine CPU busy |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in run.results:
        wa = r.run
        lines.append(
            f"| {r.rate:g} | {wa.achieved_rate:.1f} | {wa.answered}/{wa.sent} | {r.wrong} | {wa.duplicates} "
            f"| {ms(wa.ack_ms, 99)} | {ms(wa.e2e_ms, 50)} | {ms(wa.e2e_ms, 95)} | {ms(wa.e2e_ms, 99)} "
            f"| {ms(wa.e2e_ms, 100)} | {wa.throughput:.1f} | {wa.drain_seconds:.1f} s | {100 * r.busy:.0f}% |"
        )
    shares = ", ".join(f"rasa{index} {count}" for index, count in enumerate(run.answered_by))
    return [*lines, "", f"Answers finished by each Rasa process over the run, warm-up included: {shares}.", ""]


CPU_GROUPS = ("Rasa", "action servers", "nginx", "PostgreSQL", "Redis", "load generator")


def cpu_rows(runs: Sequence[ScaleRun]) -> List[str]:
    """CPU milliseconds per answered message, per kind of process, at every rate."""
    lines = ["| Rasa processes | offered msg/s | " + " | ".join(CPU_GROUPS) + " | total |",
             "|---:|---:|" + "---:|" * (len(CPU_GROUPS) + 1)]
    for run in runs:
        for r in run.results:
            values = [r.cpu_ms_per_message(group) for group in CPU_GROUPS]
            lines.append(f"| {run.processes} | {r.rate:g} | " + " | ".join(f"{v:.0f}" for v in values)
                         + f" | {sum(values):.0f} |")
    return [*lines, ""]


def memory_rows(runs: Sequence[ScaleRun]) -> List[str]:
    """Memory after each run."""
    lines = ["| Rasa processes | process | processes | RSS MiB | peak RSS (VmHWM) MiB | PSS MiB |",
             "|---:|---|---:|---:|---:|---:|"]
    for run in runs:
        for m in run.memory:
            pss = f"{m.pss:.0f}" if m.pss is not None else "–"
            lines.append(f"| {run.processes} | {m.name} | {m.processes} | {m.rss:.0f} | {m.peak:.0f} | {pss} |")
    return [*lines, ""]


def summary_rows(runs: Sequence[ScaleRun]) -> List[str]:
    """Per process count: the highest rate under 1 s and what it cost."""
    lines = ["| Rasa processes | highest offered msg/s with e2e p95 < 1 s | answers/s there | e2e p95 there "
             "| machine CPU busy there | first rate over | its e2e p95 |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for run in runs:
        best = capacity(run)
        over = next((r for r in run.results if r.p95 >= LIMIT_MS or r.unanswered), None)
        at_best = (f"{best.rate:g} | {best.run.throughput:.1f} | {best.p95:.0f} ms | {100 * best.busy:.0f}%"
                   if best else "none | – | – | –")
        at_over = f"{over.rate:g} | {over.p95:.0f} ms" if over else "not reached | –"
        lines.append(f"| {run.processes} | {at_best} | {at_over} |")
    return [*lines, ""]


def projection(runs: Sequence[ScaleRun], assumptions: Assumptions) -> List[str]:
    """The national projection and what 80 msg/s needs, from the one-process measurements."""
    one = next((run for run in runs if run.processes == 1), None)
    best = capacity(one) if one else None
    if one is None or best is None:
        return ["The projection needs a one-process run with a rate under 1 s.", ""]
    a = assumptions
    peak = peak_rate(a)
    sends = best.sends_per_message
    cost = {group: best.cpu_ms_per_message(group) for group in CPU_GROUPS if group != "load generator"}
    rasa_mib = max((m.peak for m in one.memory if m.name.startswith("rasa")), default=math.nan)
    lines = [
        "### Assumptions", "",
        "| assumption | value | basis |", "|---|---:|---|",
        f"| immigration offices (Questure) | {a.offices} | **estimate**: about one per province, not "
        "checked against an official list |",
        f"| conversations per office and year | {a.visits_per_office_year:,.0f} | **estimate**: the office "
        "visits Perugia expected WhatsApp to spare each year (Questura di Perugia, press release of 20 June "
        "2020), taken as one conversation each and Perugia taken as the average office |",
        f"| applicant messages per conversation | {a.messages_per_conversation:g} | **estimate** |",
        f"| days carrying the traffic | {a.working_days:g} | **estimate** (working days; the service answers "
        "24 h but questions follow office life) |",
        f"| share of a day's messages in its busiest hour | {a.peak_hour_share:.0%} | **estimate** |",
        f"| safety margin | ×{a.margin:g} | **estimate**: big-city offices, renewal deadlines, campaigns |",
        f"| share of measured capacity used | {HEADROOM:.0%} | planning headroom |", "",
        "### Arithmetic", "",
        f"- National peak: {a.offices} × {a.visits_per_office_year:,.0f} × {a.messages_per_conversation:g} / "
        f"{a.working_days:g} × {a.peak_hour_share:.0%} / 3600 s = **{peak:.2f} msg/s**; with the margin "
        f"**{peak * a.margin:.1f} msg/s**.",
        f"- Measured capacity of one Rasa process (the highest offered rate with e2e p95 < 1 s, everything "
        f"else on the same 2 cores): **{best.rate:g} msg/s**; planned at {HEADROOM:.0%}: "
        f"{best.rate * HEADROOM:.1f} msg/s a process.",
        "- CPU per incoming message at that rate (ms): "
        + ", ".join(f"{group} {value:.0f}" for group, value in cost.items()) + ".",
        f"- Each incoming message of this mix made {sends:.2f} Graph API sends. Meta's 80 msg/s per number "
        f"counts incoming and outgoing messages together, so one number takes about "
        f"**{inbound_ceiling(sends):.0f} incoming msg/s**; the table below also gives 80 incoming msg/s, "
        "the upper bound.",
        "- Rasa processes come from the measured capacity, cores from the CPU time per message. A process "
        "answers one message at a time (docs/whatsapp.md) and waits for PostgreSQL, Redis and the action "
        f"server within each answer: at its capacity it used {best.rate * cost['Rasa'] / 1000:.2f} of a core. "
        f"Memory: {rasa_mib:.0f} MiB (peak RSS) a Rasa process.", "",
        "| load | msg/s | Rasa processes | their RAM GiB | cores: Rasa | action servers | nginx | PostgreSQL "
        "| Redis | total cores |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, rate in (("national peak", peak), ("national peak × margin", peak * a.margin),
                       ("one number at Meta's ceiling (in + out)", inbound_ceiling(sends)),
                       ("80 incoming msg/s", PLATFORM_CEILING)):
        cores = [cores_for(rate, cost[group]) for group in cost]
        processes = processes_for(rate, best.rate)
        lines.append(f"| {name} | {rate:.1f} | {processes} | {processes * rasa_mib / 1024:.1f} | "
                     + " | ".join(f"{c:.1f}" for c in cores) + f" | {sum(cores):.1f} |")
    return [*lines, ""]


def scaling_note(runs: Sequence[ScaleRun]) -> List[str]:
    """What the two process counts say about scaling on this machine."""
    by_count = {run.processes: run for run in runs}
    if 1 not in by_count or 2 not in by_count:
        return []
    one, two = capacity(by_count[1]), capacity(by_count[2])
    if one is None or two is None:
        return []
    # The most answers a second a process count gave, once the offered rate was more than it could take.
    top1, top2 = (max(by_count[n].results, key=lambda r: r.run.throughput) for n in (1, 2))
    lightest = by_count[1].results[0]
    return [
        f"Two processes reached {two.rate:g} msg/s under 1 s against {one.rate:g} for one "
        f"(×{two.rate / one.rate:.2f}, in steps of the offered rates); overloaded, they gave at most "
        f"{top2.run.throughput:.1f} answers/s against {top1.run.throughput:.1f}. A process answers one message at "
        f"a time, so one process is bound by the time of each answer (e2e p50 {ms(lightest.run.e2e_ms, 50)} ms at "
        f"{lightest.rate:g} msg/s), not by the CPU: the machine was {100 * top1.busy:.0f}% busy then, leaving room "
        f"for a second process. With two, the machine was {100 * top2.busy:.0f}% "
        "busy at their limit, shared by both Rasa processes, their action servers, nginx, PostgreSQL, Redis and "
        "this load generator on 2 cores: a third process would have no core of its own here, so this machine "
        "cannot show how far scaling stays linear. The projection counts CPU time per message instead, assuming "
        "that cost stays constant when each process has a core of its own.", "",
    ]


def verdict(runs: Sequence[ScaleRun], assumptions: Assumptions) -> List[str]:
    """The answer to the issue in three lines: capacity, national load, Meta's ceiling."""
    one = next((run for run in runs if run.processes == 1), None)
    best = capacity(one) if one else None
    if one is None or best is None:
        return []
    cost = sum(best.cpu_ms_per_message(group) for group in CPU_GROUPS if group != "load generator")
    peak = peak_rate(assumptions)
    return [
        f"- One Rasa process took **{best.rate:g} msg/s** with e2e p95 under 1 s on this machine, everything "
        "else sharing its 2 cores; two processes in the table below.",
        f"- A national load, **estimated** below at {peak:.2f} msg/s in the peak hour "
        f"({peak * assumptions.margin:.1f} with a ×{assumptions.margin:g} margin), needs "
        f"{processes_for(peak * assumptions.margin, best.rate)} Rasa processes.",
        f"- Meta's default ceiling, **{PLATFORM_CEILING:g} msg/s** per number, taken as 80 incoming msg/s: "
        f"{processes_for(PLATFORM_CEILING, best.rate)} Rasa processes at {HEADROOM:.0%} of the measured capacity "
        f"and about {math.ceil(cores_for(PLATFORM_CEILING, cost))} cores in all (PostgreSQL and Redis included, "
        "on cores of their own), if the CPU time per message measured here holds (see Projection).", "",
    ]


def memory_total() -> str:
    """The machine's RAM from /proc/meminfo."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    return "RAM unknown"


def report(runs: Sequence[ScaleRun], args: argparse.Namespace, argv: Sequence[str], model: Path,
           seconds: float) -> str:
    """The Markdown report."""
    command = shlex.join(["python", "-m", "benchmarks.scale", *argv])
    conversation = "; ".join(f"\"{text}\" (answer contains \"{marker}\")" for text, marker in CONVERSATION)
    return "\n".join([
        "# Scale benchmark: one and two Rasa processes", "",
        f"- Date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"- Machine: {cpu_model()}, {os.cpu_count()} cores, {memory_total()}, {platform.platform()}, "
        f"Python {platform.python_version()}",
        f"- Command (from the project root): `make bench-scale` (`{command}`); run time {seconds / 60:.1f} min",
        f"- Model: `{os.path.relpath(model, PROJECT_ROOT)}`",
        "- Stack (sportello/cluster.py): nginx in front of N Rasa processes on `endpoints.production.yml` "
        "(PostgreSQL tracker store and event broker, Redis lock store; every Sportello store on PostgreSQL) and "
        "N action servers behind nginx too. The Rasa processes send to a Graph API stand-in inside the benchmark "
        "process. Everything, the load generator included, on this one machine and 127.0.0.1.",
        f"- Load: each rate offered for {args.seconds:g} s; signed Meta-shaped webhooks to nginx; each sender "
        f"(new ones at every rate) sends the {len(CONVERSATION)} messages of this conversation in order, its "
        f"turns spread over the whole window: {conversation}. Rates rise until e2e p95 passes 1 s twice in a "
        f"row or a message is unanswered {args.drain:g} s after the last webhook. First a trial conversation "
        "checks the answers and counts their sends, then a warm-up of 4 conversations per process (a "
        "process's first answers load parts of the model).", "",
        "## Verdict", "",
        *verdict(runs, Assumptions()),
        *summary_rows(runs),
        *scaling_note(runs),
        "## Results (milliseconds)", "",
        "- **e2e**: the webhook POST started → the last Graph API send of its answer arrives at the stand-in.",
        "- **answers/s**: answers over the time from the first webhook to the last answer.",
        "- **wrong answers**: answers without the text the right answer contains (an apology, a fallback).",
        "- **machine CPU busy**: all processes, over the rate's window (webhooks, drain and "
        f"{args.grace:g} s of watching for duplicates).", "",
        *(line for run in runs for line in rate_rows(run)),
        "## CPU per answered message (milliseconds)", "",
        "From /proc/<pid>/stat over each rate's window. PostgreSQL and Redis are the machine's servers, "
        "whatever else uses them then.", "",
        *cpu_rows(runs),
        "## Memory after the run", "",
        "VmRSS and VmHWM from /proc/<pid>/status (a process with its children). For nginx, PostgreSQL and "
        "Redis, sums over their processes; RSS counts shared memory in each process, PSS splits it.", "",
        *memory_rows(runs),
        "## Projection", "",
        *projection(runs, Assumptions()),
    ])


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the benchmark for each process count and writes the report."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    started = time.perf_counter()
    model = (args.model or latest_model()).resolve()
    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        for processes in args.processes:
            workdir = (args.workdir or Path(scratch)) / f"rasa-{processes}"
            workdir.mkdir(parents=True, exist_ok=True)
            port = free_port()
            cluster = Cluster(model, workdir, args.postgres, args.redis, TOKEN, rasa_count=processes,
                              action_count=processes, api_url=f"http://127.0.0.1:{port}/v21.0")
            log(f"starting {processes} Rasa process(es) with {model.name}", started)
            try:
                cluster.start()
                runs.append(asyncio.run(measure(cluster, port, processes, args, started)))
            finally:
                cluster.stop()
    text = report(runs, args, argv, model, time.perf_counter() - started)
    write_report(args.out, text, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
