"""WhatsApp benchmark: webhook acknowledgement and end-to-end latency, loss and duplicates, against REST.

Run from the project root (``make bench-whatsapp``); it writes docs/benchmarks/whatsapp.md::

    python -m benchmarks.whatsapp [--model models/x.tar.gz] [--seconds 15] [--rates 1 10 50]

Rasa runs with the model ``scripts/model.sh`` prints (unless ``--model``) and its WhatsApp
channel sends to a Graph API stand-in inside this process, which records when each
recipient's answer arrives. Every rate first drives the WhatsApp webhook (signed as Meta
signs it), then Rasa's REST channel. All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shlex
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Awaitable, Callable, Dict, List, Optional, Sequence, Set, Tuple

import aiohttp
from aiohttp import web

from benchmarks.langid import cpu_model, log, percentile, write_report
from sportello import PROJECT_ROOT
from sportello.devserver import Stack, free_port, running_stack
from sportello.whatsapp.signature import sign

DEFAULT_OUT = PROJECT_ROOT / "docs" / "benchmarks" / "whatsapp.md"
TOKEN = "bench-token"  # noqa: S105 - a throwaway token for a server on loopback
APP_SECRET = "simulator-app-secret"  # noqa: S105 - the value sportello.devserver gives Rasa
PHONE_NUMBER_ID = "393517749241"
QUESTION = "Qual è il numero di telefono dell'ufficio immigrazione?"
MARKER = "351 7749241"
"""Text the right answer to QUESTION contains."""
SENDS_PER_TURN = 1
"""Graph API send requests one answer to QUESTION makes (checked by the trial turns)."""
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=300)
POLL_SECONDS = 0.1
TARGETS = "ack p99 < 250 ms at 50 msg/s; e2e p95 < 1 s at 10 msg/s; no loss, no duplicate"

Fire = Callable[[int], Awaitable[None]]


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parses the command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--model", type=Path, help="a trained model (default: the one scripts/model.sh prints)")
    parser.add_argument("--rates", type=float, nargs="+", default=[1.0, 10.0, 50.0], help="messages per second")
    parser.add_argument("--seconds", type=float, default=15.0, help="how long each rate is offered")
    parser.add_argument("--senders", type=int, default=200, help="distinct senders per rate and channel")
    parser.add_argument("--concurrency", type=int, default=100, help="requests in flight at most")
    parser.add_argument("--drain", type=float, default=300.0, help="seconds to wait for the last answers")
    parser.add_argument("--grace", type=float, default=3.0, help="seconds to watch for duplicates afterwards")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, help="keep the servers' state and logs here (default: temporary)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    return parser.parse_args(argv)


def latest_model() -> Path:
    """The model ``scripts/model.sh`` prints (training it first if needed)."""
    output = subprocess.run(  # noqa: S603 - fixed command
        [str(PROJECT_ROOT / "scripts" / "model.sh")], cwd=PROJECT_ROOT, check=True, capture_output=True, text=True
    ).stdout
    return PROJECT_ROOT / output.strip().splitlines()[-1]


class GraphStandIn:
    """A Graph API stand-in on loopback: records when each send request arrives, and its body, per recipient."""

    def __init__(self) -> None:
        self.sends: Dict[str, List[float]] = defaultdict(list)
        self.bodies: Dict[str, List[str]] = defaultdict(list)
        self.off_topic = 0
        self.reads = 0
        self._runner: Optional[web.AppRunner] = None

    async def start(self, port: int) -> None:
        """Serves ``POST /v21.0/<phone number id>/messages`` on 127.0.0.1:``port``."""
        app = web.Application()
        app.router.add_post("/v21.0/{phone}/messages", self._messages)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()

    async def stop(self) -> None:
        """Stops serving."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _messages(self, request: web.Request) -> web.Response:
        arrived = time.perf_counter()
        body = await request.json()
        if body.get("status") == "read":
            self.reads += 1
            return web.json_response({"success": True})
        text = json.dumps(body, ensure_ascii=False)
        self.sends[str(body.get("to"))].append(arrived)
        self.bodies[str(body.get("to"))].append(text)
        self.off_topic += MARKER not in text
        return web.json_response({"messages": [{"id": f"wamid.B{uuid.uuid4().hex}"}]})

    def answered(self, expected: Dict[str, int]) -> int:
        """How many of the expected sends (per recipient) have arrived."""
        return sum(min(len(self.sends.get(user, [])), count) for user, count in expected.items())


