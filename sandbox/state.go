package sandbox

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// The sandbox's state file. The world (users, Pages, roles, businesses) is
// rebuilt from Options; the file holds everything that happened since:
// tokens, grants, codes, subscriptions, conversations, faults and how to
// undo them, usage windows, the generators' positions and the clock. Times
// are absolute, so a restarted fake answers exactly as the old one would.

const (
	stateFormat  = "pagekeeper-fakefb-state"
	stateVersion = 1
	// StateSaveInterval is how long a change waits before Options.StateFile
	// is written, so that a burst of requests costs one save.
	StateSaveInterval = 200 * time.Millisecond
)

// Errors a state file can give, for errors.Is.
var (
	// ErrStateCorrupt: the file is not a readable sandbox state (truncated,
	// not JSON, inconsistent).
	ErrStateCorrupt = errors.New("the saved sandbox state is damaged")
	// ErrStateForeign: the file is another program's, or a sandbox with a
	// different app, seed or number of Pages saved it.
	ErrStateForeign = errors.New("the saved state belongs to a different sandbox")
	// ErrStateVersion: a newer Pagekeeper wrote the file.
	ErrStateVersion = errors.New("the saved sandbox state was written by a newer Pagekeeper")
	// ErrStateNewer: another sandbox (another Pagekeeper process on the same
	// data folder) saved the file after this one read it. Saving would put
	// the practice world back in time, so this sandbox's changes are not
	// saved.
	ErrStateNewer = errors.New("another Pagekeeper sandbox saved newer practice state in the meantime, so this one's changes were not saved; close the other Pagekeeper and start this one again to practise on the newest state")
)

// StateFileError is a state file that could not be read or written.
type StateFileError struct {
	Path string
	Op   string // "load" or "save"
	Err  error
}

