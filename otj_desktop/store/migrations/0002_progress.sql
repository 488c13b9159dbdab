-- Schema version 2: progress. Targets and breaks in learning, full-text search over activities,
-- running totals for the dashboard, and indexes for the activity list's filters.
--
-- Why running totals: the dashboard must stay fast with 50,000 activities (and up to 150,000
-- KSB and tag links). Summing over every activity and link on each page view costs 100+ ms at
-- that size; the totals below hold the same sums per type, per day, per KSB and per tag, so a
-- dashboard reads a few hundred small rows at most. Triggers keep them right for every write, whoever
-- makes it (the app, an import, a restore of a single row). They count live activities only
-- (deleted_at IS NULL). Do not write to activity, activity_ksb or activity_tag with
-- INSERT OR REPLACE: SQLite runs no delete triggers for the rows REPLACE removes.
-- store/totals.py can rebuild and check every total.

-- Targets ---------------------------------------------------------------------------------------

-- Hours the apprentice aims to spend on training courses and workshops.
ALTER TABLE profile ADD COLUMN training_target_hours REAL;
-- The minimum OTJ hours as the training plan states them, when that differs from the standard's
-- published figure (transitional minimums for Aug-Dec 2025 starts) or the standard has none.
ALTER TABLE profile ADD COLUMN plan_minimum_hours REAL;

-- Breaks in learning: dated periods off programme (both days inclusive). They move the planned
-- end of the practical period later and are left out of the pace.
CREATE TABLE learning_break (
    id          INTEGER PRIMARY KEY,
    start_date  TEXT NOT NULL,
    end_date    TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    CHECK (end_date >= start_date)
);
CREATE INDEX learning_break_by_start ON learning_break (start_date, end_date);

-- Full-text search over title, description and notes ------------------------------------------

-- External content: the text lives once, in activity; the index holds only the tokens. The
-- source is a view that adds a "state" column (live or deleted), indexed as a token, so that
-- "how many live activities match" is answered inside the index, without reading any rows.
-- User searches are limited to the three text columns (see store/activity_search.py).
-- remove_diacritics lets "cafe" find "café"; prefix indexes make short prefixes quick.
CREATE VIEW activity_search_source AS
SELECT id, title, description, notes,
       CASE WHEN deleted_at IS NULL THEN 'live' ELSE 'deleted' END AS state
FROM activity;

