-- Schema version 5: planning. Draft activities, templates (and recurring drafts made from
-- them), and evidence quality per KSB in the running totals.
--
-- A draft is an activity the apprentice has not confirmed yet (recurring templates make them).
-- Its status is separate from its evidence quality. Drafts are shown for review but left out of
-- every total until confirmed, so the running totals of migration 0002 now count an activity
-- only while it is live AND confirmed; every totals trigger is recreated below with that rule,
-- and the text-search index marks drafts with their own state so the list's counts leave them
-- out too. store/totals.py EXPECTED says the same thing in plain SQL.

-- Drafts --------------------------------------------------------------------------------------

ALTER TABLE activity ADD COLUMN status TEXT NOT NULL DEFAULT 'confirmed'
    CHECK (status IN ('confirmed', 'draft'));

-- The drafts to review, newest first (a handful at most: read without touching the rest).
CREATE INDEX activity_drafts
    ON activity (activity_date DESC, id DESC) WHERE deleted_at IS NULL AND status = 'draft';

-- Templates -------------------------------------------------------------------------------------

-- An activity's structure saved under a name, to fill in the new-activity form. KSBs are named
-- by standard reference, version and code (JSON, as in history snapshots), never by id, so a
-- template outlives a KSB being removed or the apprentice moving to a new version of their
-- standard: applying it links what still exists and says what it left out. Tags are names.
-- A template with a weekday is recurring: while active, it makes one draft activity on that
-- weekday from start_date on (see store/drafts.py); last_due_date is the latest due date a
-- draft was made for.
CREATE TABLE activity_template (
    id                INTEGER PRIMARY KEY,
    uid               TEXT NOT NULL UNIQUE,             -- names it in an export
    name              TEXT NOT NULL UNIQUE COLLATE NOCASE,
    title             TEXT NOT NULL,
    activity_type     TEXT NOT NULL,
    duration_minutes  INTEGER NOT NULL CHECK (duration_minutes BETWEEN 15 AND 1440),
    delivered_by      TEXT NOT NULL DEFAULT '',
    location          TEXT NOT NULL DEFAULT '',
    evidence_quality  TEXT NOT NULL DEFAULT 'draft'
                      CHECK (evidence_quality IN ('draft', 'good', 'review_ready')),
    ksbs              TEXT NOT NULL DEFAULT '[]',        -- JSON [{standard, version, code}]
    tags              TEXT NOT NULL DEFAULT '[]',        -- JSON ["name", ...]
    weekday           INTEGER CHECK (weekday BETWEEN 0 AND 6),   -- 0 = Monday; NULL: not recurring
    active            INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
    start_date        TEXT,                              -- first day a draft may be due
    last_due_date     TEXT,                              -- the latest due date drafted
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    CHECK (weekday IS NULL OR start_date IS NOT NULL)
);

