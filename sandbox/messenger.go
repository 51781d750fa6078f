package sandbox

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Graph datetimes come back as ISO-8601 with a numeric zone, e.g.
// "2026-11-01T08:59:00+0000" (docs/FACEBOOK.md §7).
func graphTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05-0700") }

var messageTags = []string{"CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE", "HUMAN_AGENT"}

// lenientObject parses a JSON object that the form variant of the Send API
// may write with single quotes (the Send API reference's curl: recipient={'id':'{PSID}'}).
func lenientObject(s string) map[string]any {
	var m map[string]any
	if json.Unmarshal([]byte(s), &m) == nil {
		return m
	}
	if json.Unmarshal([]byte(strings.ReplaceAll(s, "'", `"`)), &m) == nil {
		return m
	}
	return nil
}

func errRoleMessaging() *apiError {
	return &apiError{code: 200, msg: "(#200) User associated with the Page access token does not have an appropriate role on the Page."}
}

// sendMessage is the Send API (docs/FACEBOOK.md §7): Page token with the MESSAGING task
// and pages_messaging, the 24-hour window and tags (docs/FACEBOOK.md §7).
func (f *Fake) sendMessage(c *call, t *tokenRec, p *page) (any, *apiError) {
	if c.method != http.MethodPost {
		return nil, errUnsupported(c.method, p.id+"/messages")
	}
	r, e := f.pageTokenRole(t, p)
	if e != nil {
		return nil, e
	}
	if e := f.needPerm(t, "pages_messaging"); e != nil {
		return nil, e
	}
	if !roleCan(r, capMessage) {
		return nil, errRoleMessaging()
	}
	rec := lenientObject(c.params.Get("recipient"))
	psid, _ := rec["id"].(string)
	if psid == "" {
		return nil, errParam("(#100) param recipient must be non-empty.")
	}
	msg := c.params.Get("message")
	action := c.params.Get("sender_action")
	if msg == "" && action == "" {
		return nil, errParam("(#100) Must send either message or sender action")
	}
	var conv *conversation
	for _, x := range f.pageConvs[p.id] {
		if x.psid == psid {
			conv = x
		}
	}
	if conv == nil {
		return nil, &apiError{code: 100, subcode: 2018001, msg: "(#100) No matching user found"}
	}
	if f.faults.blocked[p.id+"/"+psid] {
		return nil, &apiError{code: 551, subcode: 1545041, msg: "This person isn't available right now."}
	}
	if msg == "" {
		return map[string]any{"recipient_id": psid}, nil
	}
	mt := c.params.Get("messaging_type")
	window := MessagingWindow
	switch mt {
	case "RESPONSE", "UPDATE":
	case "MESSAGE_TAG":
		tag := c.params.Get("tag")
		if !slices.Contains(messageTags, tag) {
			return nil, errParam("(#100) Param tag must be one of {" + strings.Join(messageTags, ", ") + "} - got \"" + tag + "\"")
		}
		window = -1
		if tag == "HUMAN_AGENT" {
			window = HumanAgentWindow
		}
	case "":
		return nil, errParam("(#100) The parameter messaging_type is required")
	default:
		return nil, errParam("(#100) Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG} - got \"" + mt + "\"")
	}
	now := f.clock.Now()
	if window > 0 && now.Sub(conv.lastUserAt) > window {
		return nil, cannedError(10, 2018278, f.opts.AppID)
	}
	text := ""
	if m := lenientObject(msg); m != nil {
		text, _ = m["text"].(string)
	}
	id := "m_" + f.randString(64, codeChars)
	conv.messages = append(conv.messages, &message{id: id, fromID: p.id, fromName: p.name, toID: psid, toName: conv.name, text: text, created: now})
	conv.updated = now
	f.emitEchoLocked(p, psid, id, text, now)
	return map[string]any{"recipient_id": psid, "message_id": id}, nil
}