CREATE VIRTUAL TABLE activity_fts USING fts5 (
    title, description, notes, state,
    content = 'activity_search_source', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

CREATE TRIGGER activity_fts_after_insert AFTER INSERT ON activity BEGIN
    INSERT INTO activity_fts (rowid, title, description, notes, state)
    VALUES (new.id, new.title, new.description, new.notes,
            CASE WHEN new.deleted_at IS NULL THEN 'live' ELSE 'deleted' END);
END;

CREATE TRIGGER activity_fts_after_delete AFTER DELETE ON activity BEGIN
    INSERT INTO activity_fts (activity_fts, rowid, title, description, notes, state)
    VALUES ('delete', old.id, old.title, old.description, old.notes,
            CASE WHEN old.deleted_at IS NULL THEN 'live' ELSE 'deleted' END);
END;

-- Only when the indexed values change: a version bump alone leaves the index alone.
CREATE TRIGGER activity_fts_after_update
AFTER UPDATE OF title, description, notes, deleted_at ON activity BEGIN
    INSERT INTO activity_fts (activity_fts, rowid, title, description, notes, state)
    VALUES ('delete', old.id, old.title, old.description, old.notes,
            CASE WHEN old.deleted_at IS NULL THEN 'live' ELSE 'deleted' END);
    INSERT INTO activity_fts (rowid, title, description, notes, state)
    VALUES (new.id, new.title, new.description, new.notes,
            CASE WHEN new.deleted_at IS NULL THEN 'live' ELSE 'deleted' END);
END;

-- Every existing activity (deleted ones too, marked so: a restore brings them back).
INSERT INTO activity_fts (activity_fts) VALUES ('rebuild');

-- Running totals ------------------------------------------------------------------------------

-- Live activities and their minutes per day and type: totals, this week, weekly chart, by type.
CREATE TABLE activity_day_total (
    activity_date   TEXT NOT NULL,
    activity_type   TEXT NOT NULL,
    activity_count  INTEGER NOT NULL,
    minutes         INTEGER NOT NULL,
    PRIMARY KEY (activity_date, activity_type)
) WITHOUT ROWID;

-- Live activities and their minutes per type, all time: the totals and the by-type chart.
CREATE TABLE activity_type_total (
    activity_type   TEXT PRIMARY KEY,
    activity_count  INTEGER NOT NULL,
    minutes         INTEGER NOT NULL
) WITHOUT ROWID;

-- Live activities linked to each KSB, per activity type (so hours can leave out types that do
-- not count towards OTJ while the evidence count keeps them).
CREATE TABLE ksb_total (
    ksb_id          INTEGER NOT NULL,
    activity_type   TEXT NOT NULL,
    activity_count  INTEGER NOT NULL,
    minutes         INTEGER NOT NULL,
    PRIMARY KEY (ksb_id, activity_type)
) WITHOUT ROWID;

-- Live activities with each tag.
CREATE TABLE tag_total (
    tag_id          INTEGER PRIMARY KEY,
    activity_count  INTEGER NOT NULL
);

INSERT INTO activity_day_total (activity_date, activity_type, activity_count, minutes)
SELECT activity_date, activity_type, count(*), sum(duration_minutes)
FROM activity WHERE deleted_at IS NULL GROUP BY activity_date, activity_type;

INSERT INTO activity_type_total (activity_type, activity_count, minutes)
SELECT activity_type, count(*), sum(duration_minutes)
FROM activity WHERE deleted_at IS NULL GROUP BY activity_type;

INSERT INTO ksb_total (ksb_id, activity_type, activity_count, minutes)
SELECT ak.ksb_id, a.activity_type, count(*), sum(a.duration_minutes)
FROM activity_ksb ak JOIN activity a ON a.id = ak.activity_id
WHERE a.deleted_at IS NULL GROUP BY ak.ksb_id, a.activity_type;

INSERT INTO tag_total (tag_id, activity_count)
SELECT at.tag_id, count(*)
FROM activity_tag at JOIN activity a ON a.id = at.activity_id
WHERE a.deleted_at IS NULL GROUP BY at.tag_id;

-- activity: a new live row counts on its day (its links count as they are inserted).
CREATE TRIGGER activity_totals_after_insert AFTER INSERT ON activity
WHEN new.deleted_at IS NULL BEGIN
    INSERT INTO activity_day_total (activity_date, activity_type, activity_count, minutes)
    VALUES (new.activity_date, new.activity_type, 1, new.duration_minutes)
    ON CONFLICT (activity_date, activity_type) DO UPDATE
    SET activity_count = activity_count + 1, minutes = minutes + excluded.minutes;
    INSERT INTO activity_type_total (activity_type, activity_count, minutes)
    VALUES (new.activity_type, 1, new.duration_minutes)
    ON CONFLICT (activity_type) DO UPDATE
    SET activity_count = activity_count + 1, minutes = minutes + excluded.minutes;
END;

-- activity: a change of day, type, duration or live state takes the old values out of every
-- total and puts the new ones in (soft delete and restore are such changes).
CREATE TRIGGER activity_totals_after_update
AFTER UPDATE OF activity_date, activity_type, duration_minutes, deleted_at ON activity BEGIN
    UPDATE activity_day_total
    SET activity_count = activity_count - 1, minutes = minutes - old.duration_minutes
    WHERE old.deleted_at IS NULL
      AND activity_date = old.activity_date AND activity_type = old.activity_type;
    DELETE FROM activity_day_total
    WHERE activity_date = old.activity_date AND activity_type = old.activity_type
      AND activity_count = 0;
    INSERT INTO activity_day_total (activity_date, activity_type, activity_count, minutes)
    SELECT new.activity_date, new.activity_type, 1, new.duration_minutes
    WHERE new.deleted_at IS NULL
    ON CONFLICT (activity_date, activity_type) DO UPDATE
    SET activity_count = activity_count + 1, minutes = minutes + excluded.minutes;

    UPDATE activity_type_total
    SET activity_count = activity_count - 1, minutes = minutes - old.duration_minutes
    WHERE old.deleted_at IS NULL AND activity_type = old.activity_type;
    INSERT INTO activity_type_total (activity_type, activity_count, minutes)
    SELECT new.activity_type, 1, new.duration_minutes WHERE new.deleted_at IS NULL
    ON CONFLICT (activity_type) DO UPDATE
    SET activity_count = activity_count + 1, minutes = minutes + excluded.minutes;

    UPDATE ksb_total
    SET activity_count = activity_count - 1, minutes = minutes - old.duration_minutes
    WHERE old.deleted_at IS NULL AND activity_type = old.activity_type
      AND ksb_id IN (SELECT ksb_id FROM activity_ksb WHERE activity_id = old.id);
    INSERT INTO ksb_total (ksb_id, activity_type, activity_count, minutes)
    SELECT ksb_id, new.activity_type, 1, new.duration_minutes
    FROM activity_ksb WHERE activity_id = new.id AND new.deleted_at IS NULL
    ON CONFLICT (ksb_id, activity_type) DO UPDATE
    SET activity_count = activity_count + 1, minutes = minutes + excluded.minutes;

    UPDATE tag_total
    SET activity_count = activity_count
        + (new.deleted_at IS NULL) - (old.deleted_at IS NULL)
    WHERE (new.deleted_at IS NULL) <> (old.deleted_at IS NULL)
      AND tag_id IN (SELECT tag_id FROM activity_tag WHERE activity_id = new.id);
END;

-- activity: a hard delete first unlinks the row while it still exists, so the link triggers
-- below take it out of the KSB and tag totals (whatever order SQLite runs the cascade in).
CREATE TRIGGER activity_totals_before_delete BEFORE DELETE ON activity BEGIN
    DELETE FROM activity_ksb WHERE activity_id = old.id;
    DELETE FROM activity_tag WHERE activity_id = old.id;
    UPDATE activity_day_total
    SET activity_count = activity_count - 1, minutes = minutes - old.duration_minutes
    WHERE old.deleted_at IS NULL
      AND activity_date = old.activity_date AND activity_type = old.activity_type;
    DELETE FROM activity_day_total
    WHERE activity_date = old.activity_date AND activity_type = old.activity_type
      AND activity_count = 0;
    UPDATE activity_type_total
    SET activity_count = activity_count - 1, minutes = minutes - old.duration_minutes
    WHERE old.deleted_at IS NULL AND activity_type = old.activity_type;
END;

-- activity_ksb: a link counts while its activity is live.
CREATE TRIGGER activity_ksb_totals_after_insert AFTER INSERT ON activity_ksb BEGIN
    INSERT INTO ksb_total (ksb_id, activity_type, activity_count, minutes)
    SELECT new.ksb_id, a.activity_type, 1, a.duration_minutes
    FROM activity a WHERE a.id = new.activity_id AND a.deleted_at IS NULL
    ON CONFLICT (ksb_id, activity_type) DO UPDATE
    SET activity_count = activity_count + 1, minutes = minutes + excluded.minutes;
END;

CREATE TRIGGER activity_ksb_totals_after_delete AFTER DELETE ON activity_ksb BEGIN
    UPDATE ksb_total
    SET activity_count = activity_count - 1,
        minutes = minutes - (SELECT duration_minutes FROM activity WHERE id = old.activity_id)
    WHERE ksb_id = old.ksb_id
      AND activity_type = (
          SELECT activity_type FROM activity WHERE id = old.activity_id AND deleted_at IS NULL);
END;

CREATE TRIGGER activity_ksb_totals_after_update AFTER UPDATE ON activity_ksb BEGIN
    UPDATE ksb_total
    SET activity_count = activity_count - 1,
        minutes = minutes - (SELECT duration_minutes FROM activity WHERE id = old.activity_id)
    WHERE ksb_id = old.ksb_id
      AND activity_type = (
          SELECT activity_type FROM activity WHERE id = old.activity_id AND deleted_at IS NULL);
    INSERT INTO ksb_total (ksb_id, activity_type, activity_count, minutes)
    SELECT new.ksb_id, a.activity_type, 1, a.duration_minutes
    FROM activity a WHERE a.id = new.activity_id AND a.deleted_at IS NULL
    ON CONFLICT (ksb_id, activity_type) DO UPDATE
    SET activity_count = activity_count + 1, minutes = minutes + excluded.minutes;
END;

CREATE TRIGGER ksb_totals_after_delete AFTER DELETE ON ksb BEGIN
    DELETE FROM ksb_total WHERE ksb_id = old.id;
END;

-- activity_tag: the same for tags.
CREATE TRIGGER activity_tag_totals_after_insert AFTER INSERT ON activity_tag BEGIN
    INSERT INTO tag_total (tag_id, activity_count)
    SELECT new.tag_id, 1 FROM activity a WHERE a.id = new.activity_id AND a.deleted_at IS NULL
    ON CONFLICT (tag_id) DO UPDATE SET activity_count = activity_count + 1;
END;

CREATE TRIGGER activity_tag_totals_after_delete AFTER DELETE ON activity_tag BEGIN
    UPDATE tag_total SET activity_count = activity_count - 1
    WHERE tag_id = old.tag_id
      AND EXISTS (SELECT 1 FROM activity WHERE id = old.activity_id AND deleted_at IS NULL);
END;

CREATE TRIGGER activity_tag_totals_after_update AFTER UPDATE ON activity_tag BEGIN
    UPDATE tag_total SET activity_count = activity_count - 1
    WHERE tag_id = old.tag_id
      AND EXISTS (SELECT 1 FROM activity WHERE id = old.activity_id AND deleted_at IS NULL);
    INSERT INTO tag_total (tag_id, activity_count)
    SELECT new.tag_id, 1 FROM activity a WHERE a.id = new.activity_id AND a.deleted_at IS NULL
    ON CONFLICT (tag_id) DO UPDATE SET activity_count = activity_count + 1;
END;

CREATE TRIGGER tag_totals_after_delete AFTER DELETE ON tag BEGIN
    DELETE FROM tag_total WHERE tag_id = old.id;
END;

-- Indexes for the activity list's filters (KSB and tag filters use the link tables' indexes).
CREATE INDEX activity_live_by_type
    ON activity (activity_type, activity_date DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX activity_live_by_quality
    ON activity (evidence_quality, activity_date DESC, id DESC) WHERE deleted_at IS NULL;
