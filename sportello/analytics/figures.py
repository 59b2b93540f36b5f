"""The dashboard's figures for a range of days, as plain data, from the stored records.

Conversations come from Rasa's tracker store (every event, classified by
``events.py``); handoffs, their reasons and the first staff reply from the inbox
database (the handoffs and the append-only audit log); bookings from the appointment
store. Nothing is read from a counter kept on the side, so the figures of a past
period do not drift, except that erasure and retention delete what they must.
A conversation belongs to the day (office time zone) of the applicant's first message.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Dict, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from sportello.analytics.events import Conversation, conversations
from sportello.analytics.settings import DashboardSettings
from sportello.appointments.store import BookingStore
from sportello.inbox.schema import OPEN_STATUSES
from sportello.inbox.store import Handoff, InboxStore
from sportello.tracker_data import TrackerData

UNKNOWN_LANGUAGE = "?"
TOP_INTENTS = 10
DAYS_PER_YEAR = 365
DEFAULT_DAYS = 30
MAX_DAYS = 366
# Dates far from now are mistakes, and near year 1 or 9999 the time-zone arithmetic overflows.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


@dataclass(frozen=True)
class Period:
    """Whole days from ``first`` to ``last`` (inclusive) in the office's time zone."""

    first: date
    last: date
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        """The first day's midnight, in UTC."""
        return datetime.combine(self.first, time(0), self.zone).astimezone(timezone.utc)

    @property
    def end(self) -> datetime:
        """The midnight after the last day, in UTC."""
        return datetime.combine(self.last + timedelta(days=1), time(0), self.zone).astimezone(timezone.utc)

    def days(self) -> List[date]:
        """Every day of the period."""
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def day_of(self, moment: datetime) -> date:
        """The office's day of a moment."""
        return moment.astimezone(self.zone).date()


@dataclass(frozen=True)
class AnswerTimes:
    """How long handed-over conversations waited for a person's first reply."""

    minutes: Tuple[float, ...]  # of the answered handoffs, shortest first
    waiting: int  # still open, no reply yet
    closed_without_reply: int  # handed back or resolved without a written reply

    @property
    def median(self) -> Optional[float]:
        """The median wait in minutes."""
        return statistics.median(self.minutes) if self.minutes else None

    @property
    def p90(self) -> Optional[float]:
        """The 90th percentile (nearest rank: 9 in 10 answers came at least this fast)."""
        if not self.minutes:
            return None
        return self.minutes[math.ceil(0.9 * len(self.minutes)) - 1]


@dataclass(frozen=True)
class BookingFigures:
    """Bookings made and cancelled in the period, from the appointment store."""

    booked: int
    cancelled_by: Dict[str, int]  # applicant or staff

    @property
    def cancelled(self) -> int:
        """All cancellations."""
        return sum(self.cancelled_by.values())


@dataclass(frozen=True)
class Figures:
    """Everything the dashboard shows for one period."""

    period: Period
    per_day: Dict[date, Dict[str, int]]  # day -> language -> conversations
    contained_per_day: Dict[date, int]
    contained: int
    handed_off: Dict[str, int]  # reason -> conversations a person had
    answers: AnswerTimes
    intents: List[Tuple[str, int]]  # the most asked first
    permit_types: List[Tuple[str, int]]
    typed: int
    not_understood: int
    bookings: Optional[BookingFigures]  # None without an appointment store
    settings: DashboardSettings

    @property
    def conversations(self) -> int:
        """Conversations that started in the period."""
        return sum(sum(languages.values()) for languages in self.per_day.values())

    @property
    def languages(self) -> List[Tuple[str, int]]:
        """Conversations per language, the most frequent first."""
        totals: Counter[str] = Counter()
        for languages in self.per_day.values():
            totals.update(languages)
        return _ranked(totals)

    @property
    def containment(self) -> Optional[float]:
        """The share of conversations resolved without a person."""
        return self.contained / self.conversations if self.conversations else None

    @property
    def fallback_rate(self) -> Optional[float]:
        """The share of typed messages the assistant did not understand."""
        return self.not_understood / self.typed if self.typed else None

    @property
    def avoided_visits(self) -> float:
        """Estimated counter visits spared (an assumption of dashboard.yml)."""
        return self.contained * self.settings.visits_per_conversation

    @property
    def avoided_calls(self) -> float:
        """Estimated phone calls spared (an assumption of dashboard.yml)."""
        return self.contained * self.settings.calls_per_conversation

    @property
    def avoided_visits_per_year(self) -> float:
        """The estimate's pace over a year, to set beside the office's expectation."""
        return self.avoided_visits / len(self.period.days()) * DAYS_PER_YEAR


