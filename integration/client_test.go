package integration

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// hit is one request the pretend integration received.
type hit struct {
	header http.Header
	body   []byte
	err    error // its verification
}

// fakeIntegration plays an integration on a real socket: it verifies each
// request with the shared secret and answers with answer(); hits records
// what arrived.
type fakeIntegration struct {
	*httptest.Server
	signer *Signer
	hits   chan hit

	mu     sync.Mutex
	answer func(w http.ResponseWriter, r *http.Request, h hit)
}

// answerWith sets how the next requests are answered.
func (fi *fakeIntegration) answerWith(f func(w http.ResponseWriter, r *http.Request, h hit)) {
	fi.mu.Lock()
	fi.answer = f
	fi.mu.Unlock()
}

func newFakeIntegration(t *testing.T, tlsServer bool, secret token.Token) *fakeIntegration {
	t.Helper()
	s, err := NewSigner(secret)
	if err != nil {
		t.Fatal(err)
	}
	fi := &fakeIntegration{signer: s, hits: make(chan hit, 100)}
	fi.answerWith(func(w http.ResponseWriter, r *http.Request, h hit) {
		if h.err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(Answer{TokenFingerprint: Fingerprint(token.New(testPageToken))})
	})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, err := s.Verify(r.Header, b, time.Now(), DefaultTolerance)
		h := hit{header: r.Header.Clone(), body: b, err: err}
		fi.mu.Lock()
		answer := fi.answer
		fi.mu.Unlock()
		fi.hits <- h
		answer(w, r, h)
	})
	fi.Server = httptest.NewUnstartedServer(h)
	// Handshakes a test refuses on purpose are not news.
	fi.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tlsServer {
		fi.StartTLS()
	} else {
		fi.Start()
	}
	t.Cleanup(fi.Close)
	return fi
}

func (fi *fakeIntegration) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(fi.Certificate())
	return p
}

func testDelivery(t *testing.T, url string, secret token.Token) Delivery {
	t.Helper()
	b, err := Encode(sampleEvents(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	return Delivery{URL: url, Secret: secret, ID: NewMessageID(), Body: b}
}

func wantError(t *testing.T, err error, kind Kind, retryable bool) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v (%T), want an *integration.Error", err, err)
	}
	if e.Kind != kind || e.Retryable != retryable {
		t.Fatalf("got kind %d retryable %v (%v), want kind %d retryable %v", e.Kind, e.Retryable, err, kind, retryable)
	}
	return e
}

// noSecrets fails if an error string shows the token, the secret or a
// URL's query.
func noSecrets(t *testing.T, err error, secret token.Token) {
	t.Helper()
	if err == nil {
		return
	}
	s := err.Error()
	for _, bad := range []string{testPageToken, secret.Reveal(), "key=hunter2"} {
		if strings.Contains(s, bad) {
			t.Fatalf("the error %q shows a secret", s)
		}
	}
}

