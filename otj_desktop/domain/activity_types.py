"""The kinds of activity an apprentice can log, in one place.

Some types are logged but do not count towards OTJ hours (the funding rules leave out English
and maths up to level 2, progress reviews and on-programme assessment, induction): they have
``counts_towards_otj=False`` and every total leaves them out, because totals ask
:func:`counting_type_keys` (or :attr:`ActivityType.counts_towards_otj`). ``why_not`` says why,
for the entry checks and the form.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActivityType:
    key: str
    label: str
    counts_towards_otj: bool = True
    training: bool = False  # counts towards the seminar/training target
    why_not: str = ""  # for types that do not count: the rule, in one short sentence


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
    # Logged, but left out of every OTJ total (see docs and /work/shared/reference/otj-rules).
    ActivityType(
        "english_maths",
        "English or maths (up to level 2)",
        counts_towards_otj=False,
        why_not="English and maths up to level 2 are funded separately and are not OTJ.",
    ),
    ActivityType(
        "progress_review",
        "Progress review",
        counts_towards_otj=False,
        why_not="Progress reviews are not OTJ training.",
    ),
    ActivityType(
        "assessment",
        "Assessment or exam",
        counts_towards_otj=False,
        why_not="Initial and on-programme assessment and the end-point assessment are not OTJ.",
    ),
    ActivityType(
        "induction",
        "Induction or onboarding",
        counts_towards_otj=False,
        why_not="Induction and onboarding are not OTJ training.",
    ),
)

_BY_KEY = {t.key: t for t in ACTIVITY_TYPES}


def activity_type(key: str) -> ActivityType | None:
    """The type with this key, or None."""
    return _BY_KEY.get(key)


def type_label(key: str) -> str:
    """A type's label for display; unknown keys (from a newer release) show as themselves."""
    found = _BY_KEY.get(key)
    return found.label if found else key


def option_label(kind: ActivityType) -> str:
    """A type as the form's list shows it: non-counting types say so."""
    return kind.label if kind.counts_towards_otj else f"{kind.label} (not OTJ)"


def counts_towards_otj(key: str) -> bool:
    """Whether a type's hours count towards OTJ (unknown keys do not)."""
    found = _BY_KEY.get(key)
    return bool(found and found.counts_towards_otj)


def counting_type_keys() -> tuple[str, ...]:
    """Keys of the types whose hours count towards off-the-job training."""
    return tuple(t.key for t in ACTIVITY_TYPES if t.counts_towards_otj)
