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
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
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
    others = [
        o
        for o in same_day
        if o.activity_date == entry.activity_date and (o.id is None or o.id != entry.id)
    ]
    counted = sum(o.duration_minutes for o in others if _in_working_day(o))
    title = normalise_title(entry.title)
    pairs = [w for o in others for w in _pair_warnings(entry, o, title, normalise_title(o.title))]
    return _warnings(entry, counted, pairs, working_day)


def check_all(
    entries: Iterable[EntryFacts], *, working_day: int | None
) -> dict[int | None, list[EntryWarning]]:
    """Warnings for many entries (the review page), by entry id; entries with none left out.

    The same rules as :func:`check_entry`, worked out a day at a time so each pair of entries
    is compared once: a pair that overlaps or duplicates is reported on the later-logged entry
    (higher id). Titles are compared only when their lengths allow the ratio (see
    :func:`_title_pairs`), which keeps a day of many entries quick.
    """
    by_day: dict[date, list[EntryFacts]] = {}
    for entry in entries:
        by_day.setdefault(entry.activity_date, []).append(entry)
    found: dict[int | None, list[EntryWarning]] = {}
    for day_entries in by_day.values():
        day_entries.sort(key=lambda e: e.id or 0)
        titles = [normalise_title(e.title) for e in day_entries]
        grams = [_Trigrams(t) for t in titles]
        pairs: dict[int, list[EntryWarning]] = {}
        for i, j in _title_pairs(titles):
            if not grams[i].allow(grams[j]):
                continue
            later, earlier = (i, j) if i > j else (j, i)
            if similar_normalised(titles[later], titles[earlier]):
                pairs.setdefault(later, []).append(
                    _duplicate(day_entries[later], day_entries[earlier])
                )
        timed = [i for i, e in enumerate(day_entries) if e.start_time and e.end_time]
        for n, i in enumerate(timed):
            for j in timed[:n]:
                if overlaps(day_entries[i], day_entries[j]):
                    pairs.setdefault(i, []).append(_overlap(day_entries[i], day_entries[j]))
        day_total = sum(e.duration_minutes for e in day_entries if _in_working_day(e))
        for i, entry in enumerate(day_entries):
            others = day_total - (entry.duration_minutes if _in_working_day(entry) else 0)
            warnings = _warnings(entry, others, pairs.get(i, []), working_day)
            if warnings:
                found[entry.id] = warnings
    return found


def _warnings(
    entry: EntryFacts, others_minutes: int, pairs: list[EntryWarning], working_day: int | None
) -> list[EntryWarning]:
    """An entry's warnings in the order of :data:`CHECKS`. ``others_minutes``: the paid,
    confirmed minutes of the other entries that day; ``pairs``: its overlaps and duplicates."""
    warnings = []

    def add(code: str, message: str) -> None:
        warnings.append(EntryWarning(code, message, entry.id))

    if not counts_towards_otj(entry.activity_type):
        kind = activity_type(entry.activity_type)
        reason = kind.why_not if kind else "This type is not one this version of the app knows."
        add("not_otj", f"{type_label(entry.activity_type)} is logged but not counted: {reason}")
    long_day = _day_warning(entry, others_minutes, working_day)
    if long_day:
        add("long_day", long_day)
    warnings.extend(w for w in pairs if w.code == "overlap")
    warnings.extend(w for w in pairs if w.code == "duplicate")
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


def _pair_warnings(
    entry: EntryFacts, other: EntryFacts, title: str, other_title: str
) -> list[EntryWarning]:
    found = []
    if overlaps(entry, other):
        found.append(_overlap(entry, other))
    if similar_normalised(title, other_title):
        found.append(_duplicate(entry, other))
    return found


def _overlap(entry: EntryFacts, other: EntryFacts) -> EntryWarning:
    message = f"Its times overlap “{other.title}” ({_times(other)})."
    return EntryWarning("overlap", message, entry.id, other.id)


