package integration

import (
	"errors"
	"fmt"
	"time"
)

// An integration may publish a status endpoint: per Page, the fingerprint
// of the token it holds and when it last received a webhook from Facebook
// and last sent a reply. Pagekeeper's health round reads it (Client.ReadStatus)
// to tell "connected" from "connected, and the integration really answers".
// It is a GET on the delivery URL itself unless the integration is set up
// with its own status URL; request and answer are signed like deliveries.

// StatusReport is the status document.
type StatusReport struct {
	GeneratedAt time.Time   `json:"generated_at"`
	Pages       []PageState `json:"pages"`
}

// PageState is what the integration knows of one Page.
type PageState struct {
	PageID string `json:"page_id"`
	// TokenFingerprint is the Fingerprint of the token it holds; "" for none.
	TokenFingerprint string `json:"token_fingerprint,omitempty"`
	// TokenReceivedAt: when that token arrived.
	TokenReceivedAt *time.Time `json:"token_received_at,omitempty"`
	// LastWebhookAt: the last webhook Facebook delivered for the Page.
	LastWebhookAt *time.Time `json:"last_webhook_at,omitempty"`
	// LastReplyAt: the last reply the integration sent through the Send API.
	LastReplyAt *time.Time `json:"last_reply_at,omitempty"`
}

// Validate checks the document's form.
func (r *StatusReport) Validate() error {
	if r.GeneratedAt.IsZero() {
		return errors.New("the status document has no generated_at")
	}
	for i, p := range r.Pages {
		if !validPageID(p.PageID) {
			return fmt.Errorf("the status document's page %d has no valid page_id", i+1)
		}
		if p.TokenFingerprint != "" && !ValidFingerprint(p.TokenFingerprint) {
			return fmt.Errorf("the status document's page %s has a malformed token_fingerprint", p.PageID)
		}
	}
	return nil
}

// Page returns the state of one Page, if the document lists it.
func (r *StatusReport) Page(id string) (PageState, bool) {
	for _, p := range r.Pages {
		if p.PageID == id {
			return p, true
		}
	}
	return PageState{}, false
}