def text_webhook(user: str, text: str, message_id: str) -> bytes:
    """A Meta-shaped webhook body with one text message."""
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": PHONE_NUMBER_ID, "phone_number_id": PHONE_NUMBER_ID},
             "contacts": [{"profile": {"name": "Bench"}, "wa_id": user}],
             "messages": [{"from": user, "id": message_id, "timestamp": str(int(time.time())), "type": "text",
                           "text": {"body": text}}]}
    payload = {"object": "whatsapp_business_account",
               "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]}
    return json.dumps(payload).encode()


def new_senders(count: int, rng: random.Random) -> List[str]:
    """``count`` distinct phone-number-like sender ids."""
    senders: Set[str] = set()
    while len(senders) < count:
        senders.add("39" + "".join(rng.choice("0123456789") for _ in range(10)))
    return sorted(senders)


async def paced(rate: float, seconds: float, concurrency: int, fire: Fire) -> float:
    """Calls ``fire(i)`` ``rate`` times a second for ``seconds``, ``concurrency`` at most at once.

    Returns the achieved rate (calls started per second).
    """
    count = max(1, round(rate * seconds))
    gate = asyncio.Semaphore(concurrency)
    starts: List[float] = []

    async def one(index: int) -> None:
        async with gate:
            starts.append(time.perf_counter())
            await fire(index)

    began = time.perf_counter()
    tasks = []
    for index in range(count):
        await asyncio.sleep(max(0.0, began + index / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one(index)))
    await asyncio.gather(*tasks)
    span = max(starts) - min(starts)
    return (count - 1) / span if span > 0 else float(count)


@dataclass
class WhatsAppRun:
    """What one rate of webhook traffic gave."""

    sent: int = 0
    achieved_rate: float = 0.0
    ack_ms: List[float] = field(default_factory=list)
    ack_failures: int = 0
    e2e_ms: List[float] = field(default_factory=list)
    duplicates: int = 0
    off_topic: int = 0
    drain_seconds: float = 0.0
    throughput: float = 0.0

    @property
    def answered(self) -> int:
        """Messages whose answer arrived."""
        return len(self.e2e_ms)


@dataclass
class RestRun:
    """What one rate of REST traffic gave."""

    sent: int = 0
    achieved_rate: float = 0.0
    latency_ms: List[float] = field(default_factory=list)
    failures: int = 0
    off_topic: int = 0
    throughput: float = 0.0

    @property
    def answered(self) -> int:
        """Requests answered with the bot's messages."""
        return len(self.latency_ms)


async def post_webhook(session: aiohttp.ClientSession, url: str, user: str, text: str = QUESTION) -> int:
    """Posts one signed text message from ``user``; returns the HTTP status."""
    body = text_webhook(user, text, f"wamid.bench-{uuid.uuid4().hex}")
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(APP_SECRET, body)}
    async with session.post(url, data=body, headers=headers) as response:
        await response.read()
        return response.status


async def wait_for_sends(standin: GraphStandIn, expected: Dict[str, int], drain: float, grace: float) -> float:
    """Waits until every expected send arrived (at most ``drain`` s), then ``grace`` s more; returns the wait."""
    began = time.perf_counter()
    total = sum(expected.values())
    while standin.answered(expected) < total and time.perf_counter() - began < drain:
        await asyncio.sleep(POLL_SECONDS)
    waited = time.perf_counter() - began
    await asyncio.sleep(grace)
    return waited


def turn_ends(turns: int, sends_per_turn: Sequence[int] = (SENDS_PER_TURN,)) -> List[int]:
    """How many sends a user has had once each of their first ``turns`` messages is answered.

    The user's k-th message makes ``sends_per_turn[k]`` sends (the sequence repeats).
    """
    ends, total = [], 0
    for k in range(turns):
        total += sends_per_turn[k % len(sends_per_turn)]
        ends.append(total)
    return ends


