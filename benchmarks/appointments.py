"""``make bench-appointments``: booking throughput and latency with 50 concurrent senders.

Each sender does what the assistant does for an applicant: asks for the free slots
(the list), picks one of the offered ones at random, books it, and on "taken" picks
again from the alternatives. All senders start together, so they fight for the same
first slots. Runs on SQLite (the embedded default) and on PostgreSQL (skipped with a
note where none listens), through the same BuiltinBackend the actions use, and writes
docs/benchmarks/appointments.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional, Sequence

import sqlalchemy as sa

from benchmarks.langid import cpu_model, percentile
from sportello import PROJECT_ROOT
from sportello.appointments.backend import BookingRequest
from sportello.appointments.config import load_settings
from sportello.appointments.service import Appointments, open_appointments

POSTGRES_URL = os.environ.get("SPORTELLO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
OUT = PROJECT_ROOT / "docs" / "benchmarks" / "appointments.md"
OFFERED = 9


@dataclass
class Run:
    """What one database's run measured."""

    database: str
    bookings: int = 0
    conflicts: int = 0
    failures: int = 0
    seconds: float = 0.0
    booking_ms: List[float] = field(default_factory=list)
    book_call_ms: List[float] = field(default_factory=list)
    note: str = ""


def sender_loop(
    app: Appointments, run: Run, lock: threading.Lock, barrier: threading.Barrier, rounds: int, seed: int
) -> None:
    """One sender: ``rounds`` bookings, each as a new applicant (new sender id)."""
    rng = random.Random(seed)
    barrier.wait()
    for _ in range(rounds):
        sender = f"bench-{uuid.uuid4().hex[:12]}"
        started = time.perf_counter()
        now = datetime.now(timezone.utc)
        offered = app.backend.free_slots(now, limit=OFFERED)
        conflicts, booked = 0, False
        while offered and not booked:
            slot = rng.choice(offered)
            request = BookingRequest(sender, slot.id, "Bench Mark", "studio", "rinnovo", None, "it")
            call = time.perf_counter()
            outcome = app.backend.book(request, now)
            call_ms = (time.perf_counter() - call) * 1000
            booked = outcome.status == "booked"
            conflicts += outcome.status == "slot_taken"
            offered = outcome.alternatives
            with lock:
                run.book_call_ms.append(call_ms)
        with lock:
            run.conflicts += conflicts
            if booked:
                run.bookings += 1
                run.booking_ms.append((time.perf_counter() - started) * 1000)
            else:
                run.failures += 1


def measure(database: str, url: str, senders: int, rounds: int) -> Run:
    """Runs ``senders`` threads of ``rounds`` bookings each against a fresh database."""
    run = Run(database)
    app = open_appointments(url, load_settings())
    lock = threading.Lock()
    barrier = threading.Barrier(senders + 1)
    threads = [
        threading.Thread(target=sender_loop, args=(app, run, lock, barrier, rounds, seed)) for seed in range(senders)
    ]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    run.seconds = time.perf_counter() - started
    app.store.close()
    return run


def postgres_schema() -> Optional[str]:
    """A throw-away schema on the PostgreSQL server, or None when none is reachable."""
    engine = sa.create_engine(POSTGRES_URL, future=True)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError:
        return None
    finally:
        engine.dispose()
    return schema


def drop_schema(schema: str) -> None:
    """Drops the benchmark's schema."""
    engine = sa.create_engine(POSTGRES_URL, future=True)
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def report(runs: Sequence[Run], senders: int, rounds: int) -> str:
    """The Markdown report."""
    lines = [
        "# Appointment booking under load",
        "",
        f"Measured {datetime.now():%Y-%m-%d %H:%M} with `make bench-appointments` "
        f"({senders} concurrent senders, {rounds} bookings each).",
        f"- Machine: {cpu_model()}, {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}",
        '- Each booking: the free-slot list (first 9), a random pick, the booking; on "taken" a new pick from the',
        "  alternatives. Senders start together, so they collide on the same first slots. The database and the",
        "  benchmark share the machine; PostgreSQL on 127.0.0.1.",
        "",
        "| database | bookings | bookings/s | booking p50 | booking p95 | book() p50 | book() p95 "
        "| taken (retried) | not booked |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        if run.note:
            lines.append(f"| {run.database} | {run.note} | | | | | | | |")
            continue
        booking = sorted(run.booking_ms)
        calls = sorted(run.book_call_ms)
        lines.append(
            f"| {run.database} | {run.bookings} | {run.bookings / run.seconds:.0f} "
            f"| {percentile(booking, 50):.0f} ms | {percentile(booking, 95):.0f} ms "
            f"| {percentile(calls, 50):.0f} ms | {percentile(calls, 95):.0f} ms | {run.conflicts} | {run.failures} |"
        )
    lines += [
        "",
        '"booking" is the applicant\'s whole step (list + pick + book, with retries); "book()" one booking',
        'transaction. "taken" counts attempts that lost a race and were offered alternatives; "not booked"',
        "counts senders who ran out of alternatives (none expected while the calendar has room). No double",
        "booking is possible: the database's unique indexes refuse it (tests/sportello/appointments/test_builtin.py).",
        "",
    ]
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the benchmark on both databases and writes the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    runs = []
    with tempfile.TemporaryDirectory() as workdir:
        runs.append(measure("SQLite", f"sqlite:///{Path(workdir) / 'bench.db'}", args.senders, args.rounds))
    schema = postgres_schema()
    if schema is None:
        runs.append(Run("PostgreSQL", note=f"not measured: no server at {POSTGRES_URL}"))
    else:
        try:
            url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
            runs.append(measure("PostgreSQL", url, args.senders, args.rounds))
        finally:
            drop_schema(schema)
    text = report(runs, args.senders, args.rounds)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
