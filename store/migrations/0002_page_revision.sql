-- 0002: a revision per Page, bumped by every write, so a health round that
-- read a Page before someone renewed or disconnected it does not write its
-- old picture of the Page back.

ALTER TABLE pages ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