func (e *StateFileError) Error() string {
	if e.Op == "save" {
		return fmt.Sprintf("could not save the sandbox state to %s: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("could not restore the sandbox from %s: %v; move the file away (or start a fresh sandbox) to continue", e.Path, e.Err)
}

func (e *StateFileError) Unwrap() error { return e.Err }

type stateFile struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Generation goes up by one with every save (0: a file written before
	// generations). A sandbox saves only over the generation it loaded or
	// last saved itself, so a second process with an older copy never puts
	// the file back in time. It is written third, so fileGeneration finds
	// it without reading the rest.
	Generation    uint64              `json:"generation"`
	SavedAt       time.Time           `json:"saved_at"`
	World         stateWorld          `json:"world"`
	Clock         stateClock          `json:"clock"`
	Seq           uint64              `json:"seq"`
	RevID         int                 `json:"rev_id"`
	Rng           []byte              `json:"rng"`
	TraceRng      []byte              `json:"trace_rng"`
	Grants        []stateGrant        `json:"grants"`
	Users         []stateUser         `json:"users"`
	Tokens        []stateToken        `json:"tokens"`
	Codes         []stateCode         `json:"codes"`
	Subscriptions map[string][]string `json:"subscriptions"`
	Published     map[string]bool     `json:"published"` // Pages (un)published since the world was built
	Conversations []stateConv         `json:"conversations"`
	Faults        stateFaults         `json:"faults"`
	Undo          []stateUndo         `json:"undo"`
	Usage         map[string]stateUse `json:"usage"`
	// Webhook is the app-level webhook subscription; queued deliveries
	// are not kept. Absent in files written before webhooks existed.
	Webhook *stateWebhook `json:"webhook,omitempty"`

	clockMark string // the clock's setting, for digest
}

// stateWebhook leaves out the verify token: it only served the handshake.
type stateWebhook struct {
	CallbackURL string   `json:"callback_url"`
	Fields      []string `json:"fields"`
}

// stateWorld identifies the world the state belongs to.
type stateWorld struct {
	AppID      string `json:"app_id"`
	Seed       int64  `json:"seed"`
	ExtraPages int    `json:"extra_pages"`
}

type stateClock struct {
	Now     time.Time     `json:"now"`
	Running bool          `json:"running"`
	Offset  time.Duration `json:"offset_ns"` // Now minus the wall clock at save
}

type stateGrant struct {
	Perms       []statePerm `json:"perms"` // in the order they were first granted or declined
	Pages       []string    `json:"pages"`
	PagesChosen bool        `json:"pages_chosen"`
	Version     int         `json:"version"`
}

type statePerm struct {
	Name   string `json:"name"`
	Status string `json:"status"`
}

type stateUser struct {
	ID           string              `json:"id"`
	Grant        *int                `json:"grant"` // index in Grants; null: never logged in or app removed
	Revocations  []stateRevocation   `json:"revocations"`
	Checkpoint   bool                `json:"checkpoint"`
	Unconfirmed  bool                `json:"unconfirmed"`
	DataAccess   time.Time           `json:"data_access_expires_at"`
	RemovedRoles []string            `json:"removed_roles"`
	Tasks        map[string][]string `json:"tasks"` // roles whose tasks changed since the world was built
}

type stateRevocation struct {
	ID      int    `json:"id"`
	Seq     uint64 `json:"seq"`
	Subcode int    `json:"subcode"`
	Message string `json:"message"`
}

type stateToken struct {
	Value    string    `json:"value"`
	Kind     tokenKind `json:"kind"`
	User     string    `json:"user"`
	Page     string    `json:"page,omitempty"`
	Parent   string    `json:"parent,omitempty"`
	Seq      uint64    `json:"seq"`
	Issued   time.Time `json:"issued"`
	Expires  time.Time `json:"expires"` // zero: never
	Long     bool      `json:"long"`
	AuthType string    `json:"auth_type,omitempty"`
	System   bool      `json:"system_user,omitempty"`
}

type stateCode struct {
	Code        string    `json:"code"`
	ClientID    string    `json:"client_id"`
	RedirectURI string    `json:"redirect_uri"`
	User        string    `json:"user"`
	Challenge   string    `json:"challenge,omitempty"`
	Method      string    `json:"method,omitempty"`
	AuthType    string    `json:"auth_type,omitempty"`
	Issued      time.Time `json:"issued"`
	Used        bool      `json:"used"`
	System      bool      `json:"system_user,omitempty"`
}

type stateConv struct {
	ID         string         `json:"id"`
	Page       string         `json:"page"`
	PSID       string         `json:"psid"`
	Name       string         `json:"name"`
	LastUserAt time.Time      `json:"last_user_at"`
	Updated    time.Time      `json:"updated"`
	Messages   []stateMessage `json:"messages"`
}

type stateMessage struct {
	ID       string    `json:"id"`
	From     string    `json:"from"`
	FromName string    `json:"from_name"`
	To       string    `json:"to"`
	ToName   string    `json:"to_name"`
	Text     string    `json:"text"`
	Created  time.Time `json:"created"`
}

type stateFaults struct {
	Offline    bool            `json:"offline"`
	Latency    time.Duration   `json:"latency_ns"`
	Throttles  []stateThrottle `json:"throttles"`
	Transients []stateCounted  `json:"transients"`
	Injected   []stateInjected `json:"injected"`
	NullOps    []stateCounted  `json:"null_ops"`
	Blocked    []string        `json:"blocked"` // "page/psid"
}

type stateThrottle struct {
	Scope string    `json:"scope"`
	Code  int       `json:"code"`
	Until time.Time `json:"until"`
}

type stateCounted struct {
	Scope  string `json:"scope"`
	N      int    `json:"n"`
	Status int    `json:"status,omitempty"`
}

type stateInjected struct {
	Scope string        `json:"scope"`
	N     int           `json:"n"`
	Err   stateAPIError `json:"error"`
}

type stateAPIError struct {
	Status    int    `json:"status,omitempty"`
	Code      int    `json:"code"`
	Subcode   int    `json:"subcode,omitempty"`
	Type      string `json:"type,omitempty"`
	Message   string `json:"message"`
	UserTitle string `json:"user_title,omitempty"`
	UserMsg   string `json:"user_msg,omitempty"`
	Transient bool   `json:"transient,omitempty"`
	Auth      string `json:"auth,omitempty"`
}

// stateUndo is an undoRec with references by ID.
type stateUndo struct {
	Kind       undoKind      `json:"kind"`
	User       string        `json:"user,omitempty"`
	Page       string        `json:"page,omitempty"`
	RevID      int           `json:"rev_id,omitempty"`
	Grant      *int          `json:"grant,omitempty"`
	Perm       string        `json:"perm,omitempty"`
	Had        bool          `json:"had,omitempty"`
	Old        string        `json:"old,omitempty"`
	Expiries   []stateExpiry `json:"expiries,omitempty"`
	Flag       bool          `json:"flag,omitempty"`
	Sub        *[]string     `json:"subscribed_fields,omitempty"`
	Tasks      []string      `json:"tasks,omitempty"` // undoRole: the tasks of the role to put back
	DataAccess time.Time     `json:"data_access_expires_at,omitzero"`
}

type stateExpiry struct {
	Token   string    `json:"token"`
	Expires time.Time `json:"expires"`
}

type stateUse struct {
	Hour int64 `json:"hour"`
	N    int   `json:"n"`
}

// SaveState writes the sandbox's state (JSON, versioned) to w: everything
// a new Fake with the same Options needs, after LoadState, to answer as this
// one would (tokens with their expiry, parent and invalidation, grants,
// authorization codes, webhook subscriptions, conversations, faults and how
// Reset undoes them, usage windows, generator positions and the clock).
// Statistics are not kept.
func (f *Fake) SaveState(w io.Writer) error {
	st, err := f.snapshot()
	if err != nil {
		return err
	}
	return json.NewEncoder(w).Encode(st)
}

func (f *Fake) snapshot() (*stateFile, error) {
	wall := time.Now()
	now := f.clock.Now()
	f.clock.mu.Lock()
	running := f.clock.running
	f.clock.mu.Unlock()

	f.mu.Lock()
	defer f.mu.Unlock()
	st := &stateFile{
		Format: stateFormat, Version: stateVersion, Generation: f.stateGen, SavedAt: wall.UTC(),
		World: stateWorld{AppID: f.opts.AppID, Seed: f.opts.Seed, ExtraPages: f.opts.ExtraPages},
		Clock: stateClock{Now: now, Running: running, Offset: now.Sub(wall)}, clockMark: f.clock.mark(),
		Seq: f.seq, RevID: f.revID,
		Subscriptions: map[string][]string{}, Published: map[string]bool{}, Usage: map[string]stateUse{},
	}
	world := f.pristineWorld()
	var err error
	if st.Rng, err = f.rngSrc.MarshalBinary(); err != nil {
		return nil, err
	}
	if st.TraceRng, err = f.traceSrc.MarshalBinary(); err != nil {
		return nil, err
	}
	grantIdx := map[*grant]int{}
	ref := func(g *grant) *int {
		if g == nil {
			return nil
		}
		i, ok := grantIdx[g]
		if !ok {
			i = len(st.Grants)
			grantIdx[g] = i
			sg := stateGrant{PagesChosen: g.pagesChosen, Version: g.version, Pages: []string{}}
			for _, p := range g.permOrder {
				sg.Perms = append(sg.Perms, statePerm{p, g.perms[p]})
			}
			for pid, on := range g.pages {
				if on {
					sg.Pages = append(sg.Pages, pid)
				}
			}
			slices.Sort(sg.Pages)
			st.Grants = append(st.Grants, sg)
		}
		return &i
	}
	for _, uid := range f.userOrder {
		u := f.users[uid]
		su := stateUser{ID: uid, Grant: ref(u.grant), Checkpoint: u.checkpoint, Unconfirmed: u.unconfirmed, DataAccess: u.dataAccess}
		for _, r := range u.revocations {
			su.Revocations = append(su.Revocations, stateRevocation{r.id, r.seq, r.subcode, r.msg})
		}
		// pageOrder keeps every Page the world gave a role on; a fault only
		// deletes the role from the map.
		for _, pid := range u.pageOrder {
			switch r := u.roles[pid]; {
			case r == nil:
				su.RemovedRoles = append(su.RemovedRoles, pid)
			case !slices.Equal(r.tasks, world.users[uid].roles[pid].tasks):
				if su.Tasks == nil {
					su.Tasks = map[string][]string{}
				}
				su.Tasks[pid] = slices.Clone(r.tasks)
			}
		}
		st.Users = append(st.Users, su)
		for _, t := range f.userTokens[uid] {
			stt := stateToken{Value: t.value, Kind: t.kind, User: t.userID, Page: t.pageID, Seq: t.seq,
				Issued: t.issued, Expires: t.expires, Long: t.long, AuthType: t.authType, System: t.system}
			if t.parent != nil {
				stt.Parent = t.parent.value
			}
			st.Tokens = append(st.Tokens, stt)
		}
	}
	for _, code := range slices.Sorted(maps.Keys(f.codes)) {
		c := f.codes[code]
		st.Codes = append(st.Codes, stateCode{Code: code, ClientID: c.clientID, RedirectURI: c.redirectURI, User: c.userID,
			Challenge: c.challenge, Method: c.method, AuthType: c.authType, Issued: c.issued, Used: c.used, System: c.system})
	}
	for _, pid := range f.pageOrder {
		p := f.pages[pid]
		if p.sub != nil {
			st.Subscriptions[pid] = slices.Clone(p.sub.fields)
		}
		if p.published != world.pages[pid].published {
			st.Published[pid] = p.published
		}
		for _, c := range f.pageConvs[pid] {
			sc := stateConv{ID: c.id, Page: c.pageID, PSID: c.psid, Name: c.name, LastUserAt: c.lastUserAt, Updated: c.updated}
			for _, m := range c.messages {
				sc.Messages = append(sc.Messages, stateMessage{m.id, m.fromID, m.fromName, m.toID, m.toName, m.text, m.created})
			}
			st.Conversations = append(st.Conversations, sc)
		}
	}
	fl := &f.faults
	st.Faults = stateFaults{Offline: fl.offline, Latency: fl.latency}
	for _, r := range fl.throttles {
		st.Faults.Throttles = append(st.Faults.Throttles, stateThrottle{r.scope, r.code, r.until})
	}
	for _, r := range fl.transients {
		st.Faults.Transients = append(st.Faults.Transients, stateCounted{r.scope, r.n, r.status})
	}
	for _, r := range fl.nullOps {
		st.Faults.NullOps = append(st.Faults.NullOps, stateCounted{r.scope, r.n, r.status})
	}
	for _, r := range fl.injected {
		e := r.err
		st.Faults.Injected = append(st.Faults.Injected, stateInjected{Scope: r.scope, N: r.n, Err: stateAPIError{
			Status: e.status, Code: e.code, Subcode: e.subcode, Type: e.typ, Message: e.msg, UserTitle: e.userTitle,
			UserMsg: e.userMsg, Transient: e.transient, Auth: e.auth}})
	}
	for k, on := range fl.blocked {
		if on {
			st.Faults.Blocked = append(st.Faults.Blocked, k)
		}
	}
	slices.Sort(st.Faults.Blocked)
	for _, r := range f.undo {
		su := stateUndo{Kind: r.kind, RevID: r.revID, Perm: r.perm, Had: r.had, Old: r.old, Flag: r.flag, DataAccess: r.dataAccess}
		if r.user != nil {
			su.User = r.user.id
		}
		switch r.kind {
		case undoRole:
			su.Page = r.pageID
			su.Tasks = slices.Clone(r.role.tasks)
		case undoWebhook:
			su.Page = r.page.id
			if r.sub != nil {
				fields := slices.Clone(r.sub.fields)
				su.Sub = &fields
			}
		case undoRemoveApp, undoPermission:
			su.Grant = ref(r.grant)
		case undoExpiry:
			for _, e := range r.expiries {
				su.Expiries = append(su.Expiries, stateExpiry{e.t.value, e.exp})
			}
		}
		st.Undo = append(st.Undo, su)
	}
	for k, w := range f.usage {
		st.Usage[k] = stateUse{w.hour, w.n}
	}
	if wh := f.webhook; wh != nil {
		st.Webhook = &stateWebhook{CallbackURL: wh.callbackURL, Fields: slices.Clone(wh.fields)}
	}
	return st, nil
}

// LoadState replaces the sandbox's state with one written by SaveState for
// the same app, seed and number of Pages. On any error nothing changes. The
// clock is put where it stood at the save; a running clock (NewRunningClock)
// also counts the real time that passed since, as Facebook's would.
func (f *Fake) LoadState(r io.Reader) error {
	var st stateFile
	dec := json.NewDecoder(r)
	if err := dec.Decode(&st); err != nil {
		return fmt.Errorf("%w (not a sandbox state file: %v)", ErrStateCorrupt, err)
	}
	if st.Format != stateFormat {
		return fmt.Errorf("%w (not a Pagekeeper sandbox state file)", ErrStateForeign)
	}
	if st.Version > stateVersion || st.Version < 1 {
		return fmt.Errorf("%w (format version %d, this one reads version %d)", ErrStateVersion, st.Version, stateVersion)
	}
	want := stateWorld{AppID: f.opts.AppID, Seed: f.opts.Seed, ExtraPages: f.opts.ExtraPages}
	if st.World != want {
		return fmt.Errorf("%w (saved for app %s, seed %d, %d extra Pages; this sandbox is app %s, seed %d, %d extra Pages)",
			ErrStateForeign, st.World.AppID, st.World.Seed, st.World.ExtraPages, want.AppID, want.Seed, want.ExtraPages)
	}
	n := newFake(f.opts)
	if err := n.apply(&st); err != nil {
		return fmt.Errorf("%w (%v)", ErrStateCorrupt, err)
	}

	f.mu.Lock()
	f.rng, f.traceRng, f.rngSrc, f.traceSrc, f.seq = n.rng, n.traceRng, n.rngSrc, n.traceSrc, n.seq
	f.users, f.userOrder, f.pages, f.pageOrder, f.businesses = n.users, n.userOrder, n.pages, n.pageOrder, n.businesses
	f.convs, f.pageConvs = n.convs, n.pageConvs
	f.tokens, f.userTokens, f.pageTokCache, f.codes = n.tokens, n.userTokens, n.pageTokCache, n.codes
	f.faults, f.undo, f.revID, f.usage = n.faults, n.undo, n.revID, n.usage
	f.webhook = n.webhook
	f.stateGen = st.Generation
	f.mu.Unlock()

	f.clock.restore(st.Clock)
	return nil
}

// restore puts the clock where a saved one stood: a frozen clock at the
// saved instant; a running clock at the wall clock plus the saved offset
// when the saved clock was running too (time went on while the sandbox was
// closed), otherwise at the saved instant, running from there.
func (c *Clock) restore(s stateClock) {
	c.mu.Lock()
	running := c.running
	c.mu.Unlock()
	if running && s.Running {
		c.Set(time.Now().Add(s.Offset))
		return
	}
	c.Set(s.Now)
}

// apply installs st into a freshly built n (not yet shared).
func (n *Fake) apply(st *stateFile) error {
	if err := n.rngSrc.UnmarshalBinary(st.Rng); err != nil {
		return fmt.Errorf("generator state: %v", err)
	}
	if err := n.traceSrc.UnmarshalBinary(st.TraceRng); err != nil {
		return fmt.Errorf("generator state: %v", err)
	}
	n.seq, n.revID = st.Seq, st.RevID

	grants := make([]*grant, len(st.Grants))
	for i, sg := range st.Grants {
		g := &grant{perms: map[string]string{}, pages: map[string]bool{}, pagesChosen: sg.PagesChosen, version: sg.Version}
		for _, p := range sg.Perms {
			if p.Status != "granted" && p.Status != "declined" {
				return fmt.Errorf("permission %q has status %q", p.Name, p.Status)
			}
			g.setPerm(p.Name, p.Status)
		}
		for _, pid := range sg.Pages {
			if n.pages[pid] == nil {
				return fmt.Errorf("unknown Page %q in a grant", pid)
			}
			g.pages[pid] = true
		}
		grants[i] = g
	}
	grantAt := func(i *int) (*grant, error) {
		if i == nil {
			return nil, nil
		}
		if *i < 0 || *i >= len(grants) {
			return nil, fmt.Errorf("grant %d does not exist", *i)
		}
		return grants[*i], nil
	}
	userAt := func(id string) (*user, error) {
		if u := n.users[id]; u != nil {
			return u, nil
		}
		return nil, fmt.Errorf("unknown user %q", id)
	}
	pageAt := func(id string) (*page, error) {
		if p := n.pages[id]; p != nil {
			return p, nil
		}
		return nil, fmt.Errorf("unknown Page %q", id)
	}

	worldRoles := map[string]map[string]*role{} // roles as the world gave them, for undo records
	for _, su := range st.Users {
		u, err := userAt(su.ID)
		if err != nil {
			return err
		}
		if u.grant, err = grantAt(su.Grant); err != nil {
			return err
		}
		for _, r := range su.Revocations {
			u.revocations = append(u.revocations, revocation{id: r.ID, seq: r.Seq, subcode: r.Subcode, msg: r.Message})
		}
		u.checkpoint, u.unconfirmed, u.dataAccess = su.Checkpoint, su.Unconfirmed, su.DataAccess
		worldRoles[u.id] = maps.Clone(u.roles)
		for pid, tasks := range su.Tasks {
			r := u.roles[pid]
			if r == nil {
				return fmt.Errorf("user %s has no role on Page %q to change", u.id, pid)
			}
			u.roles[pid] = &role{tasks: tasks, viaBusiness: r.viaBusiness}
		}
		for _, pid := range su.RemovedRoles {
			if u.roles[pid] == nil {
				return fmt.Errorf("user %s has no role on Page %q to remove", u.id, pid)
			}
			delete(u.roles, pid)
		}
	}

	for _, stt := range st.Tokens {
		if stt.Value == "" || n.tokens[stt.Value] != nil {
			return errors.New("empty or duplicate token")
		}
		if _, err := userAt(stt.User); err != nil {
			return err
		}
		t := &tokenRec{value: stt.Value, kind: stt.Kind, userID: stt.User, pageID: stt.Page, seq: stt.Seq,
			issued: stt.Issued, expires: stt.Expires, long: stt.Long, authType: stt.AuthType, system: stt.System}
		switch stt.Kind {
		case kindUser:
		case kindPage:
			if _, err := pageAt(stt.Page); err != nil {
				return err
			}
		default:
			return fmt.Errorf("token kind %q", stt.Kind)
		}
		n.tokens[t.value] = t
		n.userTokens[t.userID] = append(n.userTokens[t.userID], t)
	}
	for _, stt := range st.Tokens {
		if stt.Parent == "" {
			continue
		}
		t, p := n.tokens[stt.Value], n.tokens[stt.Parent]
		if p == nil || t.kind != kindPage {
			return errors.New("a Page token's parent token is missing")
		}
		t.parent = p
		n.pageTokCache[p.value+"/"+t.pageID] = t.value
	}

	for _, c := range st.Codes {
		if _, err := userAt(c.User); err != nil {
			return err
		}
		n.codes[c.Code] = &authCode{clientID: c.ClientID, redirectURI: c.RedirectURI, userID: c.User, challenge: c.Challenge,
			method: c.Method, authType: c.AuthType, issued: c.Issued, used: c.Used, system: c.System}
	}
	for pid, pub := range st.Published {
		p, err := pageAt(pid)
		if err != nil {
			return err
		}
		p.published = pub
	}
	for pid, fields := range st.Subscriptions {
		p, err := pageAt(pid)
		if err != nil {
			return err
		}
		p.sub = &subscription{fields: fields}
	}

	n.convs, n.pageConvs = map[string]*conversation{}, map[string][]*conversation{}
	for _, sc := range st.Conversations {
		if _, err := pageAt(sc.Page); err != nil {
			return err
		}
		if n.convs[sc.ID] != nil {
			return fmt.Errorf("duplicate conversation %q", sc.ID)
		}
		c := &conversation{id: sc.ID, pageID: sc.Page, psid: sc.PSID, name: sc.Name, lastUserAt: sc.LastUserAt, updated: sc.Updated}
		for _, m := range sc.Messages {
			c.messages = append(c.messages, &message{id: m.ID, fromID: m.From, fromName: m.FromName, toID: m.To, toName: m.ToName,
				text: m.Text, created: m.Created})
		}
		n.convs[c.id] = c
		n.pageConvs[c.pageID] = append(n.pageConvs[c.pageID], c)
	}

	sf := st.Faults
	n.faults = faults{offline: sf.Offline, latency: sf.Latency}
	for _, r := range sf.Throttles {
		n.faults.throttles = append(n.faults.throttles, throttleRule{r.Scope, r.Code, r.Until})
	}
	for _, r := range sf.Transients {
		n.faults.transients = append(n.faults.transients, countedRule{r.Scope, r.N, r.Status})
	}
	for _, r := range sf.NullOps {
		n.faults.nullOps = append(n.faults.nullOps, countedRule{r.Scope, r.N, r.Status})
	}
	for _, r := range sf.Injected {
		e := r.Err
		n.faults.injected = append(n.faults.injected, injectRule{scope: r.Scope, n: r.N, err: apiError{status: e.Status,
			code: e.Code, subcode: e.Subcode, typ: e.Type, msg: e.Message, userTitle: e.UserTitle, userMsg: e.UserMsg,
			transient: e.Transient, auth: e.Auth}})
	}
	for _, k := range sf.Blocked {
		if n.faults.blocked == nil {
			n.faults.blocked = map[string]bool{}
		}
		n.faults.blocked[k] = true
	}

	for _, su := range st.Undo {
		r := undoRec{kind: su.Kind, revID: su.RevID, perm: su.Perm, had: su.Had, old: su.Old, flag: su.Flag, dataAccess: su.DataAccess}
		var err error
		needUser := su.Kind != undoExpiry && su.Kind != undoWebhook
		if needUser {
			if r.user, err = userAt(su.User); err != nil {
				return err
			}
		}
		switch su.Kind {
		case undoRevocation, undoCheckpoint, undoUnconfirmed, undoDataAccess:
		case undoRemoveApp, undoPermission:
			if r.grant, err = grantAt(su.Grant); err != nil {
				return err
			}
			if su.Kind == undoPermission && r.grant == nil {
				return errors.New("a permission fault without its grant")
			}
		case undoRole:
			r.pageID = su.Page
			wr := worldRoles[r.user.id][su.Page]
			if wr == nil {
				return fmt.Errorf("user %s never had a role on Page %q", r.user.id, su.Page)
			}
			r.role = &role{tasks: su.Tasks, viaBusiness: wr.viaBusiness}
		case undoWebhook:
			if r.page, err = pageAt(su.Page); err != nil {
				return err
			}
			if su.Sub != nil {
				r.sub = &subscription{fields: *su.Sub}
			}
		case undoExpiry:
			for _, e := range su.Expiries {
				t := n.tokens[e.Token]
				if t == nil {
					return errors.New("an expiry fault names a token that does not exist")
				}
				r.expiries = append(r.expiries, savedExpiry{t, e.Expires})
			}
		default:
			return fmt.Errorf("unknown fault %q", su.Kind)
		}
		n.undo = append(n.undo, r)
	}
	for k, w := range st.Usage {
		n.usage[k] = &usageWindow{hour: w.Hour, n: w.N}
	}
	if sw := st.Webhook; sw != nil {
		fields, err := checkWebhookConfig(sw.CallbackURL, sw.Fields)
		if err != nil {
			return fmt.Errorf("webhook subscription: %v", err)
		}
		n.webhook = &appWebhook{callbackURL: sw.CallbackURL, fields: fields}
	}
	return nil
}

// SaveStateFile writes SaveState to path atomically (the next
// generation): a temporary file in the same directory (mode 0600), synced,
// then renamed over path, so a crash leaves either the old state or the
// new one. Unlike the saves Options.StateFile makes, it writes whatever is
// at path.
func (f *Fake) SaveStateFile(path string) error {
	st, err := f.snapshot()
	if err == nil {
		st.Generation++
		err = writeStateFile(path, st)
	}
	if err != nil {
		return &StateFileError{Path: path, Op: "save", Err: err}
	}
	f.mu.Lock()
	f.stateGen = st.Generation
	f.mu.Unlock()
	return nil
}

func writeStateFile(path string, st *stateFile) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := json.NewEncoder(tmp).Encode(st); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// fileGeneration is the generation of the state file at path, read
// without the rest of the file (SaveState writes it third); 0 when there
// is no file or it predates generations.
func fileGeneration(path string) (uint64, error) {
	fh, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer fh.Close()
	dec := json.NewDecoder(fh)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return 0, fmt.Errorf("%w (not a sandbox state file)", ErrStateCorrupt)
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return 0, fmt.Errorf("%w (%v)", ErrStateCorrupt, err)
		}
		if key == "generation" {
			var g uint64
			if err := dec.Decode(&g); err != nil {
				return 0, fmt.Errorf("%w (generation: %v)", ErrStateCorrupt, err)
			}
			return g, nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return 0, fmt.Errorf("%w (%v)", ErrStateCorrupt, err)
		}
	}
	return 0, nil
}

