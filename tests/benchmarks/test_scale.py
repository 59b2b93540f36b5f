"""The arithmetic of the scale benchmark (benchmarks/scale.py) and the answer pairing it shares."""

from __future__ import annotations

import math

import pytest

from benchmarks.scale import (
    Assumptions,
    cores_for,
    highest_rate_under,
    inbound_ceiling,
    peak_rate,
    processes_for,
    schedule,
    should_stop,
)
from benchmarks.whatsapp import turn_ends


def test_raising_stops_after_two_rates_over_the_limit_in_a_row_or_any_unanswered_message():
    assert not should_stop([200, 1500], unanswered=0)
    assert not should_stop([1500, 900], unanswered=0)
    assert should_stop([200, 1500, 1200], unanswered=0)
    assert should_stop([200], unanswered=1)


def test_the_highest_rate_under_the_limit_needs_every_message_answered():
    points = [(2, 120.0, 0), (4, 300.0, 0), (6, 990.0, 0), (8, 1500.0, 0), (10, 400.0, 3)]
    assert highest_rate_under(points) == 6
    assert highest_rate_under([(2, 1000.0, 0)]) is None


def test_national_peak_rate():
    assumptions = Assumptions(offices=100, visits_per_office_year=9000, messages_per_conversation=5,
                              working_days=250, peak_hour_share=0.2)
    # 100 × 9000 × 5 / 250 = 18,000 messages a day; 20% in one hour = 3,600 → 1 msg/s.
    assert peak_rate(assumptions) == pytest.approx(1.0)


def test_processes_and_cores_at_a_headroom():
    assert processes_for(80, capacity=10, headroom=0.8) == 10
    assert processes_for(81, capacity=10, headroom=0.8) == 11
    assert processes_for(0.5, capacity=10) == 1
    assert cores_for(80, cpu_ms_per_message=35, headroom=0.7) == pytest.approx(4.0)


def test_answers_count_against_the_platform_ceiling():
    assert inbound_ceiling(1.0) == 40
    assert math.isclose(inbound_ceiling(3.0, ceiling=100), 25)


def test_each_sender_spreads_its_turns_over_the_window():
    assert schedule(5, ["a", "b"]) == [("a", 0), ("b", 0), ("a", 1), ("b", 1), ("a", 2)]


def test_turn_ends_follow_the_sends_of_each_turn():
    assert turn_ends(3) == [1, 2, 3]
    assert turn_ends(4, [1, 3, 2]) == [1, 4, 6, 7]
