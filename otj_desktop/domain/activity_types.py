"""The kinds of activity an apprentice can log, in one place.

Later features add types that are logged but do not count towards OTJ hours (English and
maths up to level 2, progress reviews, assessments): give them ``counts_towards_otj=False``
and every total leaves them out, because totals ask :func:`counting_type_keys`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActivityType:
    key: str
    label: str
    counts_towards_otj: bool = True
    training: bool = False  # counts towards the seminar/training target


ACTIVITY_TYPES: tuple[ActivityType, ...] = (
    ActivityType("training_course", "Training course", training=True),
    ActivityType("self_study", "Self-study"),
    ActivityType("mentoring", "Mentoring"),
    ActivityType("shadowing", "Shadowing"),
    ActivityType("workshop", "Workshop", training=True),
    ActivityType("conference", "Conference or event"),
    ActivityType("project_work", "Project work"),
    ActivityType("research", "Research"),
    ActivityType("writing", "Writing or reflection"),
    ActivityType("other", "Other"),
)

_BY_KEY = {t.key: t for t in ACTIVITY_TYPES}


def activity_type(key: str) -> ActivityType | None:
    """The type with this key, or None."""
    return _BY_KEY.get(key)


def type_label(key: str) -> str:
    """A type's label for display; unknown keys (from a newer release) show as themselves."""
    found = _BY_KEY.get(key)
    return found.label if found else key


def counting_type_keys() -> tuple[str, ...]:
    """Keys of the types whose hours count towards off-the-job training."""
    return tuple(t.key for t in ACTIVITY_TYPES if t.counts_towards_otj)