// digest identifies what a state says about the pretend Facebook, leaving
// out what merely reading it changes: usage windows, the trace generator
// (fbtrace_id), the clock's reading (its setting counts) and the save's own
// time and generation. A sandbox whose digest is the one it loaded or last
// saved has nothing to save.
func (st *stateFile) digest() [sha256.Size]byte {
	c := *st
	c.Generation, c.SavedAt, c.Usage, c.TraceRng, c.Clock = 0, time.Time{}, nil, nil, stateClock{}
	h := sha256.New()
	_ = json.NewEncoder(h).Encode(&c)
	h.Write([]byte(st.clockMark))
	var d [sha256.Size]byte
	h.Sum(d[:0])
	return d
}

// LoadStateFile loads a file written by SaveStateFile. A file that does not
// exist is a fresh sandbox: nothing changes and the answer is nil. Other
// failures are a *StateFileError wrapping ErrStateCorrupt, ErrStateForeign,
// ErrStateVersion or the I/O error.
func (f *Fake) LoadStateFile(path string) error {
	fh, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &StateFileError{Path: path, Op: "load", Err: err}
	}
	defer fh.Close()
	if err := f.LoadState(fh); err != nil {
		return &StateFileError{Path: path, Op: "load", Err: err}
	}
	return nil
}

