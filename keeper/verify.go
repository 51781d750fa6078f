package keeper

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/pagekeeper/pagekeeper/fb"
)

// FlowCheck is the answer to "do messages really flow?" for one Page.
type FlowCheck struct {
	// LatestMessage is when the newest conversation changed: messages come in.
	LatestMessage time.Time
	// Reply is the customer of the most recent conversation still inside
	// the 24-hour window (a test reply can go to them), or nil.
	Reply      *Customer
	WindowLeft time.Duration
	// Advice says what to do when messages do not seem to flow.
	Advice Text
}

var (
	msgFlowNoConversations = msg("verify.no_conversations",
		"No Messenger conversations yet. Send a message to the Page from a personal Facebook account (for example with the m.me link), then check again.")
	msgEventTestReply = msg("event.test_reply_sent", "Test reply sent to a customer ({{.Length}} characters); Facebook accepted it.")
	msgFlowNoWindow   = msg("verify.no_window",
		"Messages arrive, but nobody has written in the last 24 hours, so Facebook does not allow a test reply. Send a message to the Page yourself, then check again.")
)

// Customer is a person writing to a Page: their Page-scoped ID (PSID) and name.
type Customer struct{ PSID, Name string }

// CheckMessagesFlow reads the Page's latest conversations: the newest time
// shows messages come in; a conversation inside the 24-hour window is where
// a test reply can show replies go out.
func (k *Keeper) CheckMessagesFlow(ctx context.Context, pageID string) (FlowCheck, error) {
	tok, err := k.store.Token(ctx, pageID)
	if err != nil {
		return FlowCheck{}, err
	}
	convs, err := k.facebook().Conversations(ctx, pageID, tok, 10)
	if err != nil {
		return FlowCheck{}, err
	}
	var fc FlowCheck
	now := k.now()
	for i := range convs {
		c := convs[i]
		if c.UpdatedTime.After(fc.LatestMessage) {
			fc.LatestMessage = c.UpdatedTime
		}
		if left := c.ReplyWindowLeft(now); left > fc.WindowLeft && c.Customer.ID != "" {
			fc.Reply, fc.WindowLeft = &Customer{PSID: c.Customer.ID, Name: c.Customer.Name}, left
		}
	}
	switch {
	case len(convs) == 0:
		fc.Advice = msgFlowNoConversations.with()
	case fc.Reply == nil:
		fc.Advice = msgFlowNoWindow.with()
	}
	return fc, nil
}

// MaxReplyLength is the most characters a Messenger reply may have (the Send API's limit).
const MaxReplyLength = fb.MaxTextLength

// ErrReplyTooLong: the Send API takes at most MaxReplyLength characters.
var ErrReplyTooLong = fmt.Errorf("a Messenger reply can be at most %d characters", MaxReplyLength)

// SendTestReply sends text to a customer (PSID) of a conversation inside the
// 24-hour window and records it; it returns Facebook's message ID.
func (k *Keeper) SendTestReply(ctx context.Context, pageID, psid, text string, actor Actor) (messageID string, err error) {
	if err := k.requireManager(); err != nil {
		return "", err
	}
	if utf8.RuneCountInString(text) > MaxReplyLength {
		return "", ErrReplyTooLong
	}
	tok, err := k.store.Token(ctx, pageID)
	if err != nil {
		return "", err
	}
	res, err := k.facebook().SendText(ctx, pageID, tok, psid, text)
	if err != nil {
		return "", err
	}
	_, err = k.store.AppendEvent(ctx, actor.event(pageID, "test_reply_sent",
		msgEventTestReply.with("Length", utf8.RuneCountInString(text)), k.now()))
	return res.MessageID, err
}

// Messenger links (MessengerLink) refuse a ref or a Page name m.me cannot take.
var (
	ErrRefTooLong      = fb.ErrRefTooLong
	ErrInvalidRef      = fb.ErrInvalidRef
	ErrInvalidPageName = fb.ErrInvalidPageName
)

// MessengerLink is the m.me link that opens a Messenger conversation with
// a Page (its username, or its ID) and hands the integration ref.
func MessengerLink(page, ref string) (string, error) { return fb.MMeLink(page, ref) }
