-- 0003: repeats of an event take one row with a count. A flood of forged
-- login callbacks (20,000 during one login) becomes one row per kind and
-- minute instead of 20,000 rows nobody can delete.
-- group_key names the group (NULL for an ordinary event, which is never
-- counted). The count of a grouped event may only grow; nothing else of any
-- event may change, and no event may be deleted (0001's trigger).
ALTER TABLE events ADD COLUMN group_key TEXT;
ALTER TABLE events ADD COLUMN count INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1);
CREATE UNIQUE INDEX events_by_group ON events (group_key) WHERE group_key IS NOT NULL;
DROP TRIGGER events_no_update;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN OLD.group_key IS NULL OR NEW.count < OLD.count
    OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.page_id IS NOT OLD.page_id
    OR NEW.actor_fb_id IS NOT OLD.actor_fb_id OR NEW.actor_fb_name IS NOT OLD.actor_fb_name
    OR NEW.actor_os_user IS NOT OLD.actor_os_user OR NEW.kind IS NOT OLD.kind
    OR NEW.detail IS NOT OLD.detail OR NEW.group_key IS NOT OLD.group_key
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
