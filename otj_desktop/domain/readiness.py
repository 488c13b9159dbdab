"""Readiness and gaps: how well the log evidences the standard, and what to do next.

The score (0-100) combines two parts, each averaged over every KSB of the standard, with the
weights in :data:`WEIGHTS` (the Readiness page shows them):

* **coverage** (60%): a KSB with at least :data:`ENOUGH_MINUTES` (2 hours) of confirmed OTJ
  evidence scores 1, one with some but less scores 0.5, one with none 0;
* **evidence quality** (40%): the best evidence quality of its confirmed OTJ activities:
  Ready for review 1, Good 0.75, Draft 0.25, none 0.

Only *confirmed* activities of types that count towards OTJ are evidence here, as in every
total. The gaps listed alongside:

* no evidence: nothing linked at all (no confirmed activity, no draft);
* only draft evidence: something is linked, but no confirmed activity of quality Good or
  Ready for review (every linked activity is a draft waiting for review, or has quality Draft);
* under 2 hours of confirmed evidence (but some);
* not touched in :data:`STALE_DAYS` days: confirmed evidence, none of it dated in the last 30
  days;
* OTJ activity types never used, and CORE stages (capture, organise, review, engage) of
  resource links never used, when the app keeps resource links.

Pure logic: the store gathers :class:`KsbEvidence` rows, this module judges them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

WEIGHTS = {"coverage": 0.6, "quality": 0.4}
ENOUGH_MINUTES = 120
STALE_DAYS = 30
COVERAGE_POINTS = {"enough": 1.0, "some": 0.5, "none": 0.0}
QUALITY_POINTS = {"review_ready": 1.0, "good": 0.75, "draft": 0.25}
QUALITY_ORDER = ("review_ready", "good", "draft")  # best first
CORE_STAGES = {
    "capture": "Capture",
    "organise": "Organise",
    "review": "Review",
    "engage": "Engage",
}
ACTIONS_SHOWN = 3  # on the dashboard card; the page shows them all


@dataclass(frozen=True)
class KsbEvidence:
    """One KSB and what evidences it (confirmed OTJ activities unless said otherwise)."""

    id: int
    code: str
    category: str
    label: str  # its title, or its statement
    activity_count: int = 0
    minutes: int = 0
    best_quality: str | None = None  # of the confirmed OTJ activities linked
    draft_count: int = 0  # live drafts (not confirmed yet) linked to it
    touched_recently: bool = False  # confirmed evidence dated in the last STALE_DAYS days


@dataclass(frozen=True)
class Action:
    text: str
    codes: tuple[str, ...] = ()  # KSB codes it is about, if any
    link: str = ""  # what the page links it to: "drafts", "ksb", "types", "core", "log"


@dataclass(frozen=True)
class Readiness:
    score: int  # 0-100
    coverage: float  # 0-1, before weighting
    quality: float
    ksb_total: int
    no_evidence: tuple[KsbEvidence, ...]
    only_draft: tuple[KsbEvidence, ...]
    under_two_hours: tuple[KsbEvidence, ...]
    stale: tuple[KsbEvidence, ...]
    types_never_used: tuple[str, ...]  # labels
    core_never_used: tuple[str, ...] | None  # labels; None when the app has no resource links
    drafts_waiting: int
    actions: tuple[Action, ...] = field(default=())

    @property
    def top_actions(self) -> tuple[Action, ...]:
        return self.actions[:ACTIONS_SHOWN]


def coverage_points(ksb: KsbEvidence) -> float:
    if ksb.activity_count == 0:
        return COVERAGE_POINTS["none"]
    return COVERAGE_POINTS["enough" if ksb.minutes >= ENOUGH_MINUTES else "some"]


def quality_points(ksb: KsbEvidence) -> float:
    return QUALITY_POINTS.get(ksb.best_quality or "", 0.0)


def assess(
    ksbs: Sequence[KsbEvidence],
    *,
    types_never_used: Sequence[str] = (),
    core_never_used: Sequence[str] | None = None,
    drafts_waiting: int = 0,
) -> Readiness:
    """The score, the gaps and the priority actions for a standard's KSBs."""
    count = len(ksbs)
    coverage = sum(coverage_points(k) for k in ksbs) / count if count else 0.0
    quality = sum(quality_points(k) for k in ksbs) / count if count else 0.0
    score = round(100 * (WEIGHTS["coverage"] * coverage + WEIGHTS["quality"] * quality))
    no_evidence = tuple(k for k in ksbs if k.activity_count == 0 and k.draft_count == 0)
    only_draft = tuple(
        k
        for k in ksbs
        if (k.activity_count or k.draft_count) and k.best_quality not in ("good", "review_ready")
    )
    under = tuple(k for k in ksbs if k.activity_count > 0 and k.minutes < ENOUGH_MINUTES)
    stale = tuple(k for k in ksbs if k.activity_count and not k.touched_recently)
    result = Readiness(
        score=score,
        coverage=coverage,
        quality=quality,
        ksb_total=count,
        no_evidence=no_evidence,
        only_draft=only_draft,
        under_two_hours=under,
        stale=stale,
        types_never_used=tuple(types_never_used),
        core_never_used=tuple(core_never_used) if core_never_used is not None else None,
        drafts_waiting=drafts_waiting,
    )
    return replace(result, actions=priority_actions(result))


