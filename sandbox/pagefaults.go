package sandbox

import (
	"fmt"
	"slices"
)

// SetPublished publishes or unpublishes a Page (is_published), as its admin
// would on Facebook. It is a change to the world, not an injected fault:
// Reset leaves it; call it again to restore.
func (f *Fake) SetPublished(pageID string, published bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.pages[pageID]; p != nil {
		p.published = published
	}
}

// SetTasks changes the user's tasks on a Page (a role reduced or raised by
// another admin) without removing the role. Like SetPublished it is a change
// to the world that Reset leaves; call it again to restore. Tasks must be
// values of Meta's enum (PageTasks), of either family.
func (f *Fake) SetTasks(userID, pageID string, tasks []string) error {
	for _, t := range tasks {
		if !pageTaskSet[t] {
			return fmt.Errorf("%q is not one of Meta's Page tasks", t)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.users[userID]
	if u == nil || u.roles[pageID] == nil {
		return fmt.Errorf("user %s has no role on Page %s", userID, pageID)
	}
	u.roles[pageID].tasks = slices.Clone(tasks)
	return nil
}