func TestDeliverOverTLS(t *testing.T) {
	secret := NewSecret()
	fi := newFakeIntegration(t, true, secret)
	c := NewClient(ClientOptions{RootCAs: fi.pool()})
	d := testDelivery(t, fi.URL+"/pagekeeper", secret)
	ack, err := c.Deliver(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if ack.HTTPStatus != 200 || ack.TokenFingerprint != Fingerprint(token.New(testPageToken)) {
		t.Fatalf("ack %+v", ack)
	}
	h := <-fi.hits
	if h.err != nil {
		t.Fatalf("the integration could not verify the delivery: %v", h.err)
	}
	if string(h.body) != string(d.Body) || h.header.Get(HeaderID) != d.ID || h.header.Get("Content-Type") != "application/json" {
		t.Fatalf("received %s with %v", h.body, h.header)
	}
	// A retry keeps the ID and signs a new attempt.
	if _, err := c.Deliver(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if h2 := <-fi.hits; h2.header.Get(HeaderID) != d.ID || h2.err != nil {
		t.Fatalf("the retry: %v %v", h2.header, h2.err)
	}

	// Without the test CA the certificate is not trusted: a person must fix it.
	_, err = NewClient(ClientOptions{}).Deliver(context.Background(), d)
	wantError(t, err, KindTLS, false)
	noSecrets(t, err, secret)
	select {
	case h := <-fi.hits:
		t.Fatalf("an untrusted server received the delivery: %v", h.header)
	default:
	}
}

func TestDeliverPlainHTTPOnlyToThisComputer(t *testing.T) {
	secret := NewSecret()
	fi := newFakeIntegration(t, false, secret)
	c := NewClient(ClientOptions{})
	for _, u := range []string{fi.URL, strings.Replace(fi.URL, "127.0.0.1", "localhost", 1)} {
		if _, err := c.Deliver(context.Background(), testDelivery(t, u+"/pk?key=hunter2", secret)); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		<-fi.hits
	}
	_, err := c.Deliver(context.Background(), testDelivery(t, "http://bot.example.com/pk?key=hunter2", secret))
	e := wantError(t, err, KindSettings, false)
	var se *SettingError
	if !errors.As(err, &se) || se.Problem != ProblemPlainHTTP || e.URL != "http://bot.example.com/pk" {
		t.Fatalf("%v", err)
	}
	noSecrets(t, err, secret)
	_, err = c.Deliver(context.Background(), testDelivery(t, fi.URL, token.New("whsec_short")))
	wantError(t, err, KindSettings, false)
}

func TestDeliverNeverFollowsRedirects(t *testing.T) {
	secret := NewSecret()
	target := newFakeIntegration(t, false, secret)
	for _, code := range []int{301, 302, 303, 307, 308} {
		from := newFakeIntegration(t, false, secret)
		from.answerWith(func(w http.ResponseWriter, r *http.Request, h hit) {
			http.Redirect(w, r, target.URL+"/new?key=hunter2", code)
		})
		_, err := NewClient(ClientOptions{}).Deliver(context.Background(), testDelivery(t, from.URL, secret))
		e := wantError(t, err, KindRedirect, false)
		if e.HTTPStatus != code || e.Location != target.URL+"/new" || !strings.Contains(err.Error(), "final") {
			t.Fatalf("%d: %+v %v", code, e, err)
		}
		noSecrets(t, err, secret)
		<-from.hits
	}
	select {
	case h := <-target.hits:
		t.Fatalf("a redirect was followed: %v", h.header)
	default:
	}
}

// endless answers with status and then writes until the client stops reading.
func endless(status int, written *atomic.Int64, done chan<- struct{}) func(http.ResponseWriter, *http.Request, hit) {
	return func(w http.ResponseWriter, r *http.Request, h hit) {
		defer func() { done <- struct{}{} }()
		w.WriteHeader(status)
		chunk := []byte(`{"token_fingerprint":"` + strings.Repeat(" ", 4090) + `"}`)
		for i := 0; i < 64<<10; i++ { // at most 256 MiB, never reached
			if _, err := w.Write(chunk); err != nil {
				return
			}
			written.Add(int64(len(chunk)))
		}
	}
}

func TestDeliverCapsTheAnswer(t *testing.T) {
	secret := NewSecret()
	fi := newFakeIntegration(t, false, secret)
	c := NewClient(ClientOptions{MaxAnswerBytes: 1 << 10})
	for _, status := range []int{200, 503} {
		var written atomic.Int64
		done := make(chan struct{}, 1)
		fi.answerWith(endless(status, &written, done))
		ack, err := c.Deliver(context.Background(), testDelivery(t, fi.URL, secret))
		if status == 200 && (err != nil || ack.TokenFingerprint != "") {
			t.Fatalf("an endless 200: %+v %v", ack, err)
		}
		if status == 503 {
			wantError(t, err, KindStatus, true)
		}
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("the server is still writing: the client kept reading")
		}
		if n := written.Load(); n > 64<<20 {
			t.Fatalf("the client read %d bytes of the answer", n)
		}
		<-fi.hits
	}
}

func TestDeliverTimesOut(t *testing.T) {
	secret := NewSecret()
	fi := newFakeIntegration(t, false, secret)
	c := NewClient(ClientOptions{Timeout: 300 * time.Millisecond})
	// No answer at all.
	fi.answerWith(func(w http.ResponseWriter, r *http.Request, h hit) { <-r.Context().Done() })
	_, err := c.Deliver(context.Background(), testDelivery(t, fi.URL, secret))
	wantError(t, err, KindTimeout, true)
	<-fi.hits
	// Headers, then nothing: a 2xx says it was delivered.
	fi.answerWith(func(w http.ResponseWriter, r *http.Request, h hit) {
		w.WriteHeader(http.StatusAccepted)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	if ack, err := c.Deliver(context.Background(), testDelivery(t, fi.URL, secret)); err != nil || ack.HTTPStatus != 202 {
		t.Fatalf("%+v %v", ack, err)
	}
	<-fi.hits
	// The caller's own deadline.
	fi.answerWith(func(w http.ResponseWriter, r *http.Request, h hit) { <-r.Context().Done() })
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-fi.hits; cancel() }()
	_, err = NewClient(ClientOptions{}).Deliver(ctx, testDelivery(t, fi.URL, secret))
	wantError(t, err, KindCanceled, true)
}

func TestDeliverClassifiesAnswers(t *testing.T) {
	secret := NewSecret()
	fi := newFakeIntegration(t, false, secret)
	c := NewClient(ClientOptions{})
	for _, tc := range []struct {
		status    int
		code      string
		header    string // Retry-After, in seconds
		kind      Kind
		retryable bool
		says      string
	}{
		{200, "", "", 0, false, ""},
		{202, "", "", 0, false, ""},
		{204, "", "", 0, false, ""},
		{400, "", "", KindStatus, false, "HTTP 400"},
		{401, CodeSignatureInvalid, "", KindStatus, false, "signing secret"},
		{401, CodeTimestampTooOld, "", KindStatus, false, "clocks"},
		{404, "", "", KindStatus, false, "HTTP 404"},
		{409, "", "", KindStatus, false, "HTTP 409"},
		{409, CodeReplayed, "", KindStatus, true, "try again"},
		{410, "", "", KindStatus, false, "HTTP 410"},
		{413, CodeBodyTooLarge, "", KindStatus, false, "size"},
		{422, CodeTokenUnopenable, "", KindStatus, false, "public key"},
		{422, "Not A Code <b>", "", KindStatus, false, "HTTP 422."},
		{408, "", "", KindStatus, true, "try again"},
		{425, "", "", KindStatus, true, "try again"},
		{429, "", "120", KindStatus, true, "try again"},
		{500, CodeHandlerFailed, "", KindStatus, true, "try again"},
		{502, "", "", KindStatus, true, "try again"},
		{503, CodeBusy, "5", KindStatus, true, "try again"},
		{504, "", "", KindStatus, true, "try again"},
	} {
		fi.answerWith(func(w http.ResponseWriter, r *http.Request, h hit) {
			if tc.header != "" {
				w.Header().Set("Retry-After", tc.header)
			}
			w.WriteHeader(tc.status)
			if tc.code != "" {
				json.NewEncoder(w).Encode(Answer{Error: &AnswerError{Code: tc.code, Message: "details"}})
			}
		})
		ack, err := c.Deliver(context.Background(), testDelivery(t, fi.URL, secret))
		<-fi.hits
		name := fmt.Sprintf("%d %s", tc.status, tc.code)
		if tc.kind == 0 {
			if err != nil || ack.HTTPStatus != tc.status || ack.TokenFingerprint != "" {
				t.Errorf("%s: %+v %v", name, ack, err)
			}
			continue
		}
		e := wantError(t, err, tc.kind, tc.retryable)
		if e.HTTPStatus != tc.status || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %q does not say %q", name, err, tc.says)
		}
		if strings.Contains(err.Error(), "<b>") {
			t.Errorf("%s: the integration's text reached the message: %v", name, err)
		}
		if tc.header != "" && fmt.Sprint(e.RetryAfter.Seconds()) != tc.header {
			t.Errorf("%s: Retry-After %v", name, e.RetryAfter)
		}
	}
}

func TestDeliverNetworkFailures(t *testing.T) {
	secret := NewSecret()
	// Nobody listens on the port any more.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/pk?key=hunter2"
	l.Close()
	_, err = NewClient(ClientOptions{}).Deliver(context.Background(), testDelivery(t, closed, secret))
	e := wantError(t, err, KindNetwork, true)
	noSecrets(t, err, secret)
	if !strings.Contains(err.Error(), "running") || strings.Contains(e.Err.Error(), "key=") {
		t.Fatalf("%v", err)
	}
	// A plain-http server at an https:// address: nothing is sent in clear.
	fi := newFakeIntegration(t, false, secret)
	_, err = NewClient(ClientOptions{}).Deliver(context.Background(), testDelivery(t, strings.Replace(fi.URL, "http:", "https:", 1), secret))
	wantError(t, err, KindNetwork, true)
	if !strings.Contains(err.Error(), "HTTPS") {
		t.Fatalf("%v", err)
	}
	select {
	case h := <-fi.hits:
		t.Fatalf("the delivery was sent without TLS: %v", h.header)
	default:
	}
}

func TestDeliverConcurrently(t *testing.T) {
	secret := NewSecret()
	fi := newFakeIntegration(t, true, secret)
	fi.hits = make(chan hit, 200)
	c := NewClient(ClientOptions{RootCAs: fi.pool()})
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 100 {
		wg.Go(func() {
			if _, err := c.Deliver(context.Background(), testDelivery(t, fi.URL, secret)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(fi.hits) != 100 {
		t.Fatalf("%d deliveries arrived", len(fi.hits))
	}
	for range 100 {
		if h := <-fi.hits; h.err != nil {
			t.Fatal(h.err)
		}
	}
	c.CloseIdleConnections()
}

func TestReadStatusRefusesUntrustedAnswers(t *testing.T) {
	secret := NewSecret()
	at := time.Now().UTC()
	rep := StatusReport{GeneratedAt: at, Pages: []PageState{{PageID: "110000000000001", TokenFingerprint: Fingerprint(token.New(testPageToken)), LastWebhookAt: &at}}}
	body, _ := json.Marshal(rep)
	other, _ := NewSigner(NewSecret())
	fi := newFakeIntegration(t, false, secret)
	c := NewClient(ClientOptions{MaxStatusBytes: 4 << 10})
	var stale []byte
	for _, tc := range []struct {
		name   string
		answer func(w http.ResponseWriter, r *http.Request, h hit)
		kind   Kind
	}{
		{"good", func(w http.ResponseWriter, r *http.Request, h hit) {
			fi.signer.Sign(w.Header(), h.header.Get(HeaderID), time.Now(), body)
			w.Write(body)
		}, 0},
		{"unsigned", func(w http.ResponseWriter, r *http.Request, h hit) { w.Write(body) }, KindAnswer},
		{"signed with another secret", func(w http.ResponseWriter, r *http.Request, h hit) {
			other.Sign(w.Header(), h.header.Get(HeaderID), time.Now(), body)
			w.Write(body)
		}, KindAnswer},
		{"an old answer for another request", func(w http.ResponseWriter, r *http.Request, h hit) {
			fi.signer.Sign(w.Header(), "st_someotherrequest", time.Now(), body)
			w.Write(body)
		}, KindAnswer},
		{"signed long ago", func(w http.ResponseWriter, r *http.Request, h hit) {
			fi.signer.Sign(w.Header(), h.header.Get(HeaderID), time.Now().Add(-time.Hour), body)
			w.Write(body)
		}, KindAnswer},
		{"changed after signing", func(w http.ResponseWriter, r *http.Request, h hit) {
			fi.signer.Sign(w.Header(), h.header.Get(HeaderID), time.Now(), body)
			w.Write([]byte(strings.Replace(string(body), "110000000000001", "110000000000002", 1)))
		}, KindAnswer},
		{"not JSON", func(w http.ResponseWriter, r *http.Request, h hit) {
			fi.signer.Sign(w.Header(), h.header.Get(HeaderID), time.Now(), []byte("ok"))
			w.Write([]byte("ok"))
		}, KindAnswer},
		{"too large", func(w http.ResponseWriter, r *http.Request, h hit) {
			big := []byte(strings.Repeat(" ", 8<<10) + string(body))
			fi.signer.Sign(w.Header(), h.header.Get(HeaderID), time.Now(), big)
			w.Write(big)
		}, KindAnswer},
		{"not published", func(w http.ResponseWriter, r *http.Request, h hit) { http.NotFound(w, r) }, KindNotPublished},
		{"down", func(w http.ResponseWriter, r *http.Request, h hit) { w.WriteHeader(502) }, KindStatus},
	} {
		fi.answerWith(tc.answer)
		got, err := c.ReadStatus(context.Background(), fi.URL, secret)
		h := <-fi.hits
		if h.err != nil || h.header.Get(HeaderID) == "" || len(h.body) != 0 {
			t.Fatalf("%s: the status request was not signed: %v", tc.name, h.err)
		}
		if stale != nil && h.header.Get(HeaderID) == string(stale) {
			t.Fatalf("%s: two status requests with one webhook-id", tc.name)
		}
		stale = []byte(h.header.Get(HeaderID))
		if tc.kind == 0 {
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if p, ok := got.Page("110000000000001"); !ok || p.TokenFingerprint != rep.Pages[0].TokenFingerprint {
				t.Fatalf("%s: %+v", tc.name, got)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Kind != tc.kind || e.Op != OpStatus {
			t.Fatalf("%s: %v, want kind %d", tc.name, err, tc.kind)
		}
		noSecrets(t, err, secret)
	}
}
