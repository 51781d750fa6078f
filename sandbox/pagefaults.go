package sandbox

import "slices"

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
// to the world that Reset leaves; call it again to restore.
func (f *Fake) SetTasks(userID, pageID string, tasks []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u := f.users[userID]; u != nil && u.roles[pageID] != nil {
		u.roles[pageID].tasks = slices.Clone(tasks)
	}
}