def settle(run: WhatsAppRun, standin: GraphStandIn, posted: Dict[str, List[float]],
           sends_per_turn: Sequence[int] = (SENDS_PER_TURN,)) -> None:
    """Pairs each user's k-th message with the last send of its answer (both in order); counts extra sends."""
    first, last_arrival = min(t for times in posted.values() for t in times), 0.0
    for user, times in posted.items():
        arrivals = standin.sends.get(user, [])
        ends = turn_ends(len(times), sends_per_turn)
        for started, end in zip(times, ends, strict=True):
            if end <= len(arrivals):
                run.e2e_ms.append((arrivals[end - 1] - started) * 1000)
                last_arrival = max(last_arrival, arrivals[end - 1])
        run.duplicates += max(0, len(arrivals) - ends[-1])
    run.throughput = run.answered / (last_arrival - first) if last_arrival > first else 0.0


async def whatsapp_run(stack: Stack, standin: GraphStandIn, rate: float, args: argparse.Namespace,
                       rng: random.Random) -> WhatsAppRun:
    """Offers ``rate`` webhooks a second from random senders and waits for their answers."""
    url = f"{stack.base_url}/webhooks/whatsapp/webhook"
    senders = new_senders(args.senders, rng)
    users = [rng.choice(senders) for _ in range(max(1, round(rate * args.seconds)))]
    posted: Dict[str, List[float]] = defaultdict(list)
    run, off_topic_before = WhatsAppRun(sent=len(users)), standin.off_topic
    async with aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as session:

        async def fire(index: int) -> None:
            user, started = users[index], time.perf_counter()
            posted[user].append(started)
            try:
                status = await post_webhook(session, url, user)
            except (aiohttp.ClientError, asyncio.TimeoutError):
                status = 0
            if status == 200:
                run.ack_ms.append((time.perf_counter() - started) * 1000)
            else:
                run.ack_failures += 1

        run.achieved_rate = await paced(rate, args.seconds, args.concurrency, fire)
    expected = {user: len(times) * SENDS_PER_TURN for user, times in posted.items()}
    run.drain_seconds = await wait_for_sends(standin, expected, args.drain, args.grace)
    settle(run, standin, posted)
    run.off_topic = standin.off_topic - off_topic_before
    return run


async def rest_run(stack: Stack, rate: float, args: argparse.Namespace, rng: random.Random) -> RestRun:
    """Offers ``rate`` REST requests a second from random senders; each answer is its latency."""
    url = f"{stack.base_url}/webhooks/rest/webhook"
    senders = new_senders(args.senders, rng)
    users = [rng.choice(senders) for _ in range(max(1, round(rate * args.seconds)))]
    run = RestRun(sent=len(users))
    async with aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as session:

        async def fire(index: int) -> None:
            started = time.perf_counter()
            try:
                async with session.post(url, json={"sender": users[index], "message": QUESTION}) as response:
                    answer = await response.json() if response.status == 200 else None
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                answer = None
            if not answer:
                run.failures += 1
                return
            run.latency_ms.append((time.perf_counter() - started) * 1000)
            run.off_topic += MARKER not in json.dumps(answer, ensure_ascii=False)

        began = time.perf_counter()
        run.achieved_rate = await paced(rate, args.seconds, args.concurrency, fire)
        run.throughput = run.answered / (time.perf_counter() - began)
    return run


async def trial(stack: Stack, standin: GraphStandIn, args: argparse.Namespace) -> None:
    """Two turns of one user, one at a time (also the warm-up): each must make SENDS_PER_TURN right sends."""
    url = f"{stack.base_url}/webhooks/whatsapp/webhook"
    user = new_senders(1, random.Random(f"trial-{args.seed}"))[0]
    async with aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as session:
        for turn in (1, 2):
            if await post_webhook(session, url, user) != 200:
                raise RuntimeError("the trial webhook was not acknowledged")
            await wait_for_sends(standin, {user: turn * SENDS_PER_TURN}, args.drain, args.grace)
            sends = len(standin.sends.get(user, []))
            if sends != turn * SENDS_PER_TURN or standin.off_topic:
                raise RuntimeError(f"trial turn {turn}: {sends} sends ({standin.off_topic} without {MARKER!r}), "
                                   f"expected {turn * SENDS_PER_TURN}; check QUESTION and SENDS_PER_TURN")
        async with session.post(f"{stack.base_url}/webhooks/rest/webhook",
                                json={"sender": f"trial-{user}", "message": QUESTION}) as response:
            if MARKER not in json.dumps(await response.json(), ensure_ascii=False):
                raise RuntimeError("the REST trial answer is not the expected one")


