package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

func TestOpenCreatesPrivateFilesAndKeepsData(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.open(t)
	if got := mode(t, e.dir); got != 0o700 {
		t.Errorf("data folder mode %o, want 700", got)
	}
	if got := mode(t, s.Path()); got != 0o600 {
		t.Errorf("database mode %o, want 600", got)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if fi, err := os.Stat(s.Path() + suffix); err == nil && fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s mode %o is readable by others", suffix, fi.Mode().Perm())
		}
	}
	now := e.clock.Now()
	p := Page{ID: "101", Name: "Bakery", Tasks: []string{"MANAGE", "MESSAGING"}, IsPublished: true,
		Scopes: []string{"pages_messaging"}, GranularScopes: []GranularScope{{Scope: "pages_messaging", TargetIDs: []string{"101"}}},
		WebhookPreset: PresetAgentInbox, WebhookFields: []string{"messages"}, TokenExpiresAt: time.Time{},
		ConnectedByFBName: "Alice", ConnectedAt: now}
	if err := s.Update(ctx, func(tx *Tx) error {
		if err := tx.UpsertPage(p); err != nil {
			return err
		}
		if err := tx.SaveToken("101", token.New("EAAG-one")); err != nil {
			return err
		}
		_, err := tx.AppendEvent(Event{PageID: "101", Kind: "page_connected", Detail: "Connected"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetting(ctx, "interval_minutes", 15); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// Loosen the modes; reopening tightens them again.
	os.Chmod(e.dir, 0o755)
	os.Chmod(filepath.Join(e.dir, dbFileName), 0o644)
	s2 := e.open(t)
	if mode(t, e.dir) != 0o700 || mode(t, s2.Path()) != 0o600 {
		t.Errorf("modes not tightened: dir %o file %o", mode(t, e.dir), mode(t, s2.Path()))
	}
	got, err := s2.Page(ctx, "101")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Bakery" || got.WebhookPreset != PresetAgentInbox || len(got.GranularScopes) != 1 ||
		got.GranularScopes[0].TargetIDs[0] != "101" || !got.ConnectedAt.Equal(now.Truncate(time.Millisecond)) ||
		!got.TokenExpiresAt.IsZero() || got.Status != StatusUnchecked || !got.IsPublished {
		t.Errorf("page after reopen: %+v", got)
	}
	tok, err := s2.Token(ctx, "101")
	if err != nil || !tok.Equal(token.New("EAAG-one")) {
		t.Errorf("token after reopen: %v %v", tok, err)
	}
	var minutes int
	if found, err := s2.GetSetting(ctx, "interval_minutes", &minutes); !found || err != nil || minutes != 15 {
		t.Errorf("setting: %v %v %d", found, err, minutes)
	}
	evs, err := s2.Events(ctx, "101", 10)
	if err != nil || len(evs) != 1 || evs[0].Kind != "page_connected" || evs[0].ActorOSUser != "tester" {
		t.Errorf("events: %+v %v", evs, err)
	}
}

func TestApplicationIDMismatchIsForeign(t *testing.T) {
	e := newEnv(t)
	e.open(t).Close()
	db := rawDB(t, filepath.Join(e.dir, dbFileName))
	if _, err := db.Exec("PRAGMA application_id = 12345"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err := Open(context.Background(), e.opts())
	var ce *CorruptError
	if !errors.As(err, &ce) || !errors.Is(err, ErrForeign) {
		t.Fatalf("want a foreign *CorruptError, got %v", err)
	}
	if !strings.Contains(err.Error(), "not a Pagekeeper database") {
		t.Errorf("message: %v", err)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	e := newEnv(t)
	e.open(t).Close()
	path := filepath.Join(e.dir, dbFileName)
	db := rawDB(t, path)
	if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err := Open(context.Background(), e.opts())
	if !errors.Is(err, ErrNewerVersion) {
		t.Fatalf("want ErrNewerVersion, got %v", err)
	}
	want := "This data was written by a newer Pagekeeper (schema 99); install the newer version or restore a backup"
	if err.Error() != want {
		t.Errorf("message %q", err)
	}
	if !exists(path) {
		t.Error("a newer database must be left in place, not moved aside")
	}
}

func TestMigrationBacksUpExistingDatabase(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.open(t)
	if list, _ := s.Backups(); len(list) != 0 {
		t.Errorf("a fresh database needs no upgrade backup, got %d", len(list))
	}
	addPage(t, s, "1", "A")
	s.Close()

	// A later build with one more migration opens this file.
	saved := migrations
	migrations = append(append([]migration(nil), saved...), migration{version: len(saved) + 1, name: "test", sql: "CREATE TABLE extra (x INTEGER) STRICT;"})
	t.Cleanup(func() { migrations = saved })
	s2 := e.open(t)
	var v int
	if err := s2.db.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != len(saved)+1 {
		t.Errorf("user_version %d (%v), want %d", v, err, len(saved)+1)
	}
	list, _ := s2.Backups()
	if len(list) != 1 {
		t.Fatalf("want one backup before the upgrade, got %d", len(list))
	}
	info, err := VerifyBackup(ctx, list[0].Path)
	if err != nil || info.Pages != 1 {
		t.Errorf("pre-upgrade backup: %+v %v", info, err)
	}
	var app int64
	s2.db.QueryRow("PRAGMA application_id").Scan(&app)
	if app != ApplicationID {
		t.Errorf("application_id %#x", app)
	}
}

// A data folder written before the integrations (schema 5: 0004 and 0005
// in place) upgrades to 0006 keeping its Pages, their kept statuses and
// their events, and the outbox of deliveries works at once.
func TestUpgradeToIntegrationsKeepsPagesAndEvents(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	saved := migrations
	migrations = saved[:5]
	s := e.open(t)
	path := s.Path()
	s.Close()
	migrations = saved
	db := rawDB(t, path)
	if _, err := db.Exec(`INSERT INTO pages (id, name, status, reason, not_reconfirmed, confirmed_at) VALUES ('1', 'Sunrise Café', 'invalid', 'password_changed', 'throttled', 1000)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO events (at, page_id, kind, detail, text_key, text_data) VALUES (1000, '1', 'page_connected', 'Connected.', 'event.page_connected', '{"Fields": "messages"}')`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s = e.open(t)
	var v int
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != len(migrations) || v < 6 {
		t.Fatalf("user_version %d (%v), want %d", v, err, len(migrations))
	}
	p, err := s.Page(ctx, "1")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Sunrise Café" || p.Status != StatusInvalid || p.NotReconfirmed != "throttled" || p.ConfirmedAt.IsZero() || p.Integration != "" {
		t.Errorf("after the upgrade: %+v", p)
	}
	evs, err := s.Events(ctx, "1", 0)
	if err != nil || len(evs) != 1 || evs[0].TextKey != "event.page_connected" || evs[0].Detail != "Connected." {
		t.Errorf("events after the upgrade: %+v %v", evs, err)
	}
	p.Integration = "Support Bot"
	err = s.Update(ctx, func(tx *Tx) error {
		if err := tx.UpsertPage(p); err != nil {
			return err
		}
		_, err := tx.QueueDelivery(Delivery{Integration: "Support Bot", PageID: "1", Type: "page.connected", MessageID: "msg_1", Body: []byte("{}")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Page(ctx, "1"); p.Integration != "Support Bot" || p.NotReconfirmed != "throttled" {
		t.Errorf("written after the upgrade: %+v", p)
	}
	if ds, err := s.Deliveries(ctx, "Support Bot"); err != nil || len(ds) != 1 {
		t.Errorf("deliveries after the upgrade: %+v %v", ds, err)
	}
}

func TestEventsAreAppendOnly(t *testing.T) {
	ctx := context.Background()
	s := newEnv(t).open(t)
	id, err := s.AppendEvent(ctx, Event{Kind: "page_connected", Detail: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"UPDATE events SET detail = 'changed' WHERE id = ?", "DELETE FROM events WHERE id = ?"} {
		err := s.Update(ctx, func(tx *Tx) error { _, err := tx.exec(q, id); return err })
		if err == nil || !strings.Contains(err.Error(), "events are append-only") {
			t.Errorf("%s: want the trigger's error, got %v", q, err)
		}
	}
	evs, _ := s.Events(ctx, "", 0)
	if len(evs) != 1 || evs[0].Detail != "x" {
		t.Errorf("events changed: %+v", evs)
	}
}

func TestStatusIncidentsOutbox(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.open(t)
	addPage(t, s, "2", "b page")
	addPage(t, s, "1", "A page")
	ps, err := s.Pages(ctx)
	if err != nil || len(ps) != 2 || ps[0].ID != "1" {
		t.Fatalf("Pages ordered by name: %+v %v", ps, err)
	}
	t1 := e.clock.Now()
	prev, err := s.SetPageStatus(ctx, "1", StatusInvalid, "password_changed", t1)
	if err != nil || prev != StatusUnchecked {
		t.Fatalf("SetPageStatus: %v %v", prev, err)
	}
	t2 := t1.Add(time.Minute)
	if _, err := s.SetPageStatus(ctx, "1", StatusInvalid, "password_changed", t2); err != nil {
		t.Fatal(err)
	}
	p, _ := s.Page(ctx, "1")
	if !p.StatusSince.Equal(t1.Truncate(time.Millisecond)) || !p.CheckedAt.Equal(t2.Truncate(time.Millisecond)) || !p.LastOKAt.IsZero() {
		t.Errorf("status times: %+v", p)
	}
	if _, err := s.SetPageStatus(ctx, "nope", StatusValid, "", t2); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown page: %v", err)
	}

	inc, created, err := s.OpenIncident(ctx, "1", "password_changed", t1)
	if err != nil || !created {
		t.Fatal(created, err)
	}
	again, created, err := s.OpenIncident(ctx, "1", "password_changed", t2)
	if err != nil || created || again.ID != inc.ID {
		t.Errorf("second open must reuse the incident: %+v %v %v", again, created, err)
	}
	if err := s.MarkAlerted(ctx, inc.ID, t2, true); err != nil {
		t.Fatal(err)
	}
	closed, ok, err := s.CloseIncident(ctx, "1", t2)
	if err != nil || !ok || closed.Open {
		t.Errorf("close: %+v %v %v", closed, ok, err)
	}
	if _, ok, _ := s.CloseIncident(ctx, "1", t2); ok {
		t.Error("closing twice must report nothing to close")
	}
	all, _ := s.Incidents(ctx, "1", false)
	if len(all) != 1 || all[0].RemindersSent != 1 || all[0].Open {
		t.Errorf("incidents: %+v", all)
	}

	id, err := s.Enqueue(ctx, "unsubscribe", "1", map[string]string{"app": "x"}, token.New("EAAG-outbox"))
	if err != nil {
		t.Fatal(err)
	}
	due, err := s.DueOutbox(ctx, e.clock.Now(), 10)
	if err != nil || len(due) != 1 || !due[0].HasToken || string(due[0].Payload) != `{"app":"x"}` {
		t.Fatalf("due: %+v %v", due, err)
	}
	if tok, err := s.OutboxToken(due[0]); err != nil || !tok.Equal(token.New("EAAG-outbox")) {
		t.Errorf("outbox token: %v", err)
	}
	if err := s.FailOutbox(ctx, id, "Facebook could not be reached", e.clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueOutbox(ctx, e.clock.Now(), 10); len(due) != 0 {
		t.Errorf("a failed job is not due before its next attempt: %+v", due)
	}
	if err := s.CompleteOutbox(ctx, id, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueOutbox(ctx, e.clock.Now().Add(2*time.Hour), 10); len(due) != 0 {
		t.Errorf("done job still due: %+v", due)
	}
}

func TestTransactionIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s := newEnv(t).open(t)
	addPage(t, s, "1", "A")
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx *Tx) error {
		if err := tx.SaveToken("1", token.New("EAAG-new")); err != nil {
			return err
		}
		if _, err := tx.AppendEvent(Event{PageID: "1", Kind: "token_renewed"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if _, err := s.Token(ctx, "1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("token after rollback: %v", err)
	}
	if evs, _ := s.Events(ctx, "", 0); len(evs) != 0 {
		t.Errorf("events after rollback: %+v", evs)
	}
	// A sealed token does not open under another Page's row.
	if err := s.SaveToken(ctx, "1", token.New("EAAG-x")); err != nil {
		t.Fatal(err)
	}
	addPage(t, s, "2", "B")
	if _, err := s.db.Exec("INSERT INTO tokens (page_id, sealed, format, updated_at) SELECT '2', sealed, format, 0 FROM tokens WHERE page_id = '1'"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Token(ctx, "2"); !errors.Is(err, ErrTokenUnreadable) {
		t.Errorf("moved blob: want ErrTokenUnreadable, got %v", err)
	}
}

func TestKeyringUnavailableWithoutConsent(t *testing.T) {
	e := newEnv(t)
	e.kr.FailWith(errors.New("org.freedesktop.secrets was not provided"))
	_, err := Open(context.Background(), e.opts())
	var ke *KeyringError
	if !errors.As(err, &ke) {
		t.Fatalf("want *KeyringError, got %v", err)
	}
	for _, want := range []string{"No secure storage (system keyring) is available", "GNOME Keyring", "--allow-key-file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %v", want, err)
		}
	}
	if exists(filepath.Join(e.dir, keyFileName)) {
		t.Error("a key file was written without consent")
	}
}

func TestKeyFileWithConsent(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.kr.FailWith(errors.New("no keyring"))
	o := e.opts()
	o.AllowKeyFile = true
	s, err := Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	kf := filepath.Join(e.dir, keyFileName)
	if mode(t, kf) != 0o600 {
		t.Errorf("key file mode %o", mode(t, kf))
	}
	evs, _ := s.Events(ctx, "", 0)
	if len(evs) != 1 || evs[0].Kind != "storage_keyfile_used" || !strings.Contains(evs[0].Detail, "no system keyring was available") {
		t.Errorf("events: %+v", evs)
	}
	addPage(t, s, "1", "A")
	if err := s.SaveToken(ctx, "1", token.New("EAAG-kf")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if tok, err := s2.Token(ctx, "1"); err != nil || !tok.Equal(token.New("EAAG-kf")) {
		t.Errorf("token with key file: %v", err)
	}
	if evs, _ := s2.Events(ctx, "", 0); len(evs) != 1 {
		t.Errorf("reopening must not log the key file again: %+v", evs)
	}
}

type hangingKeyring struct{ release chan struct{} }

func (h hangingKeyring) Get(string, string) (string, error) { <-h.release; return "", ErrKeyNotFound }
func (h hangingKeyring) Set(string, string, string) error   { <-h.release; return nil }
func (h hangingKeyring) Delete(string, string) error        { <-h.release; return nil }

func TestKeyringThatHangsTimesOut(t *testing.T) {
	e := newEnv(t)
	h := hangingKeyring{release: make(chan struct{})}
	t.Cleanup(func() { close(h.release) })
	o := e.opts()
	o.Keyring = h
	o.KeyringTimeout = 50 * time.Millisecond
	start := time.Now()
	_, err := Open(context.Background(), o)
	var ke *KeyringError
	if !errors.As(err, &ke) || !errors.Is(err, ErrKeyringTimeout) {
		t.Fatalf("want *KeyringError wrapping ErrKeyringTimeout, got %v", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("Open took %v", d)
	}
}

func TestWipedKeyringLeavesTokensUnreadableNotLost(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.open(t)
	addPage(t, s, "1", "A")
	if err := s.SaveToken(ctx, "1", token.New("EAAG-old")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	e.kr.Wipe()
	s2 := e.open(t)
	if _, err := s2.Token(ctx, "1"); !errors.Is(err, ErrTokenUnreadable) || !strings.Contains(err.Error(), "log in again") {
		t.Fatalf("want ErrTokenUnreadable, got %v", err)
	}
	var n int
	s2.db.QueryRow("SELECT count(*) FROM tokens").Scan(&n)
	if n != 1 {
		t.Errorf("the sealed token must be kept, found %d", n)
	}
	evs, _ := s2.Events(ctx, "", 0)
	if len(evs) == 0 || evs[0].Kind != "storage_key_replaced" {
		t.Errorf("events: %+v", evs)
	}
	// Renewing works with the new key.
	if err := s2.SaveToken(ctx, "1", token.New("EAAG-new")); err != nil {
		t.Fatal(err)
	}
	if tok, err := s2.Token(ctx, "1"); err != nil || !tok.Equal(token.New("EAAG-new")) {
		t.Errorf("renewed token: %v", err)
	}
}

func TestTwoDataFoldersUseDifferentKeys(t *testing.T) {
	kr := NewMemoryKeyring()
	a, b := newEnv(t), newEnv(t)
	a.kr, b.kr = kr, kr
	a.open(t)
	b.open(t)
	n := 0
	for range kr.secrets {
		n++
	}
	if n != 2 {
		t.Errorf("want 2 keyring entries, got %d", n)
	}
}

// Every write moves a Page's revision, so a health round can tell that a
// Page it read was renewed or disconnected meanwhile; MarkChecked moves the
// check times of many Pages at once and nothing else.
func TestRevisionsAndMarkChecked(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.open(t)
	addPage(t, s, "1", "A page")
	addPage(t, s, "2", "B page")
	rev := func(id string) int64 {
		t.Helper()
		var r map[string]Page
		err := s.Update(ctx, func(tx *Tx) (err error) { r, err = tx.PagesByID([]string{"1", "2", "gone"}); return })
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := r["gone"]; ok || len(r) != 2 || r[id].ID != id {
			t.Fatalf("PagesByID: %v", r)
		}
		return r[id].Revision
	}
	r0 := rev("1")
	if p, _ := s.Page(ctx, "1"); p.Revision != r0 || r0 < 1 {
		t.Fatalf("Page revision %d, PagesByID %d", p.Revision, r0)
	}
	if _, err := s.SetPageStatus(ctx, "1", StatusValid, "", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	p, _ := s.Page(ctx, "1")
	if rev("1") != r0+1 {
		t.Fatalf("status write: revision %d, want %d", rev("1"), r0+1)
	}
	p.Name = "Renamed"
	if err := s.UpsertPage(ctx, p); err != nil || rev("1") != r0+2 {
		t.Fatalf("upsert: revision %d, want %d (%v)", rev("1"), r0+2, err)
	}
	if _, err := s.SetPageStatus(ctx, "2", StatusInvalid, "password_changed", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	before1, _ := s.Page(ctx, "1")
	before2, _ := s.Page(ctx, "2")
	at := e.clock.Now().Add(time.Hour)
	if err := s.Update(ctx, func(tx *Tx) error { return tx.MarkChecked([]string{"1", "2"}, at) }); err != nil {
		t.Fatal(err)
	}
	after1, _ := s.Page(ctx, "1")
	after2, _ := s.Page(ctx, "2")
	at = at.Truncate(time.Millisecond)
	if !after1.CheckedAt.Equal(at) || !after1.LastOKAt.Equal(at) || after1.Revision != before1.Revision+1 ||
		after1.Status != StatusValid || !after1.StatusSince.Equal(before1.StatusSince) || after1.Name != "Renamed" {
		t.Errorf("valid Page after MarkChecked: %+v", after1)
	}
	if !after2.CheckedAt.Equal(at) || !after2.LastOKAt.Equal(before2.LastOKAt) || after2.Status != StatusInvalid ||
		after2.Reason != "password_changed" || after2.Revision != before2.Revision+1 {
		t.Errorf("invalid Page after MarkChecked: %+v", after2)
	}
}

// A viewer follows the manager by DataVersion: it moves when the other
// process commits, every time, and not otherwise. The manager's commits
// here rewrite the log in place after a checkpoint (the case in which the
// log file's size and time did not always move).
func TestDataVersionMovesWithEachCommitOfAnother(t *testing.T) {
	e := newEnv(t)
	manager := e.open(t)
	ctx := context.Background()
	o := e.opts()
	o.ReadOnly = true
	viewer := mustOpen(t, o)
	last, err := viewer.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if v, err := viewer.DataVersion(ctx); err != nil || v != last {
			t.Fatalf("nothing was committed, yet the version moved: %d → %d (%v)", last, v, err)
		}
		if err := manager.UpsertPage(ctx, Page{ID: "110000000000001", Name: fmt.Sprintf("Sunrise Café %d", i), Status: StatusValid}); err != nil {
			t.Fatal(err)
		}
		if i%5 == 4 {
			if err := manager.read(func(db *sql.DB) error { _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(RESTART)"); return err }); err != nil {
				t.Fatal(err)
			}
		}
		v, err := viewer.DataVersion(ctx)
		if err != nil || v == last {
			t.Fatalf("commit %d: the version did not move (%d, %v)", i+1, v, err)
		}
		last = v
	}
}
