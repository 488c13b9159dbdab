"""Checking an export's data against the app's rules and against itself: :func:`validate`.

``archive.read_archive`` hands over the parsed JSON members once the zip, the manifest and the
checksums are sound; :func:`validate` checks every record of every member, field by field, with
the same limits the app's forms apply (via :class:`~otj_desktop.store.archive_fields.Fields`),
checks that references between members hold (a profile's standard, an activity's KSBs, a
history entry's activity, an attachment's file), that ids and keys are unique, and that the
manifest's counts match. It returns a checked :class:`~otj_desktop.store.archive_format.Archive`
or raises :class:`~otj_desktop.store.archive_format.ArchiveError`; nothing here touches the
database.

The small sections (standards and KSBs, profile, tags, breaks) are checked here; activities
and history in ``archive_activities``, links and attachments in ``archive_files``, templates in
``archive_templates``.
"""

from __future__ import annotations

import re
from typing import Any

from otj_desktop.domain.targets import BREAK_REASON_MAX
from otj_desktop.standards.importer import SOURCES
from otj_desktop.store import archive_files, archive_templates
from otj_desktop.store.archive_activities import validate_activities, validate_history
from otj_desktop.store.archive_fields import Fields, is_tag_name
from otj_desktop.store.archive_format import (
    PROFILE,
    ROW_ID_MAX,
    Archive,
    counts,
    fail,
    member,
)

MAX_LIST_ITEMS = 1_000_000


def validate(manifest: dict, data: dict[str, Any]) -> Archive:
    """The checked contents of an export whose manifest lists ``data`` (member -> JSON)."""
    for name in manifest["files"]:
        if name not in data and not archive_files.member_sha(name):  # files: checked as read
            fail(f"The export is damaged: {name} is listed but missing.")
    standards = _validate_standards(_section(data, "standards"))
    known_ksbs = {(s["reference"], s["version"], k["code"]) for s in standards for k in s["ksbs"]}
    profile = _validate_profile(data[PROFILE], {(s["reference"], s["version"]) for s in standards})
    tags = _validate_tags(_section(data, "tags"))
    with_files = manifest["format_version"] >= archive_files.FORMAT_WITH_FILES
    activities = validate_activities(
        _section(data, "activities"),
        known_ksbs,
        with_files=with_files,
        with_status=manifest["format_version"] >= 2,
    )
    history = validate_history(_section(data, "history"), {a["uid"] for a in activities})
    breaks = _validate_breaks(_section(data, "breaks"))
    attached = {
        sha256: entry["bytes"]
        for name, entry in manifest["files"].items()
        if (sha256 := archive_files.member_sha(name))
    }
    archive_files.check_files(activities, history, attached)
    templates = (
        archive_templates.validate_templates(
            _section(data, "templates"), {a["uid"] for a in activities}
        )
        if member("templates") in data
        else []
    )
    archive = Archive(
        manifest,
        profile,
        standards,
        tags,
        activities,
        history,
        breaks,
        attachment_files=attached,
        templates=templates,
    )
    found = counts(
        {
            "standards": standards,
            "tags": tags,
            "activities": activities,
            "history": history,
            "breaks": breaks,
            "templates": templates,
        }
    )
    found["attachment_files"] = len(attached)
    for key, value in manifest["counts"].items():
        if key in found and found[key] != value:
            fail(f"The export is damaged: it should hold {value} {key} but holds {found[key]}.")
    return archive


def _section(data: dict[str, Any], key: str) -> list:
    """The list a member holds: ``standards.json`` holds ``{"standards": [...]}``."""
    name = member(key)
    value = data[name]
    if not isinstance(value, dict) or not isinstance(value.get(key), list):
        fail(f"The export is damaged: {name} should hold a list called “{key}”.")
    if len(value[key]) > MAX_LIST_ITEMS:
        fail(f"The export is damaged: {name} holds too many items.")
    return value[key]


