"""The running totals behind the dashboard stay equal to the real rows, whatever is written.

Migration 0002's triggers (recreated by 0005) keep per-day, per-KSB (and per KSB and evidence
quality) and per-tag totals of live confirmed activities: drafts count once confirmed. These
tests run random sequences of every kind of write (through the store and as raw SQL, the way
an import or a later feature might) and compare the totals with a fresh count after each one.
"""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otj_desktop.domain.activities import ActivityInput
from otj_desktop.store import activities as activity_store
from otj_desktop.store import tags as tag_store
from otj_desktop.store import totals
from otj_desktop.store.db import Database
from otj_desktop.store.migrate import migrate

TYPES = ("self_study", "workshop", "training_course", "mentoring", "progress_review")
QUALITIES = ("draft", "good", "review_ready")
TAGS = ("agile", "Safety", "reading")
FIXTURE_V1 = Path(__file__).with_name("fixtures") / "schema_v1.sql"


def fresh_db(folder: str) -> tuple[Database, list[int]]:
    db = Database(Path(folder) / "t.sqlite3")
    migrate(db)
    with db.transaction() as tx:
        tx.execute(
            """INSERT INTO standard (id, reference, title, version, source, created_at,
               updated_at) VALUES (1, 'ST1', 'T', '1.0', 'manual', 'x', 'x')"""
        )
        for i, code in enumerate(("K1", "K2", "S1", "B1"), start=1):
            tx.execute(
                """INSERT INTO ksb (id, standard_id, category, code, position, statement)
                   VALUES (?, 1, ?, ?, ?, 'statement')""",
                (i, {"K": "knowledge", "S": "skill", "B": "behaviour"}[code[0]], code, i),
            )
    return db, [1, 2, 3, 4]


activity_fields = st.tuples(
    st.integers(0, 20),  # day offset
    st.sampled_from([15, 60, 90, 240]),
    st.sampled_from(TYPES),
    st.sets(st.integers(0, 3), max_size=3),  # KSB positions
    st.sets(st.sampled_from(TAGS), max_size=2),
    st.sampled_from(QUALITIES),
)
operation = st.one_of(
    st.tuples(st.just("create"), activity_fields),
    st.tuples(st.just("create_draft"), activity_fields),
    st.tuples(st.just("confirm"), st.integers(0, 50)),
    st.tuples(st.just("set_status"), st.integers(0, 50), st.sampled_from(["draft", "confirmed"])),
    st.tuples(st.just("update"), st.integers(0, 50), activity_fields),
    st.tuples(st.just("soft_delete"), st.integers(0, 50)),
    st.tuples(st.just("restore"), st.integers(0, 50)),
    st.tuples(st.just("purge"), st.integers(0, 50)),
    st.tuples(st.just("unlink_ksb"), st.integers(0, 50)),
    st.tuples(st.just("delete_ksb"), st.integers(0, 3)),
    st.tuples(st.just("rename_tag"), st.sampled_from(TAGS), st.sampled_from([*TAGS, "new"])),
    st.tuples(st.just("delete_tag"), st.sampled_from(TAGS)),
)


def make_input(fields, ksbs: list[int]) -> ActivityInput:
    offset, minutes, kind, positions, tags, quality = fields
    return ActivityInput(
        evidence_quality=quality,
        title="t",
        activity_date=date(2026, 1, 1) + timedelta(days=offset),
        duration_minutes=minutes,
        activity_type=kind,
        ksb_ids=tuple(ksbs[p] for p in sorted(positions) if p < len(ksbs)),
        tags=tuple(sorted(tags)),
    )


def pick(conn: sqlite3.Connection, sql: str, index: int) -> int | None:
    ids = [r[0] for r in conn.execute(sql)]
    return ids[index % len(ids)] if ids else None


