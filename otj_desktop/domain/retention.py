"""Which backups to keep, as a pure rule the store applies after every new backup.

Kept: the newest backup of each of the last 10 days that have one, the newest of each of the
last 8 weeks (Monday to Sunday) that have one, and the last 5 "safety" copies taken just before
a restore, an import or an app update (those are what undoes a mistake, so a busy day of manual
backups must not push them out). Everything else may go.

"Days that have one" rather than calendar days: after a month away from the app, the last
10 backups are still there rather than none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

KEEP_DAILY = 10
KEEP_WEEKLY = 8
KEEP_SAFETY = 5


@dataclass(frozen=True)
class Stamped:
    """A backup as the rule sees it: its name, when it was taken (local time), what kind."""

    name: str
    taken_at: datetime
    safety: bool = False


def backups_to_keep(
    backups: Iterable[Stamped],
    *,
    daily: int = KEEP_DAILY,
    weekly: int = KEEP_WEEKLY,
    safety: int = KEEP_SAFETY,
) -> set[str]:
    """The names of the backups to keep; every other one may be deleted."""
    newest_first = sorted(backups, key=lambda b: (b.taken_at, b.name), reverse=True)
    keep: set[str] = set()
    keep |= _newest_per_period(newest_first, lambda b: b.taken_at.date(), daily)
    keep |= _newest_per_period(newest_first, lambda b: b.taken_at.isocalendar()[:2], weekly)
    keep |= {b.name for b in [b for b in newest_first if b.safety][:safety]}
    return keep


def _newest_per_period(newest_first: list[Stamped], period, count: int) -> set[str]:
    chosen: dict[object, str] = {}
    for backup in newest_first:
        key = period(backup)
        if key not in chosen:
            if len(chosen) == count:
                break
            chosen[key] = backup.name
    return set(chosen.values())
