"""The evidence pack: activities grouped by KSB with totals, for a review with the tutor or
employer, ending in a sign-off block.

Pure rules, shared by the pack page and its PDF (``web/pack_pdf.py``), so both always say the
same thing:

* **Which activities**: live ones dated within the chosen period (both ends inclusive) that are
  linked to at least one chosen KSB; with every KSB chosen, activities linked to none are
  included too, in a section of their own (they are evidence still waiting for a KSB).
* **Hours per KSB**: every included activity linked to the KSB counts in full.
* **Hours per category** (knowledge, skills, behaviours): each activity counts once in each
  category it has a chosen KSB in. An activity evidencing a K and an S counts in both, so the
  categories can add up to more than the overall total; the pack says so.
* **Overall**: each included activity once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from otj_desktop.domain.activities import clean_line, parse_date

CATEGORY_LABELS = {"knowledge": "Knowledge", "skill": "Skills", "behaviour": "Behaviours"}
SIGNATORY_MAX = 100


@dataclass(frozen=True)
class Signatory:
    role: str  # "Apprentice", "Tutor / training provider", "Employer / line manager"
    name: str = ""
    job: str = ""  # their role or job title, as they want it printed


@dataclass(frozen=True)
class PackOptions:
    date_from: date | None = None
    date_to: date | None = None
    ksb_ids: frozenset[int] | None = None  # None: every KSB of the standard
    descriptions: bool = True
    signatories: tuple[Signatory, ...] = ()

    def query_args(self) -> dict[str, object]:
        """The options as the pack page's URL query (for the PDF link and the live refresh)."""
        args: dict[str, object] = {}
        if self.date_from:
            args["from"] = self.date_from.isoformat()
        if self.date_to:
            args["to"] = self.date_to.isoformat()
        if self.ksb_ids is not None:
            args["ksb"] = sorted(self.ksb_ids)
        args["descriptions"] = "1" if self.descriptions else "0"
        for n, s in enumerate(self.signatories):
            if s.name:
                args[f"name{n}"] = s.name
            if s.job:
                args[f"job{n}"] = s.job
        return args


ROLES = ("Apprentice", "Tutor / training provider", "Employer / line manager")


def parse_options(
    args: Mapping[str, str],
    ksb_choices: Iterable[str],
    *,
    today: date,
    known_ksb_ids: Collection[int],
    apprentice_name: str = "",
) -> tuple[PackOptions, dict[str, str]]:
    """The pack's options from the page's query; problems are reported and the option left
    at its default, so the page always shows a pack."""
    errors: dict[str, str] = {}

    def day(name: str) -> date | None:
        raw = args.get(name, "")
        if not isinstance(raw, str) or not raw.strip():
            return None
        try:
            return parse_date(raw, today)
        except ValueError as exc:
            errors[name] = str(exc).replace("of the activity", "")
            return None

    date_from, date_to = day("from"), day("to")
    if date_from and date_to and date_to < date_from:
        errors["to"] = "The end of the period must be on or after its start."
        date_to = None
    chosen: set[int] = set()
    for raw in ksb_choices:
        try:
            ksb_id = int(str(raw).strip())
        except ValueError:
            errors["ksb"] = "Choose KSBs from your standard's list."
            continue
        if ksb_id in known_ksb_ids:
            chosen.add(ksb_id)
        else:
            errors["ksb"] = "Choose KSBs from your standard's list."
    ksb_ids = frozenset(chosen) if chosen and set(chosen) != set(known_ksb_ids) else None
    signatories = []
    for n, role in enumerate(ROLES):
        default = apprentice_name if n == 0 else ""
        name = clean_line(str(args.get(f"name{n}", default)))[:SIGNATORY_MAX]
        job = clean_line(str(args.get(f"job{n}", "")))[:SIGNATORY_MAX]
        signatories.append(Signatory(role, name, job))
    descriptions = str(args.get("descriptions", "1")) != "0"
    return PackOptions(date_from, date_to, ksb_ids, descriptions, tuple(signatories)), errors


@dataclass(frozen=True)
class PackActivity:
    id: int
    title: str
    activity_date: date
    minutes: int
    activity_type: str
    evidence_quality: str
    description: str
    ksb_ids: tuple[int, ...]


@dataclass(frozen=True)
class PackKsbInfo:
    id: int
    code: str
    category: str
    title: str | None
    statement: str


@dataclass
class PackKsb:
    ksb: PackKsbInfo
    activities: list[PackActivity] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(a.minutes for a in self.activities)


@dataclass
class Pack:
    options: PackOptions
    ksbs: list[PackKsb]
    unlinked: list[PackActivity]
    activities: list[PackActivity]  # every included activity, once, by date
    category_minutes: dict[str, int]

    @property
    def total_minutes(self) -> int:
        return sum(a.minutes for a in self.activities)

    @property
    def ksbs_with_evidence(self) -> int:
        return sum(1 for k in self.ksbs if k.activities)


def build_pack(
    activities: Iterable[PackActivity], ksbs: list[PackKsbInfo], options: PackOptions
) -> Pack:
    """Group ``activities`` (live, already within the period) by the chosen KSBs."""
    chosen = [k for k in ksbs if options.ksb_ids is None or k.id in options.ksb_ids]
    by_id = {k.id: PackKsb(k) for k in chosen}
    included: list[PackActivity] = []
    unlinked: list[PackActivity] = []
    categories: dict[str, int] = dict.fromkeys(CATEGORY_LABELS, 0)
    in_range = _in_period(options)
    for activity in sorted(activities, key=lambda a: (a.activity_date, a.id)):
        if not in_range(activity.activity_date):
            continue
        hits = [by_id[k] for k in activity.ksb_ids if k in by_id]
        if not hits:
            if options.ksb_ids is None and not activity.ksb_ids:
                unlinked.append(activity)
                included.append(activity)
            continue
        included.append(activity)
        for entry in hits:
            entry.activities.append(activity)
        for category in {entry.ksb.category for entry in hits}:
            categories[category] = categories.get(category, 0) + activity.minutes
    return Pack(options, list(by_id.values()), unlinked, included, categories)


def _in_period(options: PackOptions) -> Callable[[date], bool]:
    low, high = options.date_from or date.min, options.date_to or date.max
    return lambda day: low <= day <= high


def period_text(options: PackOptions, uk: Callable[[date], str]) -> str:
    """``1 Sep 2026 to 27 Nov 2026``, ``Up to 27 Nov 2026``, ``All dates``."""
    if options.date_from and options.date_to:
        return f"{uk(options.date_from)} to {uk(options.date_to)}"
    if options.date_from:
        return f"From {uk(options.date_from)}"
    if options.date_to:
        return f"Up to {uk(options.date_to)}"
    return "All dates"
