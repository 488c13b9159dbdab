-- Schema version 4: resource links and attached files of activities.
--
-- activity_resource_link: links to where the learning lives (notes, docs, repositories ...),
-- each filed under one stage of the CORE workflow (capture, organise, review, engage). They are
-- part of the activity: written with it in one transaction, and kept in its history snapshots.
-- Only http and https addresses are stored (checked by the form; the CHECK is a last guard).
--
-- attachment: files attached to an activity. The file itself lives in
-- <data dir>/attachments/<sha256>: named by the SHA-256 of its contents, never by the name it
-- was uploaded with, so the same file attached twice is stored once and no uploaded name can
-- reach the file system. `name` is the uploaded name, cleaned, for showing and downloading;
-- `media_type` is what the contents were found to be (not what the browser claimed).

CREATE TABLE activity_resource_link (
    id           INTEGER PRIMARY KEY,
    activity_id  INTEGER NOT NULL REFERENCES activity (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,                     -- order in the form, from 1
    stage        TEXT NOT NULL CHECK (stage IN ('capture', 'organise', 'review', 'engage')),
    title        TEXT NOT NULL,
    url          TEXT NOT NULL CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
    source       TEXT NOT NULL CHECK (source IN
                     ('google_keep', 'google_tasks', 'google_docs', 'google_drive', 'diagram',
                      'markdown', 'github', 'website', 'other')),
    description  TEXT NOT NULL DEFAULT '',
    UNIQUE (activity_id, position)
);

CREATE TABLE attachment (
    id           INTEGER PRIMARY KEY,
    activity_id  INTEGER NOT NULL REFERENCES activity (id) ON DELETE CASCADE,
    sha256       TEXT NOT NULL CHECK (length(sha256) = 64),  -- also the stored file's name
    name         TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL CHECK (size_bytes BETWEEN 1 AND 10485760),
    created_at   TEXT NOT NULL,
    UNIQUE (activity_id, sha256)                       -- one file once per activity
);
CREATE INDEX attachment_by_sha256 ON attachment (sha256);
