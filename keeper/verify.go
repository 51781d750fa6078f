package keeper

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/token"
)

// Messenger is what the post-setup check needs from Facebook (*fb.Client has it).
type Messenger interface {
	Conversations(ctx context.Context, pageID string, pageTok token.Token, limit int) ([]fb.Conversation, error)
	SendText(ctx context.Context, pageID string, pageTok token.Token, psid, text string) (fb.SendResult, error)
}

// FlowCheck is the answer to "do messages really flow?" for one Page.
type FlowCheck struct {
	// LatestMessage is when the newest conversation changed: messages come in.
	LatestMessage time.Time
	// Reply is the most recent conversation still inside the 24-hour window
	// (a test reply can go there), or nil.
	Reply      *fb.Conversation
	WindowLeft time.Duration
	// Advice says what to do when messages do not seem to flow.
	Advice Text
}

var (
	msgFlowNoConversations = msg("verify.no_conversations",
		"No Messenger conversations yet. Send a message to the Page from a personal Facebook account (for example with the m.me link), then check again.")
	msgFlowNoWindow = msg("verify.no_window",
		"Messages arrive, but nobody has written in the last 24 hours, so Facebook does not allow a test reply. Send a message to the Page yourself, then check again.")
)

// ErrNoMessenger: the Facebook client cannot read conversations.
var ErrNoMessenger = errors.New("this Facebook connection cannot read Messenger conversations")

func (k *Keeper) messenger() (Messenger, error) {
	if err := k.needGraph(); err != nil {
		return nil, err
	}
	m, ok := k.graph.(Messenger)
	if !ok {
		return nil, ErrNoMessenger
	}
	return m, nil
}

// CheckMessagesFlow reads the Page's latest conversations: the newest time
// shows messages come in; a conversation inside the 24-hour window is where
// a test reply can show replies go out.
func (k *Keeper) CheckMessagesFlow(ctx context.Context, pageID string) (FlowCheck, error) {
	m, err := k.messenger()
	if err != nil {
		return FlowCheck{}, err
	}
	tok, err := k.store.Token(ctx, pageID)
	if err != nil {
		return FlowCheck{}, err
	}
	convs, err := m.Conversations(ctx, pageID, tok, 10)
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
			fc.Reply, fc.WindowLeft = &c, left
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

// ErrReplyTooLong: the Send API takes at most fb.MaxTextLength characters.
var ErrReplyTooLong = fmt.Errorf("a Messenger reply can be at most %d characters", fb.MaxTextLength)

// SendTestReply sends text to the customer of a conversation inside the
// 24-hour window and records it.
func (k *Keeper) SendTestReply(ctx context.Context, pageID, psid, text string, actor Actor) (fb.SendResult, error) {
	if err := k.requireManager(); err != nil {
		return fb.SendResult{}, err
	}
	if utf8.RuneCountInString(text) > fb.MaxTextLength {
		return fb.SendResult{}, ErrReplyTooLong
	}
	m, err := k.messenger()
	if err != nil {
		return fb.SendResult{}, err
	}
	tok, err := k.store.Token(ctx, pageID)
	if err != nil {
		return fb.SendResult{}, err
	}
	res, err := m.SendText(ctx, pageID, tok, psid, text)
	if err != nil {
		return res, err
	}
	_, err = k.store.AppendEvent(ctx, actor.event(pageID, "test_reply_sent",
		fmt.Sprintf("Test reply sent to a customer (%d characters); Facebook accepted it.", utf8.RuneCountInString(text)), k.now()))
	return res, err
}
