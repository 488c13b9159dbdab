-- Schema version 3: edit history of activities, and a stable uid for every activity.
--
-- activity_history keeps one row per version of an activity: what changed (field -> [old, new])
-- and a full snapshot of the activity as it was after the change, so any version can be shown
-- and restored. Snapshots name KSBs by standard reference, version and code (never by local id),
-- so they stay meaningful in an export imported elsewhere.
--
-- activity.uid identifies an activity across databases: importing an export into a database
-- that already holds some of the same activities replaces them instead of adding duplicates.

CREATE TABLE activity_history (
    id             INTEGER PRIMARY KEY,
    activity_id    INTEGER NOT NULL REFERENCES activity (id) ON DELETE CASCADE,
    version        INTEGER NOT NULL,                 -- the activity's version after this change
    action         TEXT NOT NULL CHECK (action IN
                       ('baseline', 'created', 'updated', 'deleted', 'restored', 'reverted',
                        'imported')),
    changed_at     TEXT NOT NULL,
    changes        TEXT NOT NULL DEFAULT '{}',       -- JSON {field: [old, new]}
    snapshot       TEXT NOT NULL,                    -- JSON: the whole activity after the change
    restored_from  INTEGER,                          -- for 'reverted': the version brought back
    UNIQUE (activity_id, version)
);

ALTER TABLE activity ADD COLUMN uid TEXT;
UPDATE activity SET uid = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX activity_by_uid ON activity (uid);

-- Whatever inserts an activity without a uid gets one.
CREATE TRIGGER activity_gets_uid AFTER INSERT ON activity WHEN NEW.uid IS NULL
BEGIN
    UPDATE activity SET uid = lower(hex(randomblob(16))) WHERE id = NEW.id;
END;

-- Activities that existed before history was kept start with a 'baseline' version: how they
-- were when the history began.
INSERT INTO activity_history (activity_id, version, action, changed_at, changes, snapshot)
SELECT a.id, a.version, 'baseline', a.updated_at, '{}',
       json_object(
           'title', a.title,
           'activity_date', a.activity_date,
           'start_time', a.start_time,
           'end_time', a.end_time,
           'duration_minutes', a.duration_minutes,
           'activity_type', a.activity_type,
           'description', a.description,
           'notes', a.notes,
           'delivered_by', a.delivered_by,
           'location', a.location,
           'hours_basis', a.hours_basis,
           'evidence_quality', a.evidence_quality,
           'deleted', json(CASE WHEN a.deleted_at IS NULL THEN 'false' ELSE 'true' END),
           'ksbs', json((
               SELECT json_group_array(json_object('standard', ref, 'version', ver, 'code', code))
               FROM (SELECT s.reference AS ref, s.version AS ver, k.code AS code
                     FROM activity_ksb ak
                     JOIN ksb k ON k.id = ak.ksb_id
                     JOIN standard s ON s.id = k.standard_id
                     WHERE ak.activity_id = a.id
                     ORDER BY s.id,
                              CASE k.category WHEN 'knowledge' THEN 0
                                              WHEN 'skill' THEN 1 ELSE 2 END,
                              k.position))),
           'tags', json((
               SELECT json_group_array(name)
               FROM (SELECT t.name AS name FROM activity_tag at JOIN tag t ON t.id = at.tag_id
                     WHERE at.activity_id = a.id
                     ORDER BY t.name COLLATE NOCASE)))
       )
FROM activity a;
