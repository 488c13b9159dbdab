"""Edit history of an activity: what a snapshot holds, what changed between two, and how to say it.

A *snapshot* is a plain JSON-able dict holding everything the apprentice can edit on an activity,
plus whether it is deleted. KSBs are named by their standard's reference and version and their
code (``{"standard": "ST0116", "version": "1.1", "code": "K3"}``), never by a database id, so a
snapshot means the same thing in an export imported on another computer.

:func:`diff` compares two snapshots field by field; :func:`describe` turns a stored diff into
lines for the activity's history list. Both are pure, so the rules are tested without a database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from otj_desktop.domain.activities import (
    ACTIVITY_STATUS,
    EVIDENCE_QUALITY,
    HOURS_BASIS,
    format_hours,
)
from otj_desktop.domain.activity_types import type_label
from otj_desktop.domain.dates import uk_date
from otj_desktop.domain.resource_links import describe_link

# Every field a snapshot holds, with the label the activity form gives it, in form order.
FIELD_LABELS: dict[str, str] = {
    "title": "Title",
    "activity_date": "Date",
    "start_time": "Start time",
    "end_time": "End time",
    "duration_minutes": "Duration (hours)",
    "activity_type": "Activity type",
    "description": "Description",
    "notes": "Notes",
    "delivered_by": "Delivered by / with",
    "location": "Where",
    "hours_basis": "Paid hours",
    "evidence_quality": "Evidence quality",
    "status": "Status",  # draft or confirmed; snapshots from before drafts existed lack it
    "ksbs": "KSBs",
    "tags": "Tags",
    # Evidence files (issue 8): links by CORE stage, and attached files (by content hash).
    "resource_links": "Resource links",
    "attachments": "Attachments",
    "deleted": "Deleted",
}
SNAPSHOT_FIELDS = tuple(FIELD_LABELS)
LONG_TEXT_FIELDS = frozenset({"description", "notes", "resource_links"})
# Fields holding a list of links or records; a snapshot older than the field lacks it (= empty).
LIST_FIELDS = frozenset({"ksbs", "tags", "resource_links", "attachments"})

ACTION_LABELS = {
    "baseline": "As it was when history began",
    "created": "Created",
    "updated": "Edited",
    "deleted": "Deleted",
    "restored": "Restored from Recently deleted",
    "reverted": "Restored an earlier version",
    "imported": "Replaced by an import",
}

Snapshot = dict[str, Any]


def ksb_key(ksb: Mapping[str, Any]) -> tuple[str, str, str]:
    """The identity of a KSB across databases: (standard reference, standard version, code)."""
    return (str(ksb["standard"]), str(ksb["version"]), str(ksb["code"]))


# What a field missing from an older snapshot meant then.
MISSING_MEANS = {"status": "confirmed"}


def _comparable(field: str, value: Any) -> Any:
    if value is None and field in MISSING_MEANS:
        return MISSING_MEANS[field]
    if field == "ksbs":
        return sorted(ksb_key(k) for k in value or [])
    if field == "tags":
        return sorted(value or [], key=str.casefold)
    if field == "resource_links":  # in order: the order is the apprentice's
        return [tuple(sorted(link.items())) for link in value or []]
    if field == "attachments":
        return sorted((a["sha256"], a["name"]) for a in value or [])
    return value


def _shown(field: str, value: Any) -> Any:
    """How a value is kept in a stored diff: KSBs by code, links as one line each, files by
    name; everything else as it is."""
    if field == "ksbs":
        return [k["code"] for k in value or []]
    if field == "resource_links":
        return [describe_link(link) for link in value or []]
    if field == "attachments":
        return [a["name"] for a in value or []]
    if field in LIST_FIELDS and value is None:
        return []
    return value


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field that differs; empty for a first version."""
    if before is None:
        return {}
    changes = {}
    for field in SNAPSHOT_FIELDS:
        old, new = before.get(field), after.get(field)
        if _comparable(field, old) != _comparable(field, new):
            changes[field] = [_shown(field, old), _shown(field, new)]
    if "ksbs" in changes and sorted(changes["ksbs"][0]) == sorted(changes["ksbs"][1]):
        # The same codes in another version of the standard (a switch of version): say so,
        # rather than "K1 → K1".
        old, new = before.get("ksbs") or [], after.get("ksbs") or []
        changes["ksbs"] = [
            [f"{k['code']} (version {k['version']})" for k in ksbs] for ksbs in (old, new)
        ]
    return changes


@dataclass(frozen=True)
class ChangeLine:
    """One changed field, ready to show: label, old and new text, and whether it is long text."""

    field: str
    label: str
    old: str
    new: str
    long: bool


def describe(changes: Mapping[str, Any]) -> list[ChangeLine]:
    """The stored diff as lines for the history list, in the form's field order."""
    lines = []
    for field in SNAPSHOT_FIELDS:
        if field == "deleted" or field not in changes:
            continue  # deletion and restoring are said by the action itself
        pair = changes[field]
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        lines.append(
            ChangeLine(
                field,
                FIELD_LABELS[field],
                show_value(field, pair[0]),
                show_value(field, pair[1]),
                field in LONG_TEXT_FIELDS,
            )
        )
    return lines


def show_value(field: str, value: Any) -> str:
    """A field's value as the apprentice reads it ("2.5 hours", "27 Nov 2026", "K1, S2")."""
    if value is None or value == "" or value == []:
        return "(empty)"
    try:
        if field == "duration_minutes":
            return f"{format_hours(int(value))} hours"
        if field == "activity_date":
            return uk_date(str(value))
        if field == "activity_type":
            return type_label(str(value))
        if field == "hours_basis":
            return HOURS_BASIS.get(str(value), str(value))
        if field == "evidence_quality":
            return EVIDENCE_QUALITY.get(str(value), str(value))
        if field == "status":
            return ACTIVITY_STATUS.get(str(value), str(value))
    except (TypeError, ValueError):
        pass  # an odd value is still shown, as it is
    if isinstance(value, list):
        return ("\n" if field == "resource_links" else ", ").join(str(v) for v in value)
    return str(value)