def priority_actions(r: Readiness) -> tuple[Action, ...]:
    """What to do next, most useful first: review drafts (they count once confirmed), evidence
    the KSBs with none, improve draft-quality evidence, add to thin KSBs, revisit stale ones,
    then widen the kinds of learning."""
    actions = []
    if r.drafts_waiting:
        n = r.drafts_waiting
        actions.append(
            Action(
                f"Review {n} draft{'' if n == 1 else 's'}: drafts count once you confirm them.",
                link="drafts",
            )
        )
    if r.no_evidence:
        actions.append(
            Action(
                f"Log learning for {_codes(r.no_evidence)}: no evidence yet.",
                tuple(k.code for k in r.no_evidence),
                "ksb",
            )
        )
    if r.only_draft:
        actions.append(
            Action(
                f"Write up the evidence for {_codes(r.only_draft)} and mark it Good or "
                "Ready for review: it is only draft so far.",
                tuple(k.code for k in r.only_draft),
                "ksb",
            )
        )
    if r.under_two_hours:
        actions.append(
            Action(
                f"Add more learning to {_codes(r.under_two_hours)}: under 2 hours so far.",
                tuple(k.code for k in r.under_two_hours),
                "ksb",
            )
        )
    if r.stale:
        actions.append(
            Action(
                f"Revisit {_codes(r.stale)}: nothing logged for them in the last "
                f"{STALE_DAYS} days.",
                tuple(k.code for k in r.stale),
                "ksb",
            )
        )
    if r.types_never_used:
        actions.append(
            Action(f"Try other kinds of learning: {_list(r.types_never_used)}.", link="types")
        )
    if r.core_never_used:
        actions.append(
            Action(
                f"Add resource links for the {_list(r.core_never_used)} stage"
                f"{'' if len(r.core_never_used) == 1 else 's'} of CORE.",
                link="core",
            )
        )
    return tuple(actions)


def _codes(ksbs: Sequence[KsbEvidence], shown: int = 4) -> str:
    codes = [k.code for k in ksbs]
    if len(codes) <= shown:
        return _list(codes)
    return f"{', '.join(codes[:shown])} and {len(codes) - shown} more"


def _list(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def best_quality(qualities: Sequence[str]) -> str | None:
    """The best of some evidence qualities (Ready for review, then Good, then Draft)."""
    for quality in QUALITY_ORDER:
        if quality in qualities:
            return quality
    return None
