package example

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"strings"
	"sync"
	"time"

	"filippo.io/age"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/integration"
)

// messenger is the example's Messenger webhook endpoint (the app's callback
// URL in the Meta dashboard): it answers Facebook's verification handshake,
// takes only POSTs whose X-Hub-Signature-256 is the HMAC of the raw body
// with the App Secret, and answers each customer message through the Send
// API with the Page's token. Facebook wants a 200 within seconds, so replies
// go out from one goroutine after the answer.
type messenger struct {
	appSecret   token.Token // zero: every POST is refused
	verifyToken string      // "": the handshake is refused
	reply       string
	identity    age.Identity
	store       *store
	graph       *fb.Client
	log         *log.Logger
	now         func() time.Time

	jobs chan replyJob
	stop chan struct{}
	done sync.WaitGroup
}

type replyJob struct{ pageID, psid string }

// maxWebhookBytes bounds one Messenger POST (Facebook batches events).
const maxWebhookBytes = 1 << 20

func (m *messenger) start() {
	m.jobs, m.stop = make(chan replyJob, 1000), make(chan struct{})
	m.done.Go(m.replyLoop)
}

// close stops the reply goroutine; replies still queued are dropped.
func (m *messenger) close() {
	close(m.stop)
	m.done.Wait()
}

func (m *messenger) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		m.handshake(w, r)
	case http.MethodPost:
		m.event(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// handshake answers GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…
// with the challenge when the verify token matches (ref §10).
func (m *messenger) handshake(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("hub.mode") != "subscribe" || m.verifyToken == "" ||
		subtle.ConstantTimeCompare([]byte(q.Get("hub.verify_token")), []byte(m.verifyToken)) != 1 {
		m.log.Printf("refused a webhook verification request: the verify token does not match --verify-token")
		http.Error(w, "verify token does not match", http.StatusForbidden)
		return
	}
	m.log.Printf("answered Facebook's webhook verification request")
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, q.Get("hub.challenge"))
}

// webhookPayload is the part of Facebook's Page webhook the example reads.
type webhookPayload struct {
	Object string `json:"object"`
	Entry  []struct {
		ID        string `json:"id"`
		Messaging []struct {
			Sender  struct{ ID string } `json:"sender"`
			Message *struct {
				IsEcho bool   `json:"is_echo"`
				Text   string `json:"text"`
			} `json:"message"`
		} `json:"messaging"`
	} `json:"entry"`
}

func (m *messenger) event(w http.ResponseWriter, r *http.Request) {
	if m.appSecret.IsZero() {
		m.log.Printf("refused a Messenger webhook: start with --app-secret-file to verify them")
		http.Error(w, "no App Secret to verify the signature with", http.StatusForbidden)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBytes))
	if err != nil {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if !m.signedByFacebook(body, r.Header.Get("X-Hub-Signature-256")) {
		m.log.Printf("refused a Messenger webhook from %s: its X-Hub-Signature-256 is not the App Secret's signature of the body", r.RemoteAddr)
		http.Error(w, "signature does not match", http.StatusForbidden)
		return
	}
	var p webhookPayload
	if err := json.Unmarshal(body, &p); err != nil || p.Object != "page" {
		m.log.Printf("ignored a Messenger webhook that is not about a Page")
		_, _ = io.WriteString(w, "EVENT_RECEIVED")
		return
	}
	for _, e := range p.Entry {
		if !pageID(e.ID) {
			m.log.Printf("ignored a Messenger webhook entry without a Page ID")
			continue
		}
		if err := m.store.webhookReceived(r.Context(), e.ID, m.now()); err != nil {
			m.log.Printf("could not record the webhook for Page %s: %v", e.ID, err)
		}
		for _, ev := range e.Messaging {
			switch {
			case ev.Message == nil:
				m.log.Printf("Messenger event for Page %s (not a message)", e.ID)
			case ev.Message.IsEcho:
				m.log.Printf("Messenger echo of the Page's own message, Page %s", e.ID)
			default:
				m.log.Printf("Messenger message for Page %s", e.ID)
				m.enqueue(replyJob{pageID: e.ID, psid: ev.Sender.ID})
			}
		}
	}
	_, _ = io.WriteString(w, "EVENT_RECEIVED")
}

// signedByFacebook checks X-Hub-Signature-256: "sha256=" and the lowercase
// hex HMAC-SHA256 of the raw body, keyed with the App Secret (ref §10).
func (m *messenger) signedByFacebook(body []byte, header string) bool {
	got, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	sig, err := hex.DecodeString(got)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(m.appSecret.Reveal()))
	mac.Write(body)
	return hmac.Equal(sig, mac.Sum(nil))
}

func (m *messenger) enqueue(j replyJob) {
	select {
	case m.jobs <- j:
	default:
		m.log.Printf("too many replies waiting: not answering this message on Page %s", j.pageID)
	}
}

func (m *messenger) replyLoop() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-m.stop; cancel() }()
	for {
		select {
		case j := <-m.jobs:
			m.send(ctx, j)
		case <-m.stop:
			return
		}
	}
}

// send answers one message with the Page's token, opened just for the call.
func (m *messenger) send(ctx context.Context, j replyJob) {
	sealed, ok, err := m.store.sealed(ctx, j.pageID)
	switch {
	case err != nil:
		m.log.Printf("could not read the token of Page %s: %v", j.pageID, err)
		return
	case !ok:
		m.log.Printf("no token for Page %s: connect it to this integration in Pagekeeper", j.pageID)
		return
	}
	tok, err := integration.Open(sealed, m.identity)
	if err != nil {
		m.log.Printf("cannot open the token held for Page %s: %v", j.pageID, err)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := m.graph.SendText(ctx, j.pageID, tok, j.psid, m.reply); err != nil {
		m.log.Printf("the reply on Page %s failed: %v", j.pageID, err)
		return
	}
	if err := m.store.replySent(ctx, j.pageID, m.now()); err != nil {
		m.log.Printf("could not record the reply on Page %s: %v", j.pageID, err)
	}
	m.log.Printf("replied to a message on Page %s", j.pageID)
}

// pageID: Facebook's Page IDs are decimal numbers.
func pageID(id string) bool {
	return id != "" && len(id) <= 20 && strings.Trim(id, "0123456789") == ""
}
