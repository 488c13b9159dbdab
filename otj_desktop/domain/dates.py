"""Dates the UK way: shown day first, weeks starting on Monday, "today" in local time.

Every date a page or a sentence shows is written here, in two styles: ``27 Nov 2026`` (lists,
figures, sentences) and ``Friday 27 November 2026`` (an activity's own page). Month and day names
are spelt out here rather than taken from ``strftime``, whose ``%b``/``%B``/``%A`` follow the C
locale, which Qt sets from the system when the windows open: a German desktop would otherwise
get "27 Mär 2026" in an English interface.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def today() -> date:
    """Today's date in the computer's local time zone."""
    return datetime.now().astimezone().date()


def week_start(day: date) -> date:
    """The Monday of the week that ``day`` is in."""
    return day - timedelta(days=day.weekday())


def _as_date(day: date | str | None) -> date | None:
    if day is None or day == "":
        return None
    return date.fromisoformat(day) if isinstance(day, str) else day


def uk_date(day: date | str | None) -> str:
    """``27 Nov 2026`` (a date or its ISO text); an empty string for None."""
    day = _as_date(day)
    return "" if day is None else f"{day.day} {MONTHS[day.month - 1][:3]} {day.year}"


def uk_date_long(day: date | str | None) -> str:
    """``Friday 27 November 2026``; an empty string for None."""
    day = _as_date(day)
    if day is None:
        return ""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def month_name(day: date) -> str:
    """``November``: the month ``day`` is in."""
    return MONTHS[day.month - 1]


def uk_month(day: date) -> str:
    """``November 2026``: the month ``day`` is in."""
    return f"{month_name(day)} {day.year}"


def utc_now_iso() -> str:
    """The current UTC time as ``2026-11-27T09:30:00Z`` (how timestamps are stored)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def uk_datetime(stamp: str | None) -> str:
    """A stored UTC timestamp (``2026-11-27T09:30:00Z``) in local time: ``27 Nov 2026, 09:30``."""
    if not stamp:
        return ""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return uk_moment(moment)


def uk_moment(moment: datetime) -> str:
    """An aware datetime in local time: ``27 Nov 2026, 09:30``."""
    local = moment.astimezone()
    return f"{uk_date(local.date())}, {local:%H:%M}"