// DiscardStateFile moves an unusable state file aside (to
// path.unusable-YYYYMMDD-HHMMSS) so that the next Start begins a fresh
// sandbox while the old file stays available for a bug report. It returns
// the new name, or "" when there was no file.
func DiscardStateFile(path string) (string, error) {
	aside := path + ".unusable-" + time.Now().UTC().Format("20060102-150405")
	err := os.Rename(path, aside)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return aside, nil
}

// pristineWorld is the world as Options built it, to save only what changed
// since (Page publication, role tasks). Built once, on the first save.
func (f *Fake) pristineWorld() *Fake {
	f.worldOnce.Do(func() { f.world = newFake(Options{ExtraPages: f.opts.ExtraPages}) })
	return f.world
}

// persister saves Options.StateFile after changes, debounced.
type persister struct {
	path    string
	loadErr error // the file could not be loaded: it is left alone
	// saved is the digest of the state the file held when this sandbox
	// read it or last wrote it (under saveMu).
	saved [sha256.Size]byte

	mu      sync.Mutex
	timer   *time.Timer
	closed  bool
	saveErr error

	saveMu sync.Mutex // one save at a time, in order
	// afterSave is a test hook, called after each save; set under mu.
	afterSave func(error)
}

// touch schedules a save StateSaveInterval from now unless one is pending.
func (f *Fake) touch() {
	p := f.persist
	if p == nil || p.loadErr != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.timer != nil {
		return
	}
	p.timer = time.AfterFunc(StateSaveInterval, func() {
		p.mu.Lock()
		p.timer = nil
		closed := p.closed
		p.mu.Unlock()
		if !closed {
			f.save()
		}
	})
}