async def measure(stack: Stack, port: int, args: argparse.Namespace, started: float
                  ) -> Dict[float, Tuple[WhatsAppRun, RestRun]]:
    """Runs the trial, then every rate through WhatsApp and then REST."""
    standin = GraphStandIn()
    await standin.start(port)
    rng = random.Random(args.seed)
    results = {}
    try:
        log("trial turns (warm-up)", started)
        await trial(stack, standin, args)
        for rate in args.rates:
            log(f"{rate:g} msg/s through the WhatsApp webhook", started)
            whatsapp = await whatsapp_run(stack, standin, rate, args, rng)
            log(f"{rate:g} msg/s through REST", started)
            results[rate] = (whatsapp, await rest_run(stack, rate, args, rng))
    finally:
        await standin.stop()
    return results


def ms(values: List[float], percent: int) -> str:
    """A percentile in milliseconds, or a dash without values."""
    return f"{percentile(values, percent):.0f}" if values else "–"


def ratio(whatsapp: WhatsAppRun, rest: RestRun) -> str:
    """WhatsApp e2e p50 / REST p50."""
    if not whatsapp.e2e_ms or not rest.latency_ms:
        return "–"
    return f"{percentile(whatsapp.e2e_ms, 50) / percentile(rest.latency_ms, 50):.2f}"


