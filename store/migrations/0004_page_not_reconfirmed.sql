-- 0004: a round that could not check a Page known to be broken (Invalid or
-- Needs attention) keeps that status instead of hiding it behind "could not
-- check", and notes why it was not re-confirmed (a could-not-check reason
-- code, '' once a round confirms again) and when a round last confirmed it.
ALTER TABLE pages ADD COLUMN not_reconfirmed TEXT NOT NULL DEFAULT '';
ALTER TABLE pages ADD COLUMN confirmed_at INTEGER NOT NULL DEFAULT 0;
