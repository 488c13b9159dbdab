"""The apprentice's preferences that the pages show: appearance, and dismissed reminders.

Kept in the ``setting`` table (:mod:`otj_desktop.store.settings`) so they survive restarts,
and, unlike the window positions kept there, announced when they change: every open window
switches theme (``appearance_changed``) or hides a dismissed reminder (``reminder_dismissed``)
at once.
"""

from __future__ import annotations

import sqlite3

from otj_desktop.store import settings
from otj_desktop.store.db import Transaction

APPEARANCE_KEY = "appearance"
THEMES = {"system": "Match the system", "light": "Light", "dark": "Dark"}
DISMISSED_KEY = "reminders_dismissed"
REMINDER_KINDS = ("week", "month")


def theme(conn: sqlite3.Connection) -> str:
    """``system``, ``light`` or ``dark`` (``system`` when unset or unreadable)."""
    value = settings.get(conn, APPEARANCE_KEY, "system")
    return value if value in THEMES else "system"


def set_theme(tx: Transaction, value: str) -> None:
    if value not in THEMES:
        raise ValueError(value)
    settings.put(tx, APPEARANCE_KEY, value)
    tx.announce("appearance_changed", theme=value, summary="")


def dismissed(conn: sqlite3.Connection) -> dict[str, str]:
    """The period each kind of reminder was last dismissed for (``{"week": "2026-W48"}``)."""
    value = settings.get(conn, DISMISSED_KEY, {})
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if k in REMINDER_KINDS and isinstance(v, str)}


def dismiss(tx: Transaction, kind: str, period: str) -> None:
    if kind not in REMINDER_KINDS:
        raise ValueError(kind)
    settings.put(tx, DISMISSED_KEY, {**dismissed(tx.conn), kind: period})
    tx.announce("reminder_dismissed", reminder=kind, period=period, summary="")