def result_rows(results: Dict[float, Tuple[WhatsAppRun, RestRun]]) -> List[str]:
    """The main table: one row per rate."""
    lines = [
        "| msg/s | messages | ack p50 | ack p99 | e2e p50 | e2e p95 | answered | duplicates "
        "| REST p50 | REST p95 | REST answered | e2e p50 / REST p50 |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for rate, (wa, rest) in results.items():
        lines.append(
            f"| {rate:g} | {wa.sent} | {ms(wa.ack_ms, 50)} | {ms(wa.ack_ms, 99)} | {ms(wa.e2e_ms, 50)} "
            f"| {ms(wa.e2e_ms, 95)} | {wa.answered}/{wa.sent} | {wa.duplicates} | {ms(rest.latency_ms, 50)} "
            f"| {ms(rest.latency_ms, 95)} | {rest.answered}/{rest.sent} | {ratio(wa, rest)} |"
        )
    return [*lines, ""]


def detail_rows(results: Dict[float, Tuple[WhatsAppRun, RestRun]]) -> List[str]:
    """Achieved rates, failures, drain time, answers without the expected text."""
    lines = [
        "| msg/s | WhatsApp achieved msg/s | ack failures | e2e max | wait for last answer | answers/s "
        "| off-topic answers | REST achieved msg/s | REST failures | REST max | REST answers/s | REST off-topic |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for rate, (wa, rest) in results.items():
        lines.append(
            f"| {rate:g} | {wa.achieved_rate:.1f} | {wa.ack_failures} | {ms(wa.e2e_ms, 100)} "
            f"| {wa.drain_seconds:.1f} s | {wa.throughput:.1f} | {wa.off_topic} | {rest.achieved_rate:.1f} "
            f"| {rest.failures} | {ms(rest.latency_ms, 100)} | {rest.throughput:.1f} | {rest.off_topic} |"
        )
    return [*lines, *throttled(results), ""]


def throttled(results: Dict[float, Tuple[WhatsAppRun, RestRun]]) -> List[str]:
    """A note for each rate at which the in-flight bound held requests back in the client."""
    notes = []
    for rate, runs in results.items():
        for name, achieved in (("WhatsApp", runs[0].achieved_rate), ("REST", runs[1].achieved_rate)):
            if achieved < 0.95 * rate:
                notes.append(f"At {rate:g} msg/s, {name} requests started at only {achieved:.1f}/s: the others "
                             "waited in the client for a free slot, and that wait is not in its latency figures.")
    return ["", *notes] if notes else []


def verdicts(results: Dict[float, Tuple[WhatsAppRun, RestRun]]) -> List[str]:
    """Each target of the issue, met or not."""
    rows = []
    if 50.0 in results:
        p99 = percentile(results[50.0][0].ack_ms, 99) if results[50.0][0].ack_ms else float("inf")
        rows.append(("ack p99 < 250 ms at 50 msg/s", f"{p99:.0f} ms", p99 < 250))
    if 10.0 in results:
        p95 = percentile(results[10.0][0].e2e_ms, 95) if results[10.0][0].e2e_ms else float("inf")
        rows.append(("e2e p95 < 1 s at 10 msg/s", f"{p95:.0f} ms", p95 < 1000))
    lost = sum(wa.sent - wa.answered for wa, _ in results.values())
    duplicated = sum(wa.duplicates for wa, _ in results.values())
    rows.append(("no loss", f"{lost} unanswered", lost == 0))
    rows.append(("no duplicate", f"{duplicated} extra sends", duplicated == 0))
    lines = ["| target | measured | met |", "|---|---|---|"]
    lines += [f"| {target} | {value} | {'yes' if met else '**no**'} |" for target, value, met in rows]
    return [*lines, ""]


def report(results: Dict[float, Tuple[WhatsAppRun, RestRun]], args: argparse.Namespace, argv: Sequence[str],
           model: Path, seconds: float) -> str:
    """The Markdown report."""
    command = shlex.join(["python", "-m", "benchmarks.whatsapp", *argv])
    return "\n".join([
        "# WhatsApp connector benchmark", "",
        f"- Date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"- Machine: {cpu_model()}, {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}",
        f"- Command (from the project root): `make bench-whatsapp` (`{command}`); run time {seconds / 60:.1f} min",
        f"- Model: `{os.path.relpath(model, PROJECT_ROOT)}`",
        f"- Load: each rate offered for {args.seconds:g} s, each message from a random one of {args.senders} new "
        f"senders (unique message ids), at most {args.concurrency} requests in flight; the question "
        f"\"{QUESTION}\", whose answer is {SENDS_PER_TURN} WhatsApp message (checked by two trial turns first).",
        "- One Rasa process, one action server, SQLite tracker and WhatsApp stores; the load generator and the "
        "Graph API stand-in share the machine with them. Everything on 127.0.0.1.", "",
        f"Targets (issue 3): {TARGETS}.", "",
        "## Results (milliseconds)", "",
        "- **ack**: POST /webhooks/whatsapp/webhook with a correctly signed Meta-shaped text message → its 200.",
        "- **e2e**: that POST started → the Graph API send request for that user arrives at the stand-in "
        "(a user's k-th message is paired with the user's k-th answer).",
        "- **REST**: POST /webhooks/rest/webhook (synchronous: the answer comes in the response).",
        "- **duplicates**: send requests beyond one answer per message, per recipient.", "",
        *result_rows(results),
        "## Details", "",
        "Achieved rate: requests started per second (below the offered rate when the in-flight bound was hit). "
        "Answers/s: answers received over the time from the first request to the last answer. "
        f"Wait for last answer: from the last webhook acknowledged to the last expected send (at most "
        f"{args.drain:g} s), after which sends were watched {args.grace:g} s more for duplicates. "
        f"Off-topic: answers without \"{MARKER}\".", "",
        *detail_rows(results),
        "## Against the targets", "",
        *verdicts(results),
    ])


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the benchmark and writes the report."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    started = time.perf_counter()
    model = (args.model or latest_model()).resolve()
    port = free_port()
    log(f"starting the stack with {model.name}", started)
    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.workdir or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        with running_stack(model, workdir, TOKEN, api_url=f"http://127.0.0.1:{port}/v21.0") as stack:
            results = asyncio.run(measure(stack, port, args, started))
    text = report(results, args, argv, model, time.perf_counter() - started)
    write_report(args.out, text, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
