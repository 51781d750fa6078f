package keeper

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/pagekeeper/pagekeeper/store"
)

// Summary is every Page with its status, as stored (no call to Facebook):
// the window's table, the tray, `status` and `export` read it.
type Summary struct {
	Pages  []PageStatus
	Totals Totals
}

// ByName puts the Pages in name order, ignoring case, then by Page ID: the
// command line's lists (the window has its own order, problems first).
func (s Summary) ByName() Summary {
	slices.SortFunc(s.Pages, func(a, b PageStatus) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	})
	return s
}

// Pages lists every Page in the folder with its status in words, in no
// particular order (Summary.ByName puts them in name order).
func (k *Keeper) Pages(ctx context.Context) (Summary, error) {
	// Only what statusOfPage reads, one Page at a time: with 10,000 Pages
	// this is the window's start (BenchmarkKeeperPages10k).
	n, err := k.store.PageCount(ctx)
	if err != nil {
		return Summary{}, err
	}
	now := k.now()
	s := Summary{Pages: make([]PageStatus, 0, n)}
	err = k.store.PageSummaries(ctx, func(p store.Page, pd store.PageDelivery) error {
		st := statusOfPage(p)
		st.Integration = k.integrationStateOf(p, pd, now)
		s.Pages = append(s.Pages, st)
		s.Totals.add(Status(p.Status))
		return nil
	})
	if err != nil {
		return Summary{}, err
	}
	return s, nil
}

// PageRecord is everything Pagekeeper knows about a Page (never its token).
// Zero times mean "not yet" or "unknown"; a zero TokenExpiresAt with a
// TokenType means the token never expires.
type PageRecord struct {
	ID, Name, Username, Category, Link, PictureURL string

	Tasks       []string
	IsPublished bool

	Status      Status
	Reason      string // the machine reason code (Reason)
	StatusSince time.Time
	CheckedAt   time.Time
	LastOKAt    time.Time

	TokenType           string
	TokenIssuedAt       time.Time
	TokenExpiresAt      time.Time
	DataAccessExpiresAt time.Time
	Scopes, Declined    []string
	GranularScopes      []GranularScope

	WebhookPreset    WebhookPreset
	WebhookFields    []string // wanted
	SubscribedFields []string // last seen on Facebook

	ConnectedByFBID, ConnectedByFBName, ConnectedByOSUser string

	ConnectedAt    time.Time
	UpdatedAt      time.Time
	DisconnectedAt time.Time
	CleanupPending bool

	// Integration names the integration the Page's messages go to ("" = none).
	Integration string
}

// GranularScope is a permission limited to some objects (Pages, businesses).
type GranularScope struct {
	Scope     string   `json:"scope"`
	TargetIDs []string `json:"target_ids,omitempty"`
}

func recordOf(p store.Page) PageRecord {
	r := PageRecord{ID: p.ID, Name: p.Name, Username: p.Username, Category: p.Category, Link: p.Link, PictureURL: p.PictureURL,
		Tasks: p.Tasks, IsPublished: p.IsPublished, Status: Status(p.Status), Reason: p.Reason, StatusSince: p.StatusSince,
		CheckedAt: p.CheckedAt, LastOKAt: p.LastOKAt, TokenType: p.TokenType, TokenIssuedAt: p.TokenIssuedAt,
		TokenExpiresAt: p.TokenExpiresAt, DataAccessExpiresAt: p.DataAccessExpiresAt, Scopes: p.Scopes, Declined: p.Declined,
		WebhookPreset: WebhookPreset(p.WebhookPreset), WebhookFields: p.WebhookFields, SubscribedFields: p.SubscribedFields,
		ConnectedByFBID: p.ConnectedByFBID, ConnectedByFBName: p.ConnectedByFBName, ConnectedByOSUser: p.ConnectedByOSUser,
		ConnectedAt: p.ConnectedAt, UpdatedAt: p.UpdatedAt, DisconnectedAt: p.DisconnectedAt, CleanupPending: p.CleanupPending,
		Integration: p.Integration}
	for _, g := range p.GranularScopes {
		r.GranularScopes = append(r.GranularScopes, GranularScope(g))
	}
	return r
}

