"""Carrying KSB links over to a newer version of the same standard.

A link moves to the new version's KSB with the same official id; failing that, to the KSB with
the same category and code (K3 -> K3); failing both it stays where it is and is reported, so the
apprentice can re-link it by hand. Nothing is ever dropped silently.

Matching by code is only trusted when one side has no official id (a hand-made or catalogue
standard). When both sides have official ids and they differ, the two statements are different
KSBs that happen to share a number after a renumbering, so the link is reported instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class KsbKey:
    id: int
    category: str
    code: str
    official_id: str | None


@dataclass(frozen=True)
class KsbMapping:
    by_official_id: dict[int, int]  # old KSB id -> new KSB id
    by_code: dict[int, int]
    unmapped: tuple[KsbKey, ...]

    @property
    def moves(self) -> dict[int, int]:
        """Every old KSB id that has a new home, and that home."""
        return {**self.by_code, **self.by_official_id}


def map_ksbs(old: Iterable[KsbKey], new: Iterable[KsbKey]) -> KsbMapping:
    """Match each old KSB to a new one: by official id first, then by category and code."""
    old = list(old)
    new = list(new)
    new_by_official = {k.official_id: k for k in new if k.official_id}
    new_by_code = {(k.category, k.code): k for k in new}

    by_official: dict[int, int] = {}
    for key in old:
        match = new_by_official.get(key.official_id) if key.official_id else None
        if match is not None:
            by_official[key.id] = match.id
    claimed = set(by_official.values())

    by_code: dict[int, int] = {}
    unmapped = []
    for key in old:
        if key.id in by_official:
            continue
        candidate = new_by_code.get((key.category, key.code))
        if (
            candidate is not None
            and candidate.id not in claimed
            and not (key.official_id and candidate.official_id)
        ):
            by_code[key.id] = candidate.id
        else:
            unmapped.append(key)
    return KsbMapping(by_official, by_code, tuple(unmapped))