def _validate_standards(items: list) -> list[dict]:
    out, seen, ksb_ids = [], set(), set()
    for i, item in enumerate(items, 1):
        f = Fields(item, f"standards.json, standard {i}")
        s = {
            "id": f.integer("id", 1, ROW_ID_MAX),
            "reference": f.text("reference", max_len=50, allow_empty=False),
            "title": f.text("title", max_len=300, allow_empty=False),
            "level": f.integer("level", 1, 8, nullable=True),
            "version": f.text("version", max_len=20, allow_empty=False),
            "typical_duration_months": f.integer("typical_duration_months", 1, 240, nullable=True),
            "minimum_hours": f.number("minimum_hours", 0, 100_000),
            "source": f.choice("source", SOURCES),
            "source_note": f.text("source_note", max_len=2000, nullable=True),
            "created_at": f.timestamp("created_at"),
            "updated_at": f.timestamp("updated_at"),
        }
        key = (s["reference"], s["version"])
        if key in seen or s["id"] in {o["id"] for o in out}:
            f.fail("reference", "appears twice")
        seen.add(key)
        s["ksbs"] = _validate_ksbs(f.items("ksbs", 2000), f.where, ksb_ids)
        out.append(s)
    return out


def _validate_ksbs(items: list, where: str, ids: set[int]) -> list[dict]:
    """A standard's KSBs; ``ids`` collects KSB ids across all standards (they must differ)."""
    out, codes = [], set()
    prefixes = {"knowledge": "K", "skill": "S", "behaviour": "B"}
    for i, item in enumerate(items, 1):
        f = Fields(item, f"{where}, KSB {i}")
        category = f.choice("category", prefixes)
        k = {
            "id": f.integer("id", 1, ROW_ID_MAX),
            "category": category,
            "code": f.text("code", max_len=10, allow_empty=False),
            "position": f.integer("position", 1, 10_000),
            "title": f.text("title", max_len=300, nullable=True),
            "statement": f.text("statement", max_len=5000, allow_empty=False),
            "official_id": f.text("official_id", max_len=100, nullable=True),
        }
        if not re.fullmatch(rf"{prefixes[category]}\d{{1,4}}", k["code"]) or k["code"] in codes:
            f.fail("code", "is not a code like K1 for its category, or appears twice")
        if k["id"] in ids:
            f.fail("id", "appears twice")
        codes.add(k["code"])
        ids.add(k["id"])
        out.append(k)
    return out


def _validate_profile(item: Any, standards: set[tuple[str, str]]) -> dict:
    f = Fields(item, PROFILE)
    standard = f.raw("standard")
    if standard is not None:
        ref = Fields(standard, "profile.json, standard")
        key = (ref.text("reference", max_len=50), ref.text("version", max_len=20))
        if key not in standards:
            f.fail("standard", "names a standard that is not in the export")
        standard = {"reference": key[0], "version": key[1]}
    return {
        "name": f.text("name", max_len=200, line=True),
        "standard": standard,
        "start_date": f.date("start_date", nullable=True),
        "practical_end_date": f.date("practical_end_date", nullable=True),
        "weekly_contracted_hours": f.number("weekly_contracted_hours", 0, 168),
        "working_days_per_week": f.number("working_days_per_week", 0, 7),
        "planned_otj_hours": f.number("planned_otj_hours", 0, 100_000),
        "rpl_hours": f.number("rpl_hours", 0, 100_000) or 0.0,
        "weekly_target_hours": f.number("weekly_target_hours", 0, 168),
        "training_target_hours": f.number("training_target_hours", 0, 100_000),
        "plan_minimum_hours": f.number("plan_minimum_hours", 0, 100_000),
        "updated_at": f.timestamp("updated_at"),
    }


def _validate_breaks(items: list) -> list[dict]:
    out, ids = [], set()
    for i, item in enumerate(items, 1):
        f = Fields(item, f"breaks.json, break {i}")
        entry = {
            "id": f.integer("id", 1, ROW_ID_MAX),
            "start_date": f.date("start_date"),
            "end_date": f.date("end_date"),
            "reason": f.text("reason", max_len=BREAK_REASON_MAX, line=True),
            "created_at": f.timestamp("created_at"),
        }
        if entry["end_date"] < entry["start_date"]:
            f.fail("end_date", "is before its start")
        if entry["id"] in ids:
            f.fail("id", "appears twice")
        ids.add(entry["id"])
        out.append(entry)
    return out


def _validate_tags(items: list) -> list[dict]:
    out, names, ids = [], set(), set()
    for i, item in enumerate(items, 1):
        f = Fields(item, f"tags.json, tag {i}")
        tag = {"id": f.integer("id", 1, ROW_ID_MAX), "name": f.raw("name")}
        if not is_tag_name(tag["name"]):
            f.fail("name", "is not a tag name the app could have made")
        if tag["name"].casefold() in names or tag["id"] in ids:
            f.fail("name", "appears twice")
        names.add(tag["name"].casefold())
        ids.add(tag["id"])
        out.append(tag)
    return out
