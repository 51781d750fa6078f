-- 0001: the first schema. Times are unix milliseconds (0 = none/never);
-- lists are JSON text. Later changes come as new numbered files; never edit
-- a migration that has shipped.

CREATE TABLE pages (
    id                     TEXT PRIMARY KEY NOT NULL,
    name                   TEXT NOT NULL DEFAULT '',
    username               TEXT NOT NULL DEFAULT '',
    category               TEXT NOT NULL DEFAULT '',
    link                   TEXT NOT NULL DEFAULT '',
    picture_url            TEXT NOT NULL DEFAULT '',
    tasks                  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tasks)),
    is_published           INTEGER NOT NULL DEFAULT 1 CHECK (is_published IN (0, 1)),
    status                 TEXT NOT NULL DEFAULT 'unchecked'
                           CHECK (status IN ('valid', 'needs_attention', 'invalid',
                                             'could_not_check', 'disconnected', 'unchecked')),
    reason                 TEXT NOT NULL DEFAULT '',
    status_since           INTEGER NOT NULL DEFAULT 0,
    checked_at             INTEGER NOT NULL DEFAULT 0,
    last_ok_at             INTEGER NOT NULL DEFAULT 0,
    token_type             TEXT NOT NULL DEFAULT '',
    token_issued_at        INTEGER NOT NULL DEFAULT 0,
    token_expires_at       INTEGER NOT NULL DEFAULT 0, -- 0 = never expires
    data_access_expires_at INTEGER NOT NULL DEFAULT 0,
    scopes                 TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(scopes)),
    declined               TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(declined)),
    granular_scopes        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(granular_scopes)),
    webhook_preset         TEXT NOT NULL DEFAULT 'bot'
                           CHECK (webhook_preset IN ('bot', 'agent_inbox', 'custom')),
    webhook_fields         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(webhook_fields)),
    subscribed_fields      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(subscribed_fields)),
    connected_by_fb_id     TEXT NOT NULL DEFAULT '',
    connected_by_fb_name   TEXT NOT NULL DEFAULT '',
    connected_by_os_user   TEXT NOT NULL DEFAULT '',
    connected_at           INTEGER NOT NULL DEFAULT 0,
    updated_at             INTEGER NOT NULL DEFAULT 0,
    disconnected_at        INTEGER NOT NULL DEFAULT 0,
    cleanup_pending        INTEGER NOT NULL DEFAULT 0 CHECK (cleanup_pending IN (0, 1))
) STRICT;

-- One sealed token per Page (AES-256-GCM, see seal.go). Never plaintext.
CREATE TABLE tokens (
    page_id    TEXT PRIMARY KEY NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    sealed     BLOB NOT NULL,
    format     INTEGER NOT NULL, -- sealed-blob format version (nonce, key id layout)
    updated_at INTEGER NOT NULL
) STRICT;

-- The audit log. No foreign key on page_id: history outlives the Page.
-- AUTOINCREMENT so an id is never reused.
CREATE TABLE events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            INTEGER NOT NULL,
    page_id       TEXT,
    actor_fb_id   TEXT NOT NULL DEFAULT '',
    actor_fb_name TEXT NOT NULL DEFAULT '',
    actor_os_user TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL CHECK (kind <> ''),
    detail        TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX events_by_page ON events (page_id, id);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

CREATE TABLE incidents (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    page_id        TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    reason         TEXT NOT NULL DEFAULT '',
    opened_at      INTEGER NOT NULL,
    last_alert_at  INTEGER NOT NULL DEFAULT 0,
    reminders_sent INTEGER NOT NULL DEFAULT 0,
    closed_at      INTEGER NOT NULL DEFAULT 0
) STRICT;
-- At most one open incident per Page: that is what de-duplicates alerts.
CREATE UNIQUE INDEX incidents_one_open ON incidents (page_id) WHERE status = 'open';

-- Remote clean-up to retry (unsubscribe webhooks after a disconnect, ...).
-- sealed holds a sealed token (associated data "outbox:"+page_id) when the
-- job needs one; it is wiped when the job is done.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL CHECK (kind <> ''),
    page_id         TEXT NOT NULL DEFAULT '',
    payload         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    sealed          BLOB,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    done_at         INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX outbox_due ON outbox (done_at, next_attempt_at);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL CHECK (json_valid(value))
) STRICT;
