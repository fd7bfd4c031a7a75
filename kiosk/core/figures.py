"""The statistics page's arithmetic, apart from the database: percentiles,
days grouped into weeks or months so that a long period's chart stays
readable, a bar chart's geometry for the SVG, and a duration in words.

Plain Python: the records layer counts, this works the counts out.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.core.i18n import gettext as _
from kiosk.core.i18n import ngettext, short_date, short_month_year

# A period of up to this many days is charted day by day; up to WEEKS_UP_TO,
# week by week (Monday to Sunday); longer, month by month. About 60 bars at
# most: each bar stays a few pixels wide on a tablet.
DAYS_UP_TO = 62
WEEKS_UP_TO = 366 // 2 + 1


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The ``fraction`` (0 to 1) percentile of ``values``, interpolated between
    the two nearest when it falls between them (as PostgreSQL's
    ``percentile_cont`` and a spreadsheet's PERCENTILE do); None for no values."""
    if not 0 <= fraction <= 1:
        raise ValueError("a percentile's fraction is from 0 to 1")
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


# Days grouped ------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    """A bar of the chart: the days ``first`` to ``last`` (both included)."""

    first: dt.date
    last: dt.date
    count: int
    unit: str  # "day", "week" or "month"

    @property
    def label(self) -> str:
        """Short, under its bar: "21 Nov"; a week by its first day; "Nov 2026"."""
        if self.unit == "month":
            return short_month_year(self.first)
        return short_date(self.first, year=False)

    @property
    def span(self) -> str:
        """Its days in full words, for the table: "16 Nov 2026 – 22 Nov 2026"."""
        if self.first == self.last:
            return short_date(self.first)
        return f"{short_date(self.first)} – {short_date(self.last)}"


def unit_for(days: int) -> str:
    """How a period of ``days`` days is charted: by "day", "week" or "month"."""
    if days <= DAYS_UP_TO:
        return "day"
    return "week" if days <= WEEKS_UP_TO else "month"


def group_days(counts: Sequence[tuple[dt.date, int]]) -> list[Bucket]:
    """Each day's count (every day of a period, in order) grouped by the unit
    :func:`unit_for` chooses. A week or a month cut by the period's ends keeps
    only the period's days."""
    if not counts:
        return []
    unit = unit_for(len(counts))
    buckets: list[Bucket] = []
    for day, count in counts:
        if unit == "day":
            key = day
        elif unit == "week":
            key = day - dt.timedelta(days=day.weekday())
        else:
            key = day.replace(day=1)
        last = buckets[-1] if buckets else None
        if last is not None and _key(last, unit) == key:
            buckets[-1] = Bucket(last.first, day, last.count + count, unit)
        else:
            buckets.append(Bucket(day, day, count, unit))
    return buckets


def _key(bucket: Bucket, unit: str) -> dt.date:
    if unit == "day":
        return bucket.first
    if unit == "week":
        return bucket.first - dt.timedelta(days=bucket.first.weekday())
    return bucket.first.replace(day=1)


# A bar chart's geometry ---------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    bucket: Bucket
    label_shown: bool  # its label under the axis (every few bars when there are many)


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class BarChart:
    """Where everything goes in an SVG ``viewBox="0 0 width height"``."""

    width: int
    height: int
    left: int  # the plot's edges
    right: int
    top: int
    bottom: int
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]


def nice_top(largest: int) -> int:
    """The y axis's top: 1, 2 or 5 times a power of ten, at or above ``largest``
    (at least 1, so that an empty chart still has an axis)."""
    if largest <= 1:
        return 1
    power = 10 ** math.floor(math.log10(largest))
    for step in (1, 2, 5, 10):
        if step * power >= largest:
            return step * power
    return 10 * power  # pragma: no cover  (the loop always returns)


def bar_chart(
    buckets: Sequence[Bucket], *, width: int = 720, height: int = 260, labels: int = 12
) -> BarChart:
    """A vertical bar per bucket; at most about ``labels`` labels under the axis."""
    # Room on the left for the axis's numbers, and on the right for half a label.
    left, right, top, bottom = 44, width - 28, 12, height - 34
    top_value = nice_top(max((b.count for b in buckets), default=0))
    ticks = tuple(
        Tick(bottom - (bottom - top) * value / top_value, value)
        for value in sorted({0, top_value // 2 if top_value >= 2 else 0, top_value})
    )
    slot = (right - left) / max(len(buckets), 1)
    gap = min(slot * 0.2, 6)
    every = max(1, math.ceil(len(buckets) / labels))
    bars = tuple(
        Bar(
            x=round(left + i * slot + gap / 2, 2),
            y=round(bottom - (bottom - top) * b.count / top_value, 2),
            width=round(slot - gap, 2),
            height=round((bottom - top) * b.count / top_value, 2),
            bucket=b,
            label_shown=i % every == 0,
        )
        for i, b in enumerate(buckets)
    )
    return BarChart(width, height, left, right, top, bottom, bars, ticks)


# Durations ----------------------------------------------------------------------------


def duration_words(seconds: float) -> str:
    """A wait in words, to the minute: "45 min", "3 h 05 min", "2 days 4 h"."""
    minutes = round(seconds / 60)
    if minutes < 60:
        return _("%(minutes)d min", minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(hours)d h %(minutes)02d min", hours=hours, minutes=minutes)
    days, hours = divmod(hours, 24)
    return ngettext("%(num)d day %(hours)d h", "%(num)d days %(hours)d h", days, hours=hours)


def share(part: int, whole: int) -> float:
    """``part`` as a percentage of ``whole`` (0 where the whole is nothing)."""
    return 100 * part / whole if whole else 0.0
