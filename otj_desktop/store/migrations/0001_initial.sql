-- Schema version 1: profile, standards and their KSBs, activities, tags.
--
-- Conventions: dates are ISO text (YYYY-MM-DD), timestamps are UTC ISO text with a Z,
-- durations are whole minutes (exact sums; the UI works in steps of 0.25 h = 15 min).

CREATE TABLE standard (
    id                       INTEGER PRIMARY KEY,
    reference                TEXT NOT NULL,            -- "ST0116"; "CUSTOM-1" for hand-made ones
    title                    TEXT NOT NULL,
    level                    INTEGER,
    version                  TEXT NOT NULL,            -- "1.1"
    typical_duration_months  INTEGER,
    minimum_hours            REAL,                     -- minimumHoursForCompliance, when known
    source                   TEXT NOT NULL CHECK (source IN ('official', 'catalogue', 'manual')),
    source_note              TEXT,
    created_at               TEXT NOT NULL,
    updated_at               TEXT NOT NULL,
    UNIQUE (reference, version)
);

-- A KSB keeps its id for life: editing a standard by hand never renumbers codes or breaks links.
CREATE TABLE ksb (
    id           INTEGER PRIMARY KEY,
    standard_id  INTEGER NOT NULL REFERENCES standard (id) ON DELETE CASCADE,
    category     TEXT NOT NULL CHECK (category IN ('knowledge', 'skill', 'behaviour')),
    code         TEXT NOT NULL,                        -- "K1", "S3", "B2"
    position     INTEGER NOT NULL,                     -- order within its category
    title        TEXT,
    statement    TEXT NOT NULL,
    official_id  TEXT,                                 -- knowledgeId / skillId / behaviourId
    UNIQUE (standard_id, code)
);
CREATE INDEX ksb_by_standard ON ksb (standard_id, category, position);

-- The one apprentice: a single row with id 1.
CREATE TABLE profile (
    id                      INTEGER PRIMARY KEY CHECK (id = 1),
    name                    TEXT NOT NULL DEFAULT '',
    standard_id             INTEGER REFERENCES standard (id) ON DELETE SET NULL,
    start_date              TEXT,
    practical_end_date      TEXT,                      -- planned end of the practical period
    weekly_contracted_hours REAL,
    working_days_per_week   REAL,
    planned_otj_hours       REAL,                      -- from the training plan
    rpl_hours               REAL NOT NULL DEFAULT 0,   -- recognised prior learning reduction
    weekly_target_hours     REAL,                      -- the apprentice's own weekly target
    updated_at              TEXT NOT NULL
);
INSERT INTO profile (id, updated_at) VALUES (1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));

CREATE TABLE activity (
    id                INTEGER PRIMARY KEY,
    title             TEXT NOT NULL,
    activity_date     TEXT NOT NULL,
    start_time        TEXT,                             -- HH:MM, optional
    end_time          TEXT,
    duration_minutes  INTEGER NOT NULL CHECK (duration_minutes BETWEEN 15 AND 1440),
    activity_type     TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    notes             TEXT NOT NULL DEFAULT '',         -- private
    delivered_by      TEXT NOT NULL DEFAULT '',
    location          TEXT NOT NULL DEFAULT '',
    hours_basis       TEXT NOT NULL DEFAULT 'paid' CHECK (hours_basis IN ('paid', 'toil')),
    evidence_quality  TEXT NOT NULL DEFAULT 'draft'
                      CHECK (evidence_quality IN ('draft', 'good', 'review_ready')),
    version           INTEGER NOT NULL DEFAULT 1,       -- goes up on every change
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    deleted_at        TEXT                              -- soft delete: NULL while live
);
CREATE INDEX activity_live_by_date ON activity (activity_date DESC, id DESC) WHERE deleted_at IS NULL;

CREATE TABLE activity_ksb (
    activity_id  INTEGER NOT NULL REFERENCES activity (id) ON DELETE CASCADE,
    ksb_id       INTEGER NOT NULL REFERENCES ksb (id) ON DELETE CASCADE,
    PRIMARY KEY (activity_id, ksb_id)
) WITHOUT ROWID;
CREATE INDEX activity_ksb_by_ksb ON activity_ksb (ksb_id, activity_id);

CREATE TABLE tag (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE COLLATE NOCASE
);

CREATE TABLE activity_tag (
    activity_id  INTEGER NOT NULL REFERENCES activity (id) ON DELETE CASCADE,
    tag_id       INTEGER NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
    PRIMARY KEY (activity_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX activity_tag_by_tag ON activity_tag (tag_id, activity_id);

-- Small app settings (window state, appearance, last backup time ...) as key/value JSON.
CREATE TABLE setting (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
