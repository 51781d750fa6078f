package fb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// Conversation is one Messenger conversation of a Page.
type Conversation struct {
	ID          string
	UpdatedTime time.Time
	// Customer is the person the Page talks with (their Page-scoped ID and name).
	Customer User
	// LastCustomerMessage is when the customer last wrote: the Send API's
	// standard 24-hour window runs from it (docs/FACEBOOK.md §7). Zero when unknown.
	LastCustomerMessage time.Time
	// LastPageMessage is when the Page last wrote (a reply); zero when
	// unknown or never, among the last messages read.
	LastPageMessage time.Time
}

// ReplyWindow is the Send API's standard messaging window.
const ReplyWindow = 24 * time.Hour

// ReplyWindowLeft is how long a RESPONSE reply may still be sent; zero or
// less means the window is closed.
func (c Conversation) ReplyWindowLeft(now time.Time) time.Duration {
	if c.LastCustomerMessage.IsZero() {
		return 0
	}
	return c.LastCustomerMessage.Add(ReplyWindow).Sub(now)
}

// graphTime accepts Graph's ISO-8601 ("2006-01-02T15:04:05-0700"), RFC 3339
// and unix seconds (number or string).
type graphTime time.Time

var graphTimeLayouts = []string{"2006-01-02T15:04:05-0700", time.RFC3339Nano, "2006-01-02T15:04:05Z0700"}

func (g *graphTime) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if b[0] != '"' {
		var n flexInt
		if err := n.UnmarshalJSON(b); err != nil {
			return err
		}
		*g = graphTime(time.Unix(int64(n), 0).UTC())
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := parseGraphTime(s)
	if err != nil {
		return err
	}
	*g = graphTime(t)
	return nil
}

func parseGraphTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	for _, l := range graphTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognised time %.40q", s)
}

// Conversations returns the Page's most recent Messenger conversations (at
// most limit; one result page, newest first as Facebook orders them). The
// newest UpdatedTime shows whether messages flow in.
func (c *Client) Conversations(ctx context.Context, pageID string, pageTok token.Token, limit int) ([]Conversation, error) {
	seg, err := segment(pageID)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 25
	}
	type person struct {
		ID   flexString `json:"id"`
		Name string     `json:"name"`
	}
	var j struct {
		Data []struct {
			ID           flexString `json:"id"`
			UpdatedTime  graphTime  `json:"updated_time"`
			Participants struct {
				Data []person `json:"data"`
			} `json:"participants"`
			Messages struct {
				Data []struct {
					From        person    `json:"from"`
					CreatedTime graphTime `json:"created_time"`
				} `json:"data"`
			} `json:"messages"`
		} `json:"data"`
	}
	params := url.Values{"platform": {"messenger"}, "limit": {strconv.Itoa(limit)},
		"fields": {"id,updated_time,participants,messages.limit(10){from,created_time}"}}
	if err := c.getJSON(ctx, pageTok, seg+"/conversations", params, &j); err != nil {
		return nil, err
	}
	out := make([]Conversation, 0, len(j.Data))
	for _, d := range j.Data {
		cv := Conversation{ID: string(d.ID), UpdatedTime: time.Time(d.UpdatedTime)}
		for _, p := range d.Participants.Data {
			if string(p.ID) != pageID {
				cv.Customer = User{ID: string(p.ID), Name: p.Name}
				break
			}
		}
		// Messages come newest first; the first one not from the Page is the
		// customer's last, the first one from it the Page's.
		for _, m := range d.Messages.Data {
			switch {
			case string(m.From.ID) != pageID && cv.LastCustomerMessage.IsZero():
				cv.LastCustomerMessage = time.Time(m.CreatedTime)
			case string(m.From.ID) == pageID && cv.LastPageMessage.IsZero():
				cv.LastPageMessage = time.Time(m.CreatedTime)
			}
		}
		out = append(out, cv)
	}
	return out, nil
}

// sendError gives a Send API failure its Send API reason: code 2 there is a
// temporary failure or, as Meta's Messenger error-codes page says, a person
// who blocked the business; it must not read as a broken connection.
func sendError(err error) error {
	if e, ok := AsError(err); ok && e.Code == codeAPIService && e.Subcode == 0 {
		e.Reason = ReasonSendFailedOrBlocked
	}
	return err
}

// SendResult is the Send API's answer.
type SendResult struct {
	RecipientID string
	MessageID   string
}

// MaxTextLength is the Send API's limit on message.text, in characters
// (Unicode code points) of UTF-8 text.
const MaxTextLength = 2000

// ErrTextTooLong, ErrTextEmpty and ErrTextInvalid are returned by SendText
// before any request is made.
var (
	ErrTextTooLong = errors.New("facebook: message text is longer than 2000 characters")
	ErrTextEmpty   = errors.New("facebook: message text is empty")
	ErrTextInvalid = errors.New("facebook: message text is not valid UTF-8")
)

// SendText sends a text reply (messaging_type RESPONSE, so only inside the
// 24-hour window) to psid from the Page. A send is not idempotent: it is
// retried only when Facebook refused it (throttled) or it never left this
// computer, so a customer never gets a message twice.
func (c *Client) SendText(ctx context.Context, pageID string, pageTok token.Token, psid, text string) (SendResult, error) {
	seg, err := segment(pageID)
	if err != nil {
		return SendResult{}, err
	}
	switch {
	case !utf8.ValidString(text):
		return SendResult{}, ErrTextInvalid
	case strings.TrimSpace(text) == "":
		return SendResult{}, ErrTextEmpty
	case utf8.RuneCountInString(text) > MaxTextLength:
		return SendResult{}, ErrTextTooLong
	}
	if strings.TrimSpace(psid) == "" {
		return SendResult{}, errors.New("facebook: no recipient")
	}
	recipient, _ := json.Marshal(map[string]string{"id": psid})
	message, _ := json.Marshal(map[string]string{"text": text})
	resp, err := c.do(ctx, &request{
		method: http.MethodPost, url: c.endpoint(seg + "/messages"),
		params: url.Values{
			"recipient":      {string(recipient)},
			"messaging_type": {"RESPONSE"},
			"message":        {string(message)},
		},
		tok: pageTok,
	})
	if err != nil {
		return SendResult{}, sendError(err)
	}
	var j struct {
		RecipientID flexString `json:"recipient_id"`
		MessageID   string     `json:"message_id"`
	}
	if err := decodeBody(resp, &j); err != nil {
		return SendResult{}, err
	}
	return SendResult{RecipientID: string(j.RecipientID), MessageID: j.MessageID}, nil
}
