package sandbox

import (
	"fmt"
	"html"
	"net/http"
	"strings"
)

// The m.me link resolver (docs/FACEBOOK.md §7): what happens when a person opens
// http://m.me/PAGE?ref=REF. The fake serves it as /m.me/PAGE on its own
// origin; Pagekeeper's sandbox links point there.

// VisitorPSID is the person who opens an m.me link without ?as=: one
// fixed page-scoped ID per Page, so the first visit starts a conversation
// (Get Started) and later visits continue it.
func VisitorPSID(pageID string) string { return "79" + pageID }

// MMeOutcome says what opening an m.me link did.
type MMeOutcome string

const (
	MMeStarted  MMeOutcome = "started"  // new conversation: Get Started postback (with the referral)
	MMeReferral MMeOutcome = "referral" // existing conversation: messaging_referrals
	MMeOpened   MMeOutcome = "opened"   // existing conversation, no ref: the thread opens, nothing is sent
)

// OpenMMe plays a person (psid; "" is VisitorPSID) opening
// m.me/{pageUsernameOrID}?ref=ref. Without a conversation with the Page the
// person taps Get Started: the conversation starts with a "Get Started"
// message and a messaging_postbacks event carries payload GET_STARTED and
// referral {ref, SHORTLINK, OPEN_THREAD} (no referral when ref is empty).
// With a conversation, a messaging_referrals event is sent and the 24-hour
// window restarts (conversation updated_time moves to now) — only when
// there is a ref: a plain link just opens the thread. Events are delivered
// only to a subscribed app (webhooks.go).
func (f *Fake) OpenMMe(pageUsernameOrID, psid, ref string) error {
	_, _, err := f.openMMe(pageUsernameOrID, psid, ref)
	return err
}

func (f *Fake) openMMe(pageUsernameOrID, psid, ref string) (*page, MMeOutcome, error) {
	defer f.changing()()
	p := f.pageByNameLocked(pageUsernameOrID)
	if p == nil || !p.published {
		return nil, "", fmt.Errorf("%w %q (or it is unpublished, so m.me cannot open it)", ErrUnknownPage, pageUsernameOrID)
	}
	if psid == "" {
		psid = VisitorPSID(p.id)
	}
	now := f.clock.Now()
	var referral *eventReferral
	if ref != "" {
		referral = &eventReferral{Ref: ref, Source: "SHORTLINK", Type: "OPEN_THREAD"}
	}
	var conv *conversation
	for _, c := range f.pageConvs[p.id] {
		if c.psid == psid {
			conv = c
		}
	}
	if conv == nil {
		_, m := f.addCustomerMessage(p.id, psid, "Get Started", now)
		f.emitLocked(p.id, FieldMessagingPostbacks, messagingEvent{Sender: idRef{psid}, Recipient: idRef{p.id}, Timestamp: now.UnixMilli(),
			Postback: &eventPostback{Title: "Get Started", Payload: "GET_STARTED", Referral: referral, MID: m.id}})
		return p, MMeStarted, nil
	}
	if referral == nil {
		return p, MMeOpened, nil
	}
	// A referral restarts the standard messaging window (docs/FACEBOOK.md §7) without
	// being a message.
	if now.After(conv.lastUserAt) {
		conv.lastUserAt = now
	}
	if now.After(conv.updated) {
		conv.updated = now
	}
	f.emitLocked(p.id, FieldMessagingReferrals, messagingEvent{Sender: idRef{psid}, Recipient: idRef{p.id}, Timestamp: now.UnixMilli(),
		Referral: referral})
	return p, MMeReferral, nil
}

// pageByNameLocked finds a Page by ID or username (case-insensitive, as
// m.me treats it). Callers hold f.mu.
func (f *Fake) pageByNameLocked(s string) *page {
	if p := f.pages[s]; p != nil {
		return p
	}
	for _, id := range f.pageOrder {
		if p := f.pages[id]; strings.EqualFold(p.username, s) {
			return p
		}
	}
	return nil
}

// serveMMe is GET /m.me/{page}?ref=…&as=<psid>: it resolves the link and
// answers the small page a browser shows while Messenger opens.
func (f *Fake) serveMMe(w http.ResponseWriter, r *http.Request, name string) {
	name = strings.Trim(name, "/")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	switch r.Method {
	case http.MethodGet:
	case http.MethodHead:
		// A link checker or preview: nobody opened the thread.
		return
	default:
		w.Header().Set("Allow", "GET, HEAD")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	p, outcome, err := f.openMMe(name, q.Get("as"), q.Get("ref"))
	if err != nil {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `<!doctype html><html><head><meta charset="utf-8"><title>Messenger</title></head>`+
			`<body><h1>This content isn't available right now</h1><p>The link may be broken, or the Page may have been removed or unpublished.</p></body></html>`)
		return
	}
	var what string
	switch outcome {
	case MMeStarted:
		what = "A new conversation started with Get Started."
	case MMeReferral:
		what = "The conversation was opened again from the link."
	default:
		what = "The conversation was opened."
	}
	fmt.Fprintf(w, `<!doctype html><html><head><meta charset="utf-8"><title>Messenger</title></head>`+
		`<body><h1>Opening Messenger…</h1><p>Chat with <strong>%s</strong>.</p><p id="outcome" data-outcome="%s">%s</p></body></html>`,
		html.EscapeString(p.name), outcome, what)
}