def apply(db: Database, ksbs: list[int], op: tuple) -> None:
    kind = op[0]
    with db.transaction() as tx:
        conn = tx.conn
        live = "SELECT id FROM activity WHERE deleted_at IS NULL ORDER BY id"
        drafts = "SELECT id FROM activity WHERE deleted_at IS NULL AND status = 'draft' ORDER BY id"
        if kind == "create":
            activity_store.create(tx, make_input(op[1], ksbs))
        elif kind == "create_draft":
            activity_store.create(tx, make_input(op[1], ksbs), status="draft")
        elif kind == "confirm" and (target := pick(conn, drafts, op[1])):
            version = activity_store.get(conn, target).version
            activity_store.confirm(tx, target, expected_version=version)
        elif kind == "set_status" and (target := pick(conn, "SELECT id FROM activity", op[1])):
            tx.execute("UPDATE activity SET status = ? WHERE id = ?", (op[2], target))
        elif kind == "update" and (target := pick(conn, live, op[1])):
            version = activity_store.get(conn, target).version
            activity_store.update(tx, target, make_input(op[2], ksbs), expected_version=version)
        elif kind == "soft_delete" and (target := pick(conn, live, op[1])):
            activity_store.soft_delete(tx, target)
        elif kind == "restore" and (
            target := pick(conn, "SELECT id FROM activity WHERE deleted_at IS NOT NULL", op[1])
        ):
            tx.execute("UPDATE activity SET deleted_at = NULL WHERE id = ?", (target,))
        elif kind == "purge" and (target := pick(conn, "SELECT id FROM activity", op[1])):
            tx.execute("DELETE FROM activity WHERE id = ?", (target,))
        elif kind == "unlink_ksb" and (
            target := pick(conn, "SELECT activity_id FROM activity_ksb", op[1])
        ):
            tx.execute(
                """DELETE FROM activity_ksb WHERE activity_id = ? AND ksb_id =
                   (SELECT min(ksb_id) FROM activity_ksb WHERE activity_id = ?)""",
                (target, target),
            )
        elif kind == "delete_ksb" and op[1] < len(ksbs):
            tx.execute("DELETE FROM ksb WHERE id = ?", (ksbs.pop(op[1]),))
        elif kind == "rename_tag" and (tag := tag_store.find(conn, op[1])):
            tag_store.rename(tx, tag.id, op[2])
        elif kind == "delete_tag" and (tag := tag_store.find(conn, op[1])):
            tag_store.delete(tx, tag.id)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(operation, min_size=1, max_size=25))
def test_totals_match_the_real_rows_after_any_sequence_of_writes(operations):
    with tempfile.TemporaryDirectory() as folder:
        db, ksbs = fresh_db(folder)
        for op in operations:
            apply(db, ksbs, op)
            with db.connection() as conn:
                assert totals.differences(conn) == {}, op


def test_migration_fills_the_totals_and_search_index_from_existing_rows(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(FIXTURE_V1.read_text(encoding="utf-8"))
    conn.close()
    db = Database(path)
    migrate(db, backup_dir=tmp_path / "backups")
    with db.connection() as conn:
        assert totals.differences(conn) == {}
        day_totals = conn.execute("SELECT * FROM activity_day_total ORDER BY 1").fetchall()
        assert [tuple(r) for r in day_totals] == [
            ("2026-01-12", "training_course", 1, 210),
            ("2026-01-13", "self_study", 1, 45),  # the deleted entry of 14 Jan is left out
        ]
        found = conn.execute(
            "SELECT rowid FROM activity_fts WHERE activity_fts MATCH 'tolerances'"
        ).fetchall()
        assert [r[0] for r in found] == [2]


def test_rebuild_repairs_totals_that_were_damaged(tmp_path):
    db, ksbs = fresh_db(str(tmp_path))
    apply(db, ksbs, ("create", (1, 60, "workshop", {0, 1}, {"agile"}, "good")))
    with db.connection() as conn:
        conn.execute("UPDATE ksb_total SET minutes = 999")
        conn.execute("DELETE FROM tag_total")
        assert set(totals.differences(conn)) == {"ksb_total", "tag_total"}
    with db.transaction() as tx:
        totals.rebuild(tx)
    with db.connection() as conn:
        assert totals.differences(conn) == {}


def test_a_draft_is_in_no_total_until_confirmed(tmp_path):
    db, ksbs = fresh_db(str(tmp_path))
    fields = (1, 90, "workshop", {0, 2}, {"agile", "new tag"}, "good")
    with db.transaction() as tx:
        draft = activity_store.create(tx, make_input(fields, ksbs), status="draft")
    tables = ("activity_type_total", "activity_day_total", "ksb_total", "ksb_quality_total")

    def counted() -> dict[str, int]:
        with db.connection() as conn:
            found = {
                t: conn.execute(f"SELECT coalesce(sum(activity_count), 0) FROM {t}").fetchone()[0]
                for t in tables
            }
            found["tag_total"] = conn.execute(
                "SELECT coalesce(sum(activity_count), 0) FROM tag_total"
            ).fetchone()[0]
            assert totals.differences(conn) == {}
        return found

    assert set(counted().values()) == {0}
    with db.transaction() as tx:
        activity_store.confirm(tx, draft, expected_version=1)
    assert counted() == {
        "activity_type_total": 1,
        "activity_day_total": 1,
        "ksb_total": 2,
        "ksb_quality_total": 2,
        "tag_total": 2,  # the draft's tags had no total rows yet: confirming adds them
    }