def _duplicate(entry: EntryFacts, other: EntryFacts) -> EntryWarning:
    message = f"“{other.title}” on the same day looks like the same entry."
    return EntryWarning("duplicate", message, entry.id, other.id)


def _in_working_day(entry: EntryFacts) -> bool:
    """Counted in the day's paid hours: confirmed and in paid time (time off in lieu is
    outside paid hours; a draft may never have happened)."""
    return entry.hours_basis == "paid" and entry.status == "confirmed"


def _day_warning(entry: EntryFacts, others_minutes: int, working_day: int | None) -> str | None:
    """Paid-hours entries on the day (the confirmed ones and this one) longer than a working
    day."""
    if working_day is None or entry.hours_basis != "paid":
        return None
    minutes = entry.duration_minutes + others_minutes
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
# Two strings of lengths a <= b match at most 2a / (a + b) (difflib's real_quick_ratio), so a
# ratio of SIMILAR_TITLE_RATIO needs b <= a * _LONGEST.
_LONGEST = 2 / SIMILAR_TITLE_RATIO - 1


def normalise_title(title: str) -> str:
    """A title for comparing: accents, case, punctuation and spacing ignored."""
    text = title
    if not text.isascii():  # most titles are: no accents to take off
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


def similar_titles(a: str, b: str) -> bool:
    """Titles that name the same entry: equal once normalised, or nearly so (see the module
    docstring for the threshold)."""
    return similar_normalised(normalise_title(a), normalise_title(b))


def similar_normalised(left: str, right: str) -> bool:
    """:func:`similar_titles` for titles already normalised. The cheap bounds come first:
    most pairs are told apart by their lengths or their letters without the full ratio."""
    if left == right:
        return True
    if not left or not right:
        return False
    if _NUMBER.findall(left) != _NUMBER.findall(right):
        return False  # "Part 1" and "Part 2" are two entries
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    return matcher.real_quick_ratio() >= SIMILAR_TITLE_RATIO and (
        matcher.ratio() >= SIMILAR_TITLE_RATIO
    )


class _Trigrams:
    """A title's three-letter runs, to rule out most pairs with one set operation (in C).

    Why it is safe: titles of lengths a and b with a ratio R need M >= R(a + b)/2 matching
    characters, in k matching blocks with k - 1 <= (1 - R)(a + b) (consecutive blocks are
    separated by an unmatched character). A block of length L holds L - 2 trigrams that both
    titles share, so they share at least M - 2k = (2.5R - 2)(a + b) - 2 trigram occurrences:
    0.25(a + b) - 2 for R = 0.9. Counting distinct trigrams, each may occur up to ``repeat``
    times in a title, so a pair sharing fewer than that bound divided by ``repeat`` can never
    reach R, and skips the full comparison.
    """

    __slots__ = ("length", "letters", "repeat", "set")

    def __init__(self, title: str) -> None:
        runs = [title[n : n + 3] for n in range(len(title) - 2)]
        self.length = len(title)
        self.set = frozenset(runs)
        self.repeat = max(Counter(runs).values(), default=1)
        self.letters = Counter(title)

    def allow(self, other: _Trigrams) -> bool:
        total = self.length + other.length
        need = (2.5 * SIMILAR_TITLE_RATIO - 2) * total - 2
        if need > 0 and len(self.set & other.set) * max(self.repeat, other.repeat) < need:
            return False
        # Then the letters as multisets (difflib's quick_ratio bound, from counts made once
        # per title rather than once per pair).
        a, b = sorted((self.letters, other.letters), key=len)
        common = sum(min(n, b.get(c, 0)) for c, n in a.items())
        return 2 * common >= SIMILAR_TITLE_RATIO * total


def _title_pairs(titles: list[str]) -> Iterator[tuple[int, int]]:
    """The index pairs whose lengths allow the similarity ratio (and equal titles)."""
    order = sorted(range(len(titles)), key=lambda i: len(titles[i]))
    for n, i in enumerate(order):
        longest = len(titles[i]) * _LONGEST
        for j in order[n + 1 :]:
            if len(titles[j]) > longest:
                break
            yield i, j


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
