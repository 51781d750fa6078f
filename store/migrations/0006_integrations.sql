-- 0006: handing each Page to the business's Messenger integration (issue 14).
-- pages.integration names the integration the Page's messages go to ('' =
-- none); the integrations themselves (name, URL, recipient) are a setting,
-- their signing secrets are in the keyring.

ALTER TABLE pages ADD COLUMN integration TEXT NOT NULL DEFAULT '';

-- The outbox of deliveries: every event for an integration is written here
-- in the transaction of the change it reports, before the first attempt.
-- body is the event exactly as sent and signed; a Page token inside it is
-- sealed with age to the integration's own key, so this table never holds
-- a token Pagekeeper (or anyone but the integration) can read. body is
-- wiped once the event is delivered or superseded. A Page's events go to
-- an integration in id order, one at a time.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    integration     TEXT NOT NULL CHECK (integration <> ''),
    page_id         TEXT NOT NULL DEFAULT '',  -- '' for an event about no Page
    type            TEXT NOT NULL CHECK (type <> ''),
    message_id      TEXT NOT NULL UNIQUE,      -- webhook-id: the same on every attempt
    body            TEXT NOT NULL DEFAULT '',
    fingerprint     TEXT NOT NULL DEFAULT '',  -- of the token the event carries
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'delivered', 'superseded')),
    claimed         INTEGER NOT NULL DEFAULT 0 CHECK (claimed IN (0, 1)), -- an attempt may have reached it
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    done_at         INTEGER NOT NULL DEFAULT 0,
    ack_fingerprint TEXT NOT NULL DEFAULT ''   -- what the integration said it holds
) STRICT;
CREATE INDEX deliveries_queue ON deliveries (state, integration, page_id, id);

-- What each integration has of each Page, as its answers told: the Page's
-- row says "Support Bot has the current token (since 12:03)" or "delivery
-- failing since 10:00: HTTP 503".
CREATE TABLE integration_pages (
    integration       TEXT NOT NULL,
    page_id           TEXT NOT NULL,
    reached           INTEGER NOT NULL DEFAULT 0 CHECK (reached IN (0, 1)), -- may hold a token: a disconnect must follow
    token_fingerprint TEXT NOT NULL DEFAULT '', -- of the last token it acknowledged
    token_at          INTEGER NOT NULL DEFAULT 0,
    held_fingerprint  TEXT NOT NULL DEFAULT '', -- the token it said it holds (answer or status)
    failing_since     INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (integration, page_id)
) STRICT;
