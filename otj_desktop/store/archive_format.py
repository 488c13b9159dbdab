"""The export format's names, in one place: members, versions, columns, and the shared types.

Writing (``archive_export``), reading (``archive``), validating (``archive_validate``,
``archive_activities``) and importing (``archive_import``) all need the same facts about the
file: which members it has and since which format version, which columns each kind of data
carries, what a checked file holds (:class:`Archive`), what an import did
(:class:`ImportSummary`), and the one error a refused file raises (:class:`ArchiveError`). They
live here, below all of those modules, so each column list is written once and no module has to
import another's internals. ``docs/export-format.md`` is the contract these names implement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NoReturn

FORMAT = "otj-desktop-export"
# 2: resource links, attachments and their files (store/archive_files.py), templates
# (store/archive_templates.py) and each activity's draft/confirmed status.
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
PROFILE = "profile.json"
# Each data file, and the format version that introduced it. A file is required in archives of
# that format version or later; a later feature adds its file here and bumps FORMAT_VERSION.
# Every member but profile.json is "<name>.json" holding {"<name>": [...]} (see member()).
DATA_FILES: dict[str, int] = {
    PROFILE: 1,
    "standards.json": 1,
    "tags.json": 1,
    "activities.json": 1,
    "history.json": 1,
    "breaks.json": 1,
    "templates.json": 2,  # store/archive_templates.py
}

# --- the columns each kind of data carries (export writes them, import inserts them) ----------

PROFILE_VALUES = (
    "start_date",
    "practical_end_date",
    "weekly_contracted_hours",
    "working_days_per_week",
    "planned_otj_hours",
    "rpl_hours",
    "weekly_target_hours",
    "training_target_hours",
    "plan_minimum_hours",
)
BREAK_COLUMNS = ("id", "start_date", "end_date", "reason", "created_at")
STANDARD_COLUMNS = (
    "id",
    "reference",
    "title",
    "level",
    "version",
    "typical_duration_months",
    "minimum_hours",
    "source",
    "source_note",
    "created_at",
    "updated_at",
)
KSB_COLUMNS = ("id", "category", "code", "position", "title", "statement", "official_id")
ACTIVITY_COLUMNS = (
    "id",
    "uid",
    "title",
    "activity_date",
    "start_time",
    "end_time",
    "duration_minutes",
    "activity_type",
    "description",
    "notes",
    "delivered_by",
    "location",
    "hours_basis",
    "evidence_quality",
    "version",
    "created_at",
    "updated_at",
    "deleted_at",
    "status",  # format 2: "confirmed" or "draft"
)
# What an import may overwrite on an activity it replaces: all but identity and bookkeeping.
ACTIVITY_EDITABLE = tuple(
    c
    for c in ACTIVITY_COLUMNS
    if c not in ("id", "uid", "version", "created_at", "updated_at", "deleted_at")
)
ROW_ID_MAX = 2**62  # any id a row of the exporting database could have


def member(section: str) -> str:
    """The member holding a list of data: ``standards`` is in ``standards.json``."""
    return f"{section}.json"


class ArchiveError(ValueError):
    """The file cannot be imported; the message is one sentence saying why. Nothing changed."""


def fail(message: str) -> NoReturn:
    raise ArchiveError(message)


@dataclass
class Archive:
    """A checked export, ready to import."""

    manifest: dict
    profile: dict
    standards: list[dict]
    tags: list[dict]
    activities: list[dict]
    history: list[dict]
    breaks: list[dict]
    attachment_files: dict[str, int] = field(default_factory=dict)  # sha256 -> size in bytes
    templates: list[dict] = field(default_factory=list)  # format 2

    @property
    def exported_at(self) -> str:
        return self.manifest["exported_at"]


def counts(sections: Mapping[str, list[dict]]) -> dict[str, int]:
    """The manifest's counts of the data lists (keyed by section: ``standards``, ``tags`` ...).

    The writer records them and the reader checks them, so both count the same way.
    """
    standards = sections["standards"]
    activities = sections["activities"]
    return {
        "standards": len(standards),
        "ksbs": sum(len(s["ksbs"]) for s in standards),
        "tags": len(sections["tags"]),
        "activities": len(activities),
        "deleted_activities": sum(1 for a in activities if a["deleted_at"]),
        "history": len(sections["history"]),
        "breaks": len(sections["breaks"]),
        "resource_links": sum(len(a["resource_links"]) for a in activities),
        "attachments": sum(len(a["attachments"]) for a in activities),
        "templates": len(sections.get("templates", [])),
    }


Renames = dict[tuple[str, str], str]  # (reference, version) in the export -> reference here


@dataclass
class ImportSummary:
    """What an import did (or, as a preview, will do)."""

    into_empty: bool = False
    standards_added: list[str] = field(default_factory=list)
    standards_present: list[str] = field(default_factory=list)
    standards_renamed: list[str] = field(default_factory=list)
    ksbs_added: int = 0
    activities_added: list[str] = field(default_factory=list)
    activities_replaced: list[str] = field(default_factory=list)
    activities_unchanged: int = 0
    activities_only_here: int = 0
    tags_added: list[str] = field(default_factory=list)
    breaks_added: int = 0
    templates_added: list[str] = field(default_factory=list)
    templates_replaced: list[str] = field(default_factory=list)
    history_entries: int = 0
    profile: str = "kept"  # "replaced", "unchanged" or "kept" (the export has no profile set)

    @property
    def changes_anything(self) -> bool:
        return bool(
            self.standards_added
            or self.ksbs_added
            or self.activities_added
            or self.activities_replaced
            or self.tags_added
            or self.breaks_added
            or self.templates_added
            or self.templates_replaced
            or self.profile == "replaced"
        )