// Event is one entry of a Page's history (or of Pagekeeper's, with no PageID).
type Event struct {
	ID          int64
	At          time.Time
	PageID      string
	ActorFBID   string
	ActorFBName string
	ActorOSUser string
	Kind        string // machine code, e.g. "token_renewed"
	Detail      string // plain words, in English, as written then
	// Text is the detail to show in the reader's language (Text.In). An
	// event written before events kept their message, or whose message
	// this Pagekeeper does not know, reads as its Detail.
	Text Text
	// Count is how many times it happened: 1, or more when repeats within a
	// minute are one event (refused login callbacks).
	Count int
}

func eventOf(e store.Event) Event {
	return Event{ID: e.ID, At: e.At, PageID: e.PageID, ActorFBID: e.ActorFBID, ActorFBName: e.ActorFBName,
		ActorOSUser: e.ActorOSUser, Kind: e.Kind, Detail: e.Detail, Text: storedText(e), Count: max(e.Count, 1)}
}

// storedText is an event's sentence, from its message key and values.
func storedText(e store.Event) Text {
	tpl, known := catalogTemplate(e.TextKey)
	if !known {
		return plain(e.Detail)
	}
	var raw map[string]json.RawMessage
	if json.Unmarshal([]byte(e.TextData), &raw) != nil {
		return plain(e.Detail)
	}
	data, err := unmarshalData(raw)
	if err != nil {
		return plain(e.Detail)
	}
	return Text{Key: e.TextKey, Template: tpl, Data: data}
}

// newEvent is an event that says t: in English in its detail, and as its
// message and values for readers of any language.
func newEvent(at time.Time, pageID, kind string, t Text) store.Event {
	e := store.Event{At: at, PageID: pageID, Kind: kind, Detail: t.String(), TextKey: t.Key}
	if t.Key == "" {
		return e
	}
	raw, err := marshalData(t.Data)
	if err != nil {
		return store.Event{At: at, PageID: pageID, Kind: kind, Detail: e.Detail}
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return store.Event{At: at, PageID: pageID, Kind: kind, Detail: e.Detail}
	}
	e.TextData = string(b)
	return e
}

// LockInfo says who manages a data folder.
type LockInfo struct {
	User      string    `json:"user"`
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	StartedAt time.Time `json:"started_at"`
	// Command is the headless command that holds the folder
	// ("pagekeeper check"); "" is the window.
	Command string `json:"command,omitempty"`
}

// String is "alice on laptop-7 (pid 4242) since 09:14", or
// "`pagekeeper check` run by alice on laptop-7 (pid 4242) since 09:14", in
// English (Text is for a person).
func (i LockInfo) String() string { return store.LockInfo(i).String() }

var (
	msgLockWho     = msg("lock.who", "{{.User}} on {{.Host}} (pid {{.PID}}) since {{.Since}}")
	msgLockCommand = msg("lock.command", "`{{.Command}}` run by {{.Who}}")
	msgSomeone     = msg("lock.someone", "someone")
)

// Text names who holds the folder, in the reader's language: the user,
// the computer, the process and since when, after the command when a
// headless command holds it.
func (i LockInfo) Text() Text {
	user := plain(i.User)
	if i.User == "" {
		user = msgSomeone.with()
	}
	who := msgLockWho.with("User", user, "Host", i.Host, "PID", i.PID, "Since", i.StartedAt.Local())
	if i.Command != "" {
		return msgLockCommand.with("Command", i.Command, "Who", who)
	}
	return who
}

// PageLog is one Page's record, its status in words and its newest events.
type PageLog struct {
	Record PageRecord
	Status PageStatus
	Events []Event // newest first
}

// PageLog reads a Page's record, status and newest events (at most limit).
func (k *Keeper) PageLog(ctx context.Context, pageID string, limit int) (PageLog, error) {
	p, err := k.store.Page(ctx, pageID)
	if err != nil {
		return PageLog{}, err
	}
	evs, err := k.store.Events(ctx, pageID, limit)
	if err != nil {
		return PageLog{}, err
	}
	states, err := k.integrationStates(ctx, []store.Page{p})
	if err != nil {
		return PageLog{}, err
	}
	l := PageLog{Record: recordOf(p), Status: statusOfPage(p), Events: make([]Event, len(evs))}
	l.Status.Integration = states[p.ID]
	for i, e := range evs {
		l.Events[i] = eventOf(e)
	}
	return l, nil
}
