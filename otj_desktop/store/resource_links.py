"""Resource links of activities (table ``activity_resource_link``), written with the activity.

The activity store calls :func:`replace` inside the same transaction as the activity's own
fields, so a save stores the activity and all its links or nothing; links are part of every
history snapshot (:func:`for_activity` gives them in snapshot form).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping

from otj_desktop.domain.resource_links import ResourceLink
from otj_desktop.store.db import Transaction

_COLUMNS = ("stage", "title", "url", "source", "description")


def replace(tx: Transaction, activity_id: int, links: Iterable[ResourceLink]) -> None:
    """Make the activity's links exactly ``links``, in that order."""
    tx.execute("DELETE FROM activity_resource_link WHERE activity_id = ?", (activity_id,))
    tx.conn.executemany(
        """INSERT INTO activity_resource_link
               (activity_id, position, stage, title, url, source, description)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        [
            (activity_id, n, link.stage, link.title, link.url, link.source, link.description)
            for n, link in enumerate(links, 1)
        ],
    )


def for_activity(conn: sqlite3.Connection, activity_id: int) -> list[dict[str, str]]:
    """The activity's links in order, as plain dicts (the snapshot and export form)."""
    return [
        dict(zip(_COLUMNS, row, strict=True))
        for row in conn.execute(
            f"""SELECT {", ".join(_COLUMNS)} FROM activity_resource_link
                WHERE activity_id = ? ORDER BY position""",
            (activity_id,),
        )
    ]


def from_dicts(items: Iterable[Mapping[str, str]]) -> tuple[ResourceLink, ...]:
    """Links as stored in a snapshot or an export, back as :class:`ResourceLink`."""
    return tuple(
        ResourceLink(
            stage=str(item["stage"]),
            title=str(item["title"]),
            url=str(item["url"]),
            source=str(item.get("source", "other")),
            description=str(item.get("description", "")),
        )
        for item in items
    )