// save writes Options.StateFile if this sandbox changed the pretend
// Facebook since it read or last wrote the file, and only over the
// generation it read or wrote: a second process with an older copy once
// overwrote 36 tokens with its 18 on exit (issue 16). The generation is
// compared just before the atomic rename; two sandboxes saving within that
// instant are the one case left to chance.
func (f *Fake) save() error {
	p := f.persist
	p.saveMu.Lock()
	defer p.saveMu.Unlock()
	err := f.saveChanged(p)
	if err != nil {
		err = &StateFileError{Path: p.path, Op: "save", Err: err}
	}
	p.mu.Lock()
	p.saveErr = err
	hook := p.afterSave
	p.mu.Unlock()
	if hook != nil {
		hook(err)
	}
	return err
}

func (f *Fake) saveChanged(p *persister) error {
	st, err := f.snapshot()
	if err != nil {
		return err
	}
	d := st.digest()
	if d == p.saved {
		return nil
	}
	onDisk, err := fileGeneration(p.path)
	if err != nil {
		return err
	}
	if onDisk > st.Generation {
		return ErrStateNewer
	}
	st.Generation++
	if err := writeStateFile(p.path, st); err != nil {
		return err
	}
	f.mu.Lock()
	f.stateGen = st.Generation
	f.mu.Unlock()
	p.saved = d
	return nil
}

// StateError says why Options.StateFile could not be loaded (the sandbox
// then started fresh and does not overwrite the file), or else why the last
// save failed; nil when all is well or there is no state file.
func (f *Fake) StateError() error {
	p := f.persist
	if p == nil {
		return nil
	}
	if p.loadErr != nil {
		return p.loadErr
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.saveErr
}

// Close stops webhook deliveries (a delivery in flight is cancelled, the
// queue is dropped) and saves Options.StateFile a last time and stops
// saving. Server.Close calls it; a Fake used as a bare http.Handler needs
// it once webhooks were configured.
func (f *Fake) Close() error {
	f.hooks.close()
	p := f.persist
	if p == nil || p.loadErr != nil {
		return nil
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	p.mu.Unlock()
	return f.save()
}