-- One row per due date a recurring template has made a draft for: the primary key makes a second
-- draft for the same template and date impossible, whatever the scheduling code does. The row
-- stays when the draft is deleted, so a deleted draft is not made again.
CREATE TABLE template_draft (
    template_id  INTEGER NOT NULL REFERENCES activity_template (id) ON DELETE CASCADE,
    due_date     TEXT NOT NULL,
    activity_id  INTEGER REFERENCES activity (id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (template_id, due_date)
) WITHOUT ROWID;
CREATE INDEX template_draft_by_activity ON template_draft (activity_id);

-- Text search: drafts get their own state ---------------------------------------------------------

DROP TRIGGER activity_fts_after_insert;
DROP TRIGGER activity_fts_after_delete;
DROP TRIGGER activity_fts_after_update;
DROP VIEW activity_search_source;

CREATE VIEW activity_search_source AS
SELECT id, title, description, notes,
       CASE WHEN deleted_at IS NOT NULL THEN 'deleted'
            WHEN status = 'draft' THEN 'draft' ELSE 'live' END AS state
FROM activity;

CREATE TRIGGER activity_fts_after_insert AFTER INSERT ON activity BEGIN
    INSERT INTO activity_fts (rowid, title, description, notes, state)
    VALUES (new.id, new.title, new.description, new.notes,
            CASE WHEN new.deleted_at IS NOT NULL THEN 'deleted'
                 WHEN new.status = 'draft' THEN 'draft' ELSE 'live' END);
END;

CREATE TRIGGER activity_fts_after_delete AFTER DELETE ON activity BEGIN
    INSERT INTO activity_fts (activity_fts, rowid, title, description, notes, state)
    VALUES ('delete', old.id, old.title, old.description, old.notes,
            CASE WHEN old.deleted_at IS NOT NULL THEN 'deleted'
                 WHEN old.status = 'draft' THEN 'draft' ELSE 'live' END);
END;

CREATE TRIGGER activity_fts_after_update
AFTER UPDATE OF title, description, notes, deleted_at, status ON activity BEGIN
    INSERT INTO activity_fts (activity_fts, rowid, title, description, notes, state)
    VALUES ('delete', old.id, old.title, old.description, old.notes,
            CASE WHEN old.deleted_at IS NOT NULL THEN 'deleted'
                 WHEN old.status = 'draft' THEN 'draft' ELSE 'live' END);
    INSERT INTO activity_fts (rowid, title, description, notes, state)
    VALUES (new.id, new.title, new.description, new.notes,
            CASE WHEN new.deleted_at IS NOT NULL THEN 'deleted'
                 WHEN new.status = 'draft' THEN 'draft' ELSE 'live' END);
END;
-- No rebuild of the index is needed: no activity is a draft yet, so every indexed state is
-- what the new view says.

-- Running totals: live confirmed activities only ----------------------------------------------------

-- Live confirmed activities linked to each KSB, per activity type and evidence quality: the
-- readiness score's quality part, read like the other totals.
CREATE TABLE ksb_quality_total (
    ksb_id            INTEGER NOT NULL,
    activity_type     TEXT NOT NULL,
    evidence_quality  TEXT NOT NULL,
    activity_count    INTEGER NOT NULL,
    minutes           INTEGER NOT NULL,
    PRIMARY KEY (ksb_id, activity_type, evidence_quality)
) WITHOUT ROWID;

DROP TRIGGER activity_totals_after_insert;
DROP TRIGGER activity_totals_after_update;
DROP TRIGGER activity_totals_before_delete;
DROP TRIGGER activity_ksb_totals_after_insert;
DROP TRIGGER activity_ksb_totals_after_delete;
DROP TRIGGER activity_ksb_totals_after_update;
DROP TRIGGER ksb_totals_after_delete;
DROP TRIGGER activity_tag_totals_after_insert;
DROP TRIGGER activity_tag_totals_after_delete;
DROP TRIGGER activity_tag_totals_after_update;

-- In every trigger below, an activity "counts" when deleted_at IS NULL AND status = 'confirmed'.

-- activity: a new counting row counts on its day (its links count as they are inserted).
CREATE TRIGGER activity_totals_after_insert AFTER INSERT ON activity
WHEN new.deleted_at IS NULL AND new.status = 'confirmed' BEGIN
    INSERT INTO activity_day_total (activity_date, activity_type, activity_count, minutes)
    VALUES (new.activity_date, new.activity_type, 1, new.duration_minutes)
    ON CONFLICT (activity_date, activity_type) DO UPDATE
    SET activity_count = activity_count + 1, minutes = minutes + excluded.minutes;
    INSERT INTO activity_type_total (activity_type, activity_count, minutes)
    VALUES (new.activity_type, 1, new.duration_minutes)
    ON CONFLICT (activity_type) DO UPDATE
    SET activity_count = activity_count + 1, minutes = minutes + excluded.minutes;
END;

-- activity: a change of day, type, duration, quality, live state or status takes the old values
-- out of every total (if they counted) and puts the new ones in (if they count). Soft delete,
-- restore and confirming a draft are such changes.
CREATE TRIGGER activity_totals_after_update
AFTER UPDATE OF activity_date, activity_type, duration_minutes, evidence_quality, deleted_at, status
ON activity BEGIN
    UPDATE activity_day_total
    SET activity_count = activity_count - 1, minutes = minutes - old.duration_minutes
    WHERE old.deleted_at IS NULL AND old.status = 'confirmed'
      AND activity_date = old.activity_date AND activity_type = old.activity_type;
    DELETE FROM activity_day_total
    WHERE activity_date = old.activity_date AND activity_type = old.activity_type
      AND activity_count = 0;
    INSERT INTO activity_day_total (activity_date, activity_type, activity_count, minutes)
    SELECT new.activity_date, new.activity_type, 1, new.duration_minutes
    WHERE new.deleted_at IS NULL AND new.status = 'confirmed'
    ON CONFLICT (activity_date, activity_type) DO UPDATE
    SET activity_count = activity_count + 1, minutes = minutes + excluded.minutes;

    UPDATE activity_type_total
    SET activity_count = activity_count - 1, minutes = minutes - old.duration_minutes
    WHERE old.deleted_at IS NULL AND old.status = 'confirmed'
      AND activity_type = old.activity_type;
    INSERT INTO activity_type_total (activity_type, activity_count, minutes)
    SELECT new.activity_type, 1, new.duration_minutes
    WHERE new.deleted_at IS NULL AND new.status = 'confirmed'
    ON CONFLICT (activity_type) DO UPDATE
    SET activity_count = activity_count + 1, minutes = minutes + excluded.minutes;

    UPDATE ksb_total
    SET activity_count = activity_count - 1, minutes = minutes - old.duration_minutes
    WHERE old.deleted_at IS NULL AND old.status = 'confirmed'
      AND activity_type = old.activity_type
      AND ksb_id IN (SELECT ksb_id FROM activity_ksb WHERE activity_id = old.id);
    INSERT INTO ksb_total (ksb_id, activity_type, activity_count, minutes)
    SELECT ksb_id, new.activity_type, 1, new.duration_minutes
    FROM activity_ksb
    WHERE activity_id = new.id AND new.deleted_at IS NULL AND new.status = 'confirmed'
    ON CONFLICT (ksb_id, activity_type) DO UPDATE
    SET activity_count = activity_count + 1, minutes = minutes + excluded.minutes;

    UPDATE ksb_quality_total
    SET activity_count = activity_count - 1, minutes = minutes - old.duration_minutes
    WHERE old.deleted_at IS NULL AND old.status = 'confirmed'
      AND activity_type = old.activity_type AND evidence_quality = old.evidence_quality
      AND ksb_id IN (SELECT ksb_id FROM activity_ksb WHERE activity_id = old.id);
    INSERT INTO ksb_quality_total (ksb_id, activity_type, evidence_quality, activity_count, minutes)
    SELECT ksb_id, new.activity_type, new.evidence_quality, 1, new.duration_minutes
    FROM activity_ksb
    WHERE activity_id = new.id AND new.deleted_at IS NULL AND new.status = 'confirmed'
    ON CONFLICT (ksb_id, activity_type, evidence_quality) DO UPDATE
    SET activity_count = activity_count + 1, minutes = minutes + excluded.minutes;

    -- An upsert, not an UPDATE: a draft's tags may have no total row yet when it is confirmed.
    INSERT INTO tag_total (tag_id, activity_count)
    SELECT tag_id,
           (new.deleted_at IS NULL AND new.status = 'confirmed')
           - (old.deleted_at IS NULL AND old.status = 'confirmed')
    FROM activity_tag
    WHERE activity_id = new.id
      AND (new.deleted_at IS NULL AND new.status = 'confirmed')
          <> (old.deleted_at IS NULL AND old.status = 'confirmed')
    ON CONFLICT (tag_id) DO UPDATE SET activity_count = activity_count + excluded.activity_count;
END;

-- activity: a hard delete first unlinks the row while it still exists, so the link triggers
-- below take it out of the KSB and tag totals (whatever order SQLite runs the cascade in).
CREATE TRIGGER activity_totals_before_delete BEFORE DELETE ON activity BEGIN
    DELETE FROM activity_ksb WHERE activity_id = old.id;
    DELETE FROM activity_tag WHERE activity_id = old.id;
    UPDATE activity_day_total
    SET activity_count = activity_count - 1, minutes = minutes - old.duration_minutes
    WHERE old.deleted_at IS NULL AND old.status = 'confirmed'
      AND activity_date = old.activity_date AND activity_type = old.activity_type;
    DELETE FROM activity_day_total
    WHERE activity_date = old.activity_date AND activity_type = old.activity_type
      AND activity_count = 0;
    UPDATE activity_type_total
    SET activity_count = activity_count - 1, minutes = minutes - old.duration_minutes
    WHERE old.deleted_at IS NULL AND old.status = 'confirmed'
      AND activity_type = old.activity_type;
END;

-- activity_ksb: a link counts while its activity counts.
CREATE TRIGGER activity_ksb_totals_after_insert AFTER INSERT ON activity_ksb BEGIN
    INSERT INTO ksb_total (ksb_id, activity_type, activity_count, minutes)
    SELECT new.ksb_id, a.activity_type, 1, a.duration_minutes
    FROM activity a
    WHERE a.id = new.activity_id AND a.deleted_at IS NULL AND a.status = 'confirmed'
    ON CONFLICT (ksb_id, activity_type) DO UPDATE
    SET activity_count = activity_count + 1, minutes = minutes + excluded.minutes;
    INSERT INTO ksb_quality_total (ksb_id, activity_type, evidence_quality, activity_count, minutes)
    SELECT new.ksb_id, a.activity_type, a.evidence_quality, 1, a.duration_minutes
    FROM activity a
    WHERE a.id = new.activity_id AND a.deleted_at IS NULL AND a.status = 'confirmed'
    ON CONFLICT (ksb_id, activity_type, evidence_quality) DO UPDATE
    SET activity_count = activity_count + 1, minutes = minutes + excluded.minutes;
END;

CREATE TRIGGER activity_ksb_totals_after_delete AFTER DELETE ON activity_ksb BEGIN
    UPDATE ksb_total
    SET activity_count = activity_count - 1,
        minutes = minutes - (SELECT duration_minutes FROM activity WHERE id = old.activity_id)
    WHERE ksb_id = old.ksb_id
      AND activity_type = (
          SELECT activity_type FROM activity
          WHERE id = old.activity_id AND deleted_at IS NULL AND status = 'confirmed');
    UPDATE ksb_quality_total
    SET activity_count = activity_count - 1,
        minutes = minutes - (SELECT duration_minutes FROM activity WHERE id = old.activity_id)
    WHERE ksb_id = old.ksb_id
      AND (activity_type, evidence_quality) = (
          SELECT activity_type, evidence_quality FROM activity
          WHERE id = old.activity_id AND deleted_at IS NULL AND status = 'confirmed');
END;

CREATE TRIGGER activity_ksb_totals_after_update AFTER UPDATE ON activity_ksb BEGIN
    UPDATE ksb_total
    SET activity_count = activity_count - 1,
        minutes = minutes - (SELECT duration_minutes FROM activity WHERE id = old.activity_id)
    WHERE ksb_id = old.ksb_id
      AND activity_type = (
          SELECT activity_type FROM activity
          WHERE id = old.activity_id AND deleted_at IS NULL AND status = 'confirmed');
    UPDATE ksb_quality_total
    SET activity_count = activity_count - 1,
        minutes = minutes - (SELECT duration_minutes FROM activity WHERE id = old.activity_id)
    WHERE ksb_id = old.ksb_id
      AND (activity_type, evidence_quality) = (
          SELECT activity_type, evidence_quality FROM activity
          WHERE id = old.activity_id AND deleted_at IS NULL AND status = 'confirmed');
    INSERT INTO ksb_total (ksb_id, activity_type, activity_count, minutes)
    SELECT new.ksb_id, a.activity_type, 1, a.duration_minutes
    FROM activity a
    WHERE a.id = new.activity_id AND a.deleted_at IS NULL AND a.status = 'confirmed'
    ON CONFLICT (ksb_id, activity_type) DO UPDATE
    SET activity_count = activity_count + 1, minutes = minutes + excluded.minutes;
    INSERT INTO ksb_quality_total (ksb_id, activity_type, evidence_quality, activity_count, minutes)
    SELECT new.ksb_id, a.activity_type, a.evidence_quality, 1, a.duration_minutes
    FROM activity a
    WHERE a.id = new.activity_id AND a.deleted_at IS NULL AND a.status = 'confirmed'
    ON CONFLICT (ksb_id, activity_type, evidence_quality) DO UPDATE
    SET activity_count = activity_count + 1, minutes = minutes + excluded.minutes;
END;

CREATE TRIGGER ksb_totals_after_delete AFTER DELETE ON ksb BEGIN
    DELETE FROM ksb_total WHERE ksb_id = old.id;
    DELETE FROM ksb_quality_total WHERE ksb_id = old.id;
END;

-- activity_tag: the same for tags.
CREATE TRIGGER activity_tag_totals_after_insert AFTER INSERT ON activity_tag BEGIN
    INSERT INTO tag_total (tag_id, activity_count)
    SELECT new.tag_id, 1 FROM activity a
    WHERE a.id = new.activity_id AND a.deleted_at IS NULL AND a.status = 'confirmed'
    ON CONFLICT (tag_id) DO UPDATE SET activity_count = activity_count + 1;
END;

CREATE TRIGGER activity_tag_totals_after_delete AFTER DELETE ON activity_tag BEGIN
    UPDATE tag_total SET activity_count = activity_count - 1
    WHERE tag_id = old.tag_id
      AND EXISTS (SELECT 1 FROM activity WHERE id = old.activity_id
                  AND deleted_at IS NULL AND status = 'confirmed');
END;

CREATE TRIGGER activity_tag_totals_after_update AFTER UPDATE ON activity_tag BEGIN
    UPDATE tag_total SET activity_count = activity_count - 1
    WHERE tag_id = old.tag_id
      AND EXISTS (SELECT 1 FROM activity WHERE id = old.activity_id
                  AND deleted_at IS NULL AND status = 'confirmed');
    INSERT INTO tag_total (tag_id, activity_count)
    SELECT new.tag_id, 1 FROM activity a
    WHERE a.id = new.activity_id AND a.deleted_at IS NULL AND a.status = 'confirmed'
    ON CONFLICT (tag_id) DO UPDATE SET activity_count = activity_count + 1;
END;

-- Rebuild every total with the new rule (the same queries as store/totals.py EXPECTED).
DELETE FROM activity_day_total;
INSERT INTO activity_day_total (activity_date, activity_type, activity_count, minutes)
SELECT activity_date, activity_type, count(*), sum(duration_minutes)
FROM activity WHERE deleted_at IS NULL AND status = 'confirmed'
GROUP BY activity_date, activity_type;

DELETE FROM activity_type_total;
INSERT INTO activity_type_total (activity_type, activity_count, minutes)
SELECT activity_type, count(*), sum(duration_minutes)
FROM activity WHERE deleted_at IS NULL AND status = 'confirmed' GROUP BY activity_type;

DELETE FROM ksb_total;
INSERT INTO ksb_total (ksb_id, activity_type, activity_count, minutes)
SELECT ak.ksb_id, a.activity_type, count(*), sum(a.duration_minutes)
FROM activity_ksb ak JOIN activity a ON a.id = ak.activity_id
WHERE a.deleted_at IS NULL AND a.status = 'confirmed' GROUP BY ak.ksb_id, a.activity_type;

INSERT INTO ksb_quality_total (ksb_id, activity_type, evidence_quality, activity_count, minutes)
SELECT ak.ksb_id, a.activity_type, a.evidence_quality, count(*), sum(a.duration_minutes)
FROM activity_ksb ak JOIN activity a ON a.id = ak.activity_id
WHERE a.deleted_at IS NULL AND a.status = 'confirmed'
GROUP BY ak.ksb_id, a.activity_type, a.evidence_quality;

DELETE FROM tag_total;
INSERT INTO tag_total (tag_id, activity_count)
SELECT at.tag_id, count(*)
FROM activity_tag at JOIN activity a ON a.id = at.activity_id
WHERE a.deleted_at IS NULL AND a.status = 'confirmed' GROUP BY at.tag_id;
