"""Dates the UK way: shown day first, weeks starting on Monday, "today" in local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def today() -> date:
    """Today's date in the computer's local time zone."""
    return datetime.now().astimezone().date()


def week_start(day: date) -> date:
    """The Monday of the week that ``day`` is in."""
    return day - timedelta(days=day.weekday())


def uk_date(day: date | str | None) -> str:
    """``27 Nov 2026``; an empty string for None."""
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return f"{day.day} {day:%b %Y}"


def uk_date_long(day: date | str | None) -> str:
    """``Friday 27 November 2026``."""
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return f"{day:%A} {day.day} {day:%B %Y}"


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
    local = moment.astimezone()
    return f"{uk_date(local.date())}, {local:%H:%M}"
