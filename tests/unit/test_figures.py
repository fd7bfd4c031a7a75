"""The statistics page's arithmetic: percentiles, days grouped for a chart,
the chart's geometry and a wait in words."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core.figures import (
    bar_chart,
    duration_words,
    group_days,
    nice_top,
    percentile,
    share,
    unit_for,
)
from kiosk.core.i18n import language


def days(first: dt.date, number: int, count=lambda i: 1) -> list[tuple[dt.date, int]]:
    return [(first + dt.timedelta(days=i), count(i)) for i in range(number)]


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([], 0.5, None),
        ([7], 0.5, 7),
        ([7], 0.9, 7),
        ([1, 2, 3, 4], 0.5, 2.5),
        ([10, 20, 30, 40, 100], 0.5, 30),
        # 90th of five: position 3.6, between 40 and 100.
        ([100, 10, 40, 30, 20], 0.9, 76),
        ([3, 1, 2], 0, 1),
        ([3, 1, 2], 1, 3),
    ],
)
def test_percentiles_interpolate_between_the_nearest_values(values, fraction, expected):
    result = percentile(values, fraction)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


def test_a_percentile_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="from 0 to 1"):
        percentile([1, 2], 90)


def test_a_month_is_charted_day_by_day():
    buckets = group_days(days(dt.date(2026, 11, 1), 30, lambda i: i))
    assert unit_for(30) == "day"
    assert len(buckets) == 30
    assert [b.count for b in buckets[:3]] == [0, 1, 2]
    assert buckets[0].first == buckets[0].last == dt.date(2026, 11, 1)


def test_a_quarter_is_charted_by_weeks_from_monday_cut_at_the_periods_ends():
    # Wednesday 1 July 2026 to Tuesday 29 September: 91 days.
    buckets = group_days(days(dt.date(2026, 7, 1), 91))
    assert {b.unit for b in buckets} == {"week"}
    assert (buckets[0].first, buckets[0].last, buckets[0].count) == (
        dt.date(2026, 7, 1),
        dt.date(2026, 7, 5),
        5,
    )
    assert (buckets[1].first, buckets[1].last, buckets[1].count) == (
        dt.date(2026, 7, 6),
        dt.date(2026, 7, 12),
        7,
    )
    assert (buckets[-1].first, buckets[-1].last) == (dt.date(2026, 9, 28), dt.date(2026, 9, 29))
    assert sum(b.count for b in buckets) == 91


def test_a_year_is_charted_by_months():
    buckets = group_days(days(dt.date(2025, 12, 8), 365))
    assert {b.unit for b in buckets} == {"month"}
    assert len(buckets) == 13  # 8 December 2025 to 7 December 2026
    assert (buckets[0].count, buckets[1].count, buckets[-1].count) == (24, 31, 7)
    with language("en"):
        assert buckets[1].label == "Jan 2026"
        assert buckets[0].span == "8 Dec 2025 – 31 Dec 2025"


def test_no_days_no_bars():
    assert group_days([]) == []
    chart = bar_chart([])
    assert chart.bars == ()
    assert [tick.value for tick in chart.ticks] == [0, 1]


def test_a_bar_charts_bars_stand_on_the_axis_and_the_tallest_reaches_the_top():
    buckets = group_days(days(dt.date(2026, 11, 1), 10, lambda i: [0, 3, 7][i % 3]))
    chart = bar_chart(buckets, width=720, height=260)
    assert [tick.value for tick in chart.ticks] == [0, 5, 10]
    for bar in chart.bars:
        assert bar.y + bar.height == pytest.approx(chart.bottom, abs=0.02)
        assert chart.left <= bar.x < bar.x + bar.width <= chart.right
    tallest = max(chart.bars, key=lambda bar: bar.height)
    assert tallest.bucket.count == 7
    assert tallest.height == pytest.approx((chart.bottom - chart.top) * 0.7, abs=0.02)
    assert chart.bars[0].height == 0


def test_a_long_chart_labels_every_few_bars():
    chart = bar_chart(group_days(days(dt.date(2026, 1, 1), 60)), labels=12)
    assert sum(bar.label_shown for bar in chart.bars) == 12
    assert chart.bars[0].label_shown


@pytest.mark.parametrize(
    ("largest", "top"), [(0, 1), (1, 1), (2, 2), (3, 5), (7, 10), (10, 10), (11, 20), (480, 500)]
)
def test_the_axis_ends_at_a_round_number(largest, top):
    assert nice_top(largest) == top


@pytest.mark.parametrize(
    ("seconds", "en", "es"),
    [
        (29, "0 min", "0 min"),
        (45 * 60, "45 min", "45 min"),
        (76 * 60, "1 h 16 min", "1 h 16 min"),
        (47 * 3600 + 59 * 60, "47 h 59 min", "47 h 59 min"),
        (2 * 86400 + 4 * 3600, "2 days 4 h", "2 días 4 h"),
    ],
)
def test_a_wait_in_words(seconds, en, es):
    with language("en"):
        assert duration_words(seconds) == en
    with language("es"):
        assert duration_words(seconds) == es


def test_a_share_of_nothing_is_nothing():
    assert share(0, 0) == 0
    assert share(1, 4) == 25
