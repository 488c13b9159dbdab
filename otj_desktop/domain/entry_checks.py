"""Entry checks: things about a log entry that a training provider would query.

None of them stops a save (the entry may be right: a long training day, a second session with
the same name); they are warnings, shown once when the entry is saved and listed on the Entry
checks page to review. Each is a pure function of the facts it needs, so the rules are tested
without a database:

* the activity type does not count towards OTJ (English and maths up to level 2, progress
  reviews, assessment, induction);
* more hours on one day than a working day (contracted weekly hours / working days a week),
  counting the entries logged in paid hours that day;
* entries that overlap in time (where both have a start and an end time);
* duplicate or near-duplicate entries: the same date and titles that match once normalised
  (case, accents, punctuation and spacing ignored), or are at least
  :data:`SIMILAR_TITLE_RATIO` (0.9) alike by :class:`difflib.SequenceMatcher` and hold the same
  numbers. "Team stand-up" / "Team standup" (0.96) and "Weekly mentoring session" / "Weekly
  mentoring sessions" (0.98) are flagged; "Mentoring with Sam" / "Mentoring with Sue" (0.89),
  "Team standup" / "Team stand-up meeting" (0.73) and "Reading: chapter 3" / "Reading:
  chapter 4" (different numbers) are not;
* no KSB linked;
* a description shorter than :data:`MIN_DESCRIPTION_CHARS` characters;
* calendar months of the practical period, so far, with no learning logged
  (:func:`empty_months`; months spent wholly in a break in learning are left out).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from otj_desktop.domain.activities import format_hours
from otj_desktop.domain.activity_types import activity_type, counts_towards_otj, type_label
from otj_desktop.domain.dates import uk_date

SIMILAR_TITLE_RATIO = 0.9
MIN_DESCRIPTION_CHARS = 50

# Codes of the checks, with the heading each has on the Entry checks page, in that order.
CHECKS = {
    "not_otj": "Type does not count towards OTJ",
    "long_day": "More hours than a working day",
    "overlap": "Overlapping times",
    "duplicate": "Possible duplicates",
    "no_ksb": "No KSB linked",
    "short_description": "Description too short to be evidence",
}


@dataclass(frozen=True)
class EntryFacts:
    """What the checks need to know about one entry."""

    id: int | None  # None for an entry not saved yet
    title: str
    activity_date: date
    duration_minutes: int
    activity_type: str
    description_chars: int = 0  # length of the description, as stored (trimmed)
    start_time: time | None = None
    end_time: time | None = None
    ksb_count: int = 0
    hours_basis: str = "paid"
    status: str = "confirmed"


@dataclass(frozen=True)
class EntryWarning:
    code: str  # a key of CHECKS
    message: str
    activity_id: int | None = None
    other_id: int | None = None  # the entry it clashes with, for overlaps and duplicates


def working_day_minutes(weekly_hours: float | None, days_per_week: float | None) -> int | None:
    """Minutes in one working day, from the contract; None when the profile does not say."""
    if not weekly_hours or not days_per_week or weekly_hours <= 0 or days_per_week <= 0:
        return None
    return round(weekly_hours * 60 / days_per_week)


def check_entry(
    entry: EntryFacts, same_day: Sequence[EntryFacts], *, working_day: int | None
) -> list[EntryWarning]:
    """Every warning for ``entry``. ``same_day`` holds the other live entries on its date
    (drafts included: a draft and a hand-logged copy of it are duplicates)."""
    warnings = []
    others = [
        o
        for o in same_day
        if o.activity_date == entry.activity_date and (o.id is None or o.id != entry.id)
    ]

    def add(code: str, message: str, other: EntryFacts | None = None) -> None:
        warnings.append(EntryWarning(code, message, entry.id, other.id if other else None))

    kind = activity_type(entry.activity_type)
    if not counts_towards_otj(entry.activity_type):
        reason = kind.why_not if kind else "This type is not one this version of the app knows."
        add("not_otj", f"{type_label(entry.activity_type)} is logged but not counted: {reason}")
    long_day = _day_warning(entry, others, working_day)
    if long_day:
        add("long_day", long_day)
    for other in others:
        if overlaps(entry, other):
            add("overlap", f"Its times overlap “{other.title}” ({_times(other)}).", other)
    for other in others:
        if similar_titles(entry.title, other.title):
            add("duplicate", f"“{other.title}” on the same day looks like the same entry.", other)
    if entry.ksb_count == 0:
        add("no_ksb", "No KSB is linked: say which knowledge, skills or behaviours it evidences.")
    length = entry.description_chars
    if length < MIN_DESCRIPTION_CHARS:
        add(
            "short_description",
            f"The description has {length} character{'' if length == 1 else 's'}; evidence "
            f"needs at least {MIN_DESCRIPTION_CHARS}: what you learned and how you applied it.",
        )
    return warnings


def _day_warning(
    entry: EntryFacts, others: Sequence[EntryFacts], working_day: int | None
) -> str | None:
    """Paid-hours entries on the day (confirmed ones and this one) longer than a working day.
    Time off in lieu is outside paid hours, so it is not part of the working day."""
    if working_day is None or entry.hours_basis != "paid":
        return None
    counted = [o for o in others if o.hours_basis == "paid" and o.status == "confirmed"]
    minutes = entry.duration_minutes + sum(o.duration_minutes for o in counted)
    if minutes <= working_day:
        return None
    return (
        f"{format_hours(minutes)} hours are logged in paid hours on {uk_date(entry.activity_date)}"
        f", more than a working day ({format_hours(working_day)} hours from your contract)."
    )


def overlaps(a: EntryFacts, b: EntryFacts) -> bool:
    """Both have start and end times and the two spans share more than an instant."""
    if a.activity_date != b.activity_date:
        return False
    if None in (a.start_time, a.end_time, b.start_time, b.end_time):
        return False
    return a.start_time < b.end_time and b.start_time < a.end_time


def _times(entry: EntryFacts) -> str:
    return f"{entry.start_time:%H:%M}–{entry.end_time:%H:%M}"


_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_NUMBER = re.compile(r"\d+")


def normalise_title(title: str) -> str:
    """A title for comparing: accents, case, punctuation and spacing ignored."""
    text = unicodedata.normalize("NFKD", title)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


def similar_titles(a: str, b: str) -> bool:
    """Titles that name the same entry: equal once normalised, or nearly so (see the module
    docstring for the threshold)."""
    left, right = normalise_title(a), normalise_title(b)
    if not left or not right:
        return left == right
    if left == right:
        return True
    if _NUMBER.findall(left) != _NUMBER.findall(right):
        return False  # "Part 1" and "Part 2" are two entries
    return difflib.SequenceMatcher(None, left, right).ratio() >= SIMILAR_TITLE_RATIO


def check_all(
    entries: Iterable[EntryFacts], *, working_day: int | None
) -> dict[int | None, list[EntryWarning]]:
    """Warnings for many entries (the review page), by entry id; entries with none left out.

    A pair that overlaps or duplicates is reported once, on the later-logged entry (higher id).
    """
    by_day: dict[date, list[EntryFacts]] = {}
    for entry in entries:
        by_day.setdefault(entry.activity_date, []).append(entry)
    found: dict[int | None, list[EntryWarning]] = {}
    for day_entries in by_day.values():
        for entry in day_entries:
            warnings = [
                w
                for w in check_entry(entry, day_entries, working_day=working_day)
                if w.other_id is None or entry.id is None or w.other_id < entry.id
            ]
            if warnings:
                found[entry.id] = warnings
    return found


def empty_months(
    start: date | None,
    end: date | None,
    today: date,
    months_with_learning: Iterable[tuple[int, int]],
    breaks: Iterable[tuple[date, date]] = (),
) -> list[date]:
    """The first day of each calendar month of the practical period, so far, with no learning
    logged. "So far" means months that have ended (this month is not over yet) and no later
    than the end of the practical period. Months spent wholly in a break are left out."""
    if start is None:
        return []
    logged = set(months_with_learning)
    spans = list(breaks)
    last = _month(today) - timedelta(days=1)  # the end of last month
    if end is not None and end < last:
        last = end
    found = []
    month = _month(start)
    while month <= last:
        if (month.year, month.month) not in logged and not _inside_breaks(month, spans):
            found.append(month)
        month = _next_month(month)
    return found


def _month(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def _inside_breaks(month: date, breaks: list[tuple[date, date]]) -> bool:
    last_day = _next_month(month) - timedelta(days=1)
    return any(b_start <= month and last_day <= b_end for b_start, b_end in breaks)
