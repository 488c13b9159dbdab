"""The conflict page's side-by-side view: an activity as saved elsewhere and as typed here.

Used when a save meets a newer version of the activity (another window saved first): the
apprentice sees both versions field by field and chooses; nothing is overwritten silently.

KSBs are named by code; one that belongs to another version of the standard (a link a version
switch could not carry, which the form keeps ticked) also names that version, so "K1" of the
old version is never mistaken for "K1" of the current one, and never shown as "?".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from otj_desktop.domain.activities import EVIDENCE_QUALITY, HOURS_BASIS, ActivityInput
from otj_desktop.domain.activity_types import type_label
from otj_desktop.domain.dates import uk_date
from otj_desktop.domain.resource_links import describe_link
from otj_desktop.store import activities as activity_store
from otj_desktop.store import standards as standard_store
from otj_desktop.web.context import get_conn


@dataclass(frozen=True)
class ComparedField:
    """One row of the conflict page: a field as saved in the other window and as typed here."""

    label: str
    theirs: str
    mine: str

    @property
    def differs(self) -> bool:
        return self.theirs != self.mine


def compare_versions(
    theirs: activity_store.Activity, mine: ActivityInput, ksbs: list
) -> list[ComparedField]:
    """Both versions of an activity, field by field, as the apprentice would read them."""
    ksb_name = _ksb_namer(ksbs)

    def times(start, end) -> str:
        if not start:
            return "—"
        return start.strftime("%H:%M") + (f"–{end.strftime('%H:%M')}" if end else "")

    def text(value: str) -> str:
        return value or "—"

    rows = [
        ("Title", theirs.title, mine.title),
        ("Date", uk_date(theirs.activity_date), uk_date(mine.activity_date)),
        (
            "Time",
            times(theirs.start_time, theirs.end_time),
            times(mine.start_time, mine.end_time),
        ),
        (
            "Duration (hours)",
            f"{theirs.duration_minutes / 60:g}",
            f"{mine.duration_minutes / 60:g}",
        ),
        ("Activity type", type_label(theirs.activity_type), type_label(mine.activity_type)),
        (
            "KSBs",
            ", ".join(ksb_name(k.id) for k in theirs.ksbs) or "None",
            ", ".join(ksb_name(k) for k in mine.ksb_ids) or "None",
        ),
        ("Tags", ", ".join(theirs.tags) or "None", ", ".join(mine.tags) or "None"),
        ("Description", text(theirs.description), text(mine.description)),
        ("Notes", text(theirs.notes), text(mine.notes)),
        ("Delivered by / with", text(theirs.delivered_by), text(mine.delivered_by)),
        ("Where", text(theirs.location), text(mine.location)),
        (
            "Paid hours",
            HOURS_BASIS.get(theirs.hours_basis, theirs.hours_basis),
            HOURS_BASIS.get(mine.hours_basis, mine.hours_basis),
        ),
        (
            "Evidence quality",
            EVIDENCE_QUALITY.get(theirs.evidence_quality, theirs.evidence_quality),
            EVIDENCE_QUALITY.get(mine.evidence_quality, mine.evidence_quality),
        ),
        (
            "Resource links",
            "\n".join(describe_link(x) for x in theirs.resource_links) or "None",
            "\n".join(describe_link(x.as_dict()) for x in mine.resource_links) or "None",
        ),
    ]
    return [ComparedField(*row) for row in rows]


def _ksb_namer(current: list) -> Callable[[int], str]:
    """Names KSBs by id: the current standard's by code, others by code and their standard."""
    codes = {k.id: k.code for k in current}
    others: dict[int, str] = {}

    def name(ksb_id: int) -> str:
        if ksb_id in codes:
            return codes[ksb_id]
        if ksb_id not in others:
            others[ksb_id] = _elsewhere(ksb_id)
        return others[ksb_id]

    return name


def _elsewhere(ksb_id: int) -> str:
    conn = get_conn()
    try:
        ksb = standard_store.get_ksb(conn, ksb_id)
        standard = standard_store.get(conn, ksb.standard_id)
    except standard_store.StandardNotFound:
        return "a KSB that no longer exists"
    return f"{ksb.code} ({standard.reference} v{standard.version})"
