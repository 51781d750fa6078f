-- 0004: an event keeps its sentence as a message key and its values (JSON),
-- beside the English detail, so the history is shown in the reader's
-- language when it is read. Events written before keep text_key '' and are
-- shown as their stored English detail. The new columns are as unchangeable
-- as the others (0001, 0003): only a grouped event's count may grow.
ALTER TABLE events ADD COLUMN text_key TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN text_data TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(text_data));
DROP TRIGGER events_no_update;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN OLD.group_key IS NULL OR NEW.count < OLD.count
    OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.page_id IS NOT OLD.page_id
    OR NEW.actor_fb_id IS NOT OLD.actor_fb_id OR NEW.actor_fb_name IS NOT OLD.actor_fb_name
    OR NEW.actor_os_user IS NOT OLD.actor_os_user OR NEW.kind IS NOT OLD.kind
    OR NEW.detail IS NOT OLD.detail OR NEW.group_key IS NOT OLD.group_key
    OR NEW.text_key IS NOT OLD.text_key OR NEW.text_data IS NOT OLD.text_data
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
