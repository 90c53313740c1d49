import datetime
from zoneinfo import ZoneInfo

import pytest

from core.models import CalendarException, Shift, WorkCalendar
from core.selectors.calendars import working_hours, working_intervals

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def at(tz, *args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=tz)


def calendar_with(tz: str, shifts: list[tuple[int, str, str]]) -> WorkCalendar:
    calendar = WorkCalendar.objects.create(code=f"C-{tz}", name=tz, timezone=tz)
    for weekday, start, end in shifts:
        Shift.objects.create(
            calendar=calendar,
            name=f"{start}",
            weekday=weekday,
            start_time=datetime.time.fromisoformat(start),
            end_time=datetime.time.fromisoformat(end),
        )
    return calendar


def test_day_shifts_are_merged_and_clipped():
    calendar = calendar_with("Asia/Shanghai", [(0, "06:00", "14:00"), (0, "14:00", "22:00")])
    # Monday 2026-11-23, asked from 10:00 to Tuesday.
    intervals = working_intervals(
        calendar=calendar, start=at(SHANGHAI, 2026, 11, 23, 10), end=at(SHANGHAI, 2026, 11, 24, 12)
    )
    assert intervals == [
        (
            at(SHANGHAI, 2026, 11, 23, 10).astimezone(datetime.UTC),
            at(SHANGHAI, 2026, 11, 23, 22).astimezone(datetime.UTC),
        )
    ]


def test_a_night_shift_runs_into_the_next_day_and_is_seen_from_it():
    calendar = calendar_with("Asia/Shanghai", [(4, "22:00", "06:00")])  # Friday night
    hours = working_hours(calendar=calendar, start=at(SHANGHAI, 2026, 11, 28, 0), end=at(SHANGHAI, 2026, 11, 29))
    assert hours == 6  # Saturday 00:00-06:00, the tail of Friday's night shift


def test_a_closed_day_removes_its_shifts_and_an_extra_window_adds_time():
    calendar = calendar_with("Asia/Shanghai", [(d, "08:00", "16:00") for d in range(5)])
    CalendarException.objects.create(calendar=calendar, date=datetime.date(2026, 11, 24), reason="Holiday")
    CalendarException.objects.create(
        calendar=calendar,
        date=datetime.date(2026, 11, 28),
        is_working=True,
        start_time=datetime.time(8),
        end_time=datetime.time(12),
        reason="Extra Saturday",
    )
    hours = working_hours(calendar=calendar, start=at(SHANGHAI, 2026, 11, 23), end=at(SHANGHAI, 2026, 11, 30))
    assert hours == 4 * 8 + 4


def test_shifts_keep_their_wall_clock_hours_across_a_dst_change():
    calendar = calendar_with("Europe/Berlin", [(6, "00:00", "06:00")])  # Sunday 2026-03-29: clocks go 02:00 -> 03:00
    intervals = working_intervals(calendar=calendar, start=at(BERLIN, 2026, 3, 28), end=at(BERLIN, 2026, 3, 30))
    ((begins, ends),) = intervals
    assert begins == at(BERLIN, 2026, 3, 29, 0).astimezone(datetime.UTC)
    assert (ends - begins) == datetime.timedelta(hours=5)  # one hour of that night does not exist