// conversations lists the Page's Messenger conversations (docs/FACEBOOK.md §7).
func (f *Fake) conversations(c *call, t *tokenRec, p *page) (any, *apiError) {
	if c.method != http.MethodGet {
		return nil, errUnsupported(c.method, p.id+"/conversations")
	}
	r, e := f.pageTokenRole(t, p)
	if e != nil {
		return nil, e
	}
	if !roleCan(r, capMessage|capModerate) {
		return nil, errRoleMessaging()
	}
	if e := f.needPerm(t, "pages_messaging", "pages_manage_metadata", "pages_read_engagement"); e != nil {
		return nil, e
	}
	list := []*conversation{}
	switch pl := strings.ToLower(c.params.Get("platform")); pl {
	case "", "messenger":
		if fo := c.params.Get("folder"); fo == "" || fo == "inbox" {
			list = slices.Clone(f.pageConvs[p.id])
		}
	case "instagram":
	default:
		return nil, errParam("(#100) Param platform must be one of {MESSENGER, INSTAGRAM} - got \"" + pl + "\"")
	}
	if uid := c.params.Get("user_id"); uid != "" {
		list = slices.DeleteFunc(list, func(x *conversation) bool { return x.psid != uid })
	}
	slices.SortStableFunc(list, func(a, b *conversation) int { return b.updated.Compare(a.updated) })
	fields, sub := parseFields(c.params.Get("fields"), "id", "updated_time")
	return f.paginate(c, len(list), func(i int) any { return f.convFields(list[i], fields, sub, c) })
}

func (f *Fake) person(id, name string) map[string]string {
	return map[string]string{"name": name, "email": id + "@facebook.com", "id": id}
}

func (f *Fake) convFields(cv *conversation, fields []string, sub map[string]string, c *call) map[string]any {
	p := f.pages[cv.pageID]
	out := map[string]any{}
	for _, fl := range fields {
		switch fl {
		case "id":
			out["id"] = cv.id
		case "updated_time":
			out["updated_time"] = graphTime(cv.updated)
		case "link":
			out["link"] = "/" + p.username + "/inbox/" + cv.id
		case "snippet":
			if n := len(cv.messages); n > 0 {
				out["snippet"] = cv.messages[n-1].text
			}
		case "message_count":
			out["message_count"] = len(cv.messages)
		case "unread_count":
			out["unread_count"] = 0
		case "can_reply":
			out["can_reply"] = true
		case "participants", "senders":
			out[fl] = map[string]any{"data": []any{f.person(cv.psid, cv.name), f.person(p.id, p.name)}}
		case "messages":
			mf, _ := parseFields(sub["messages"], "id", "created_time")
			data := []any{}
			for i := len(cv.messages) - 1; i >= 0; i-- {
				data = append(data, f.messageFields(cv.messages[i], mf))
			}
			out["messages"] = map[string]any{"data": data}
		}
	}
	return out
}

func (f *Fake) messageFields(m *message, fields []string) map[string]any {
	out := map[string]any{}
	for _, fl := range fields {
		switch fl {
		case "id":
			out["id"] = m.id
		case "created_time":
			out["created_time"] = graphTime(m.created)
		case "message":
			out["message"] = m.text
		case "from":
			out["from"] = f.person(m.fromID, m.fromName)
		case "to":
			out["to"] = map[string]any{"data": []any{f.person(m.toID, m.toName)}}
		}
	}
	return out
}

func (f *Fake) conversationRoute(c *call, t *tokenRec, cv *conversation, edge string) (any, *apiError) {
	p := f.pages[cv.pageID]
	r, e := f.pageTokenRole(t, p)
	if e != nil || c.method != http.MethodGet {
		return nil, errUnsupported(c.method, cv.id)
	}
	if !roleCan(r, capMessage|capModerate) {
		return nil, errRoleMessaging()
	}
	if e := f.needPerm(t, "pages_messaging"); e != nil {
		return nil, e
	}
	switch edge {
	case "":
		fields, sub := parseFields(c.params.Get("fields"), "id", "updated_time")
		return f.convFields(cv, fields, sub, c), nil
	case "messages":
		fields, _ := parseFields(c.params.Get("fields"), "id", "created_time")
		n := len(cv.messages)
		return f.paginate(c, n, func(i int) any { return f.messageFields(cv.messages[n-1-i], fields) })
	}
	return nil, nonexistingField(edge, "Conversation")
}
