import datetime
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from core.models import Shift, WorkCalendar

Interval = tuple[datetime.datetime, datetime.datetime]


@dataclass(frozen=True)
class ShiftWindow:
    """One worked window of a calendar: a shift on a day, or an exception's extra window (no shift)."""

    day: datetime.date  # the day it begins on, in the calendar's time zone
    shift: Shift | None
    start: datetime.datetime  # UTC, cut to the asked range
    end: datetime.datetime


def shift_windows(*, calendar: WorkCalendar, start: datetime.datetime, end: datetime.datetime) -> list[ShiftWindow]:
    """The calendar's shifts worked between two aware datetimes, in time order, cut to the range.

    Shifts are wall-clock times in the calendar's time zone (so a shift keeps its hours across a
    DST change); a shift ending at or before its start runs into the next day. A closed exception
    removes the shifts that start on its date; a working exception adds its window.
    """
    tz = ZoneInfo(calendar.timezone)
    utc = datetime.UTC
    start, end = start.astimezone(utc), end.astimezone(utc)
    # A night shift that started the day before `start` may still be running.
    first_day = start.astimezone(tz).date() - datetime.timedelta(days=1)
    last_day = end.astimezone(tz).date()

    shifts_by_weekday = defaultdict(list)
    for shift in calendar.shifts.all():
        shifts_by_weekday[shift.weekday].append(shift)
    exceptions_by_day = defaultdict(list)
    for exception in calendar.exceptions.filter(date__range=(first_day, last_day)):
        exceptions_by_day[exception.date].append(exception)

    found: list[ShiftWindow] = []
    day = first_day
    while day <= last_day:
        exceptions = exceptions_by_day.get(day, [])
        closed = any(not e.is_working for e in exceptions)
        windows = [] if closed else [(s, s.start_time, s.end_time) for s in shifts_by_weekday.get(day.weekday(), [])]
        windows += [(None, e.start_time, e.end_time) for e in exceptions if e.is_working]
        for shift, window_start, window_end in windows:
            end_day = day if window_end > window_start else day + datetime.timedelta(days=1)
            begins = datetime.datetime.combine(day, window_start, tzinfo=tz).astimezone(utc)
            ends = datetime.datetime.combine(end_day, window_end, tzinfo=tz).astimezone(utc)
            begins, ends = max(begins, start), min(ends, end)
            if begins < ends:
                found.append(ShiftWindow(day=day, shift=shift, start=begins, end=ends))
        day += datetime.timedelta(days=1)
    return sorted(found, key=lambda window: (window.start, window.end))


def working_intervals(*, calendar: WorkCalendar, start: datetime.datetime, end: datetime.datetime) -> list[Interval]:
    """The calendar's working time between two aware datetimes, as merged UTC intervals (see shift_windows)."""
    return merge_intervals(
        [(window.start, window.end) for window in shift_windows(calendar=calendar, start=start, end=end)]
    )


def merge_intervals(intervals: list[Interval]) -> list[Interval]:
    """Overlapping and touching intervals joined, in time order."""
    merged: list[Interval] = []
    for begins, ends in sorted(intervals):
        if merged and begins <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], ends))
        else:
            merged.append((begins, ends))
    return merged


def working_hours(*, calendar: WorkCalendar, start: datetime.datetime, end: datetime.datetime) -> float:
    return sum((e - b).total_seconds() for b, e in working_intervals(calendar=calendar, start=start, end=end)) / 3600