@dataclass(frozen=True)
class Sources:
    """Where the dashboard reads: the tracker store, the inbox database, the appointment store if any."""

    tracker: TrackerData
    inbox: InboxStore
    bookings: Optional[BookingStore]
    settings: DashboardSettings
    zone: ZoneInfo


def parse_range(first: Optional[str], last: Optional[str], today: date) -> Tuple[date, date]:
    """The days asked for (``YYYY-MM-DD``, both optional: the last 30 days to ``today``).

    Raises:
        ValueError: naming the parameter at fault.

    """
    given = _day(first, "from") if first else None
    end = _day(last, "to") if last else today
    start = given or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ValueError("from: after to")
    if (end - start).days >= MAX_DAYS:
        raise ValueError(f"from, to: at most {MAX_DAYS} days")
    return start, end


def dashboard_figures(sources: Sources, first: date, last: date) -> Figures:
    """The figures of the conversations that started from ``first`` to ``last``, read from the stores."""
    period = Period(first, last, sources.zone)
    found = [
        conversation
        for sender, events in sources.tracker.conversations(period.start, period.end)
        for conversation in conversations(sender, events)
        if period.start <= conversation.started_at < period.end
    ]
    handoffs: Dict[str, List[Tuple[Handoff, Optional[datetime]]]] = defaultdict(list)
    if found:
        for handoff, first_reply in sources.inbox.handoffs_with_first_reply(min(c.begins_at for c in found)):
            handoffs[handoff.sender].append((handoff, first_reply))
    per_day: Dict[date, Counter[str]] = {day: Counter() for day in period.days()}
    contained_per_day: Counter[date] = Counter()
    handed_off: Counter[str] = Counter()
    answered: Dict[int, Tuple[Handoff, Optional[datetime]]] = {}
    intents: Counter[str] = Counter()
    permit_types: Counter[str] = Counter()
    for conversation in found:
        day = period.day_of(conversation.started_at)
        per_day[day][conversation.language or UNKNOWN_LANGUAGE] += 1
        match = _handoff_during(conversation, handoffs[conversation.sender])
        if match is None:
            contained_per_day[day] += 1
        else:
            handed_off[match[0].reason] += 1
            answered[match[0].id] = match
        intents.update(conversation.intents)
        permit_types.update(conversation.permit_types)
    return Figures(
        period=period,
        per_day={day: dict(languages) for day, languages in per_day.items()},
        contained_per_day={day: contained_per_day[day] for day in period.days()},
        contained=sum(contained_per_day.values()),
        handed_off=dict(_ranked(handed_off)),
        answers=_answer_times(answered.values()),
        intents=_ranked(intents)[:TOP_INTENTS],
        permit_types=_ranked(permit_types),
        typed=sum(c.typed for c in found),
        not_understood=sum(c.not_understood for c in found),
        bookings=_booking_figures(sources.bookings, period) if sources.bookings is not None else None,
        settings=sources.settings,
    )


def _handoff_during(
    conversation: Conversation, handoffs: Sequence[Tuple[Handoff, Optional[datetime]]]
) -> Optional[Tuple[Handoff, Optional[datetime]]]:
    # A person had the conversation if a handoff was open at some time during it:
    # opened in it, or opened earlier and not yet closed when it began.
    for handoff, first_reply in handoffs:
        opened_before_end = conversation.ends_before is None or handoff.created_at < conversation.ends_before
        if opened_before_end and (handoff.closed_at is None or handoff.closed_at > conversation.begins_at):
            return handoff, first_reply
    return None


def _answer_times(handoffs: Sequence[Tuple[Handoff, Optional[datetime]]]) -> AnswerTimes:
    minutes, waiting, unanswered = [], 0, 0
    for handoff, first_reply in handoffs:
        if first_reply is not None:
            minutes.append((first_reply - handoff.created_at).total_seconds() / 60)
        elif handoff.status in OPEN_STATUSES:
            waiting += 1
        else:
            unanswered += 1
    return AnswerTimes(tuple(sorted(minutes)), waiting, unanswered)


def _booking_figures(store: BookingStore, period: Period) -> BookingFigures:
    booked, cancelled_by = 0, Counter()
    for booking in store.made_or_cancelled_between(period.start, period.end):
        if period.start <= booking.created_at < period.end:
            booked += 1
        if booking.cancelled_at is not None and period.start <= booking.cancelled_at < period.end:
            cancelled_by[booking.cancelled_by or "?"] += 1
    return BookingFigures(booked, dict(cancelled_by))


def _day(value: str, name: str) -> date:
    try:
        day = date.fromisoformat(value) if len(value) == len("YYYY-MM-DD") else None
    except ValueError:
        day = None
    if day is None:
        raise ValueError(f"{name}: not a date YYYY-MM-DD")
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"{name}: not between {EARLIEST} and {LATEST}")
    return day


def _ranked(counts: Counter[str]) -> List[Tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
