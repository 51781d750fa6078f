package example

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/integration"
	"github.com/pagekeeper/pagekeeper/internal/testcert"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

// The example runs as its own process: this test binary started again with
// exampleArgsEnv set runs Main with those arguments instead of the tests.
const exampleArgsEnv = "PAGEKEEPER_TEST_INTEGRATION_EXAMPLE_ARGS"

func TestMain(m *testing.M) {
	if raw := os.Getenv(exampleArgsEnv); raw != "" {
		var args []string
		if err := json.Unmarshal([]byte(raw), &args); err != nil {
			panic(err)
		}
		os.Exit(Main(args, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

const (
	verifyToken = "pk-example-verify-7Qz"
	customer    = "7000000000000042" // the customer's page-scoped ID
	replyText   = "Hello from the example integration!"
)

// proc is the example integration running in its own process.
type proc struct {
	cmd       *exec.Cmd
	dir       string
	base      string // http(s)://127.0.0.1:PORT
	recipient string
	secret    token.Token
	stdout    *lockedBuffer
	stderr    *lockedBuffer
	exited    chan error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startExample runs the example with dir's files and extra flags, and waits
// until it listens.
func startExample(t *testing.T, dir string, extra ...string) *proc {
	t.Helper()
	args := append([]string{"--addr", "127.0.0.1:0", "--key-file", filepath.Join(dir, "key.txt"),
		"--secret-file", filepath.Join(dir, "secret.txt"), "--reply", replyText}, extra...)
	raw, _ := json.Marshal(args)
	p := &proc{dir: dir, stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, exited: make(chan error, 1)}
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(os.Environ(), exampleArgsEnv+"="+string(raw))
	p.cmd.Stderr = p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			p.stdout.Write([]byte(line + "\n"))
			if rest, ok := strings.CutPrefix(line, "Listening on "); ok {
				listening <- rest
			}
		}
		p.exited <- p.cmd.Wait()
	}()
	t.Cleanup(func() { p.stop(t) })
	select {
	case p.base = <-listening:
	case err := <-p.exited:
		p.exited <- err
		t.Fatalf("the example stopped: %v\n%s%s", err, p.stdout, p.stderr)
	case <-time.After(60 * time.Second):
		t.Fatalf("the example did not start:\n%s%s", p.stdout, p.stderr)
	}
	for _, line := range strings.Split(p.stdout.String(), "\n") {
		if r, ok := strings.CutPrefix(line, "Recipient: "); ok {
			p.recipient = r
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "secret.txt"))
	if err != nil {
		t.Fatal(err)
	}
	p.secret = token.New(strings.TrimSpace(string(b)))
	return p
}

// stop interrupts the example as Ctrl-C would; it must end cleanly (a
// data race in it would end it with another code).
func (p *proc) stop(t *testing.T) {
	t.Helper()
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-p.exited:
		if err != nil {
			t.Errorf("the example did not stop cleanly: %v\n%s", err, p.stderr)
		}
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Errorf("the example did not stop on an interrupt:\n%s", p.stderr)
	}
}

// fakeFacebook is the pretend Facebook on a loopback socket; sends tells
// about every Send API call once the fake has answered it.
type fakeFacebook struct {
	*sandbox.Fake
	URL   string
	sends chan int // HTTP status of each POST …/messages
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(s int) { r.status = s; r.ResponseWriter.WriteHeader(s) }

func startFacebook(t *testing.T) *fakeFacebook {
	t.Helper()
	f := sandbox.New(sandbox.Options{})
	fb := &fakeFacebook{Fake: f, sends: make(chan int, 100)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		f.ServeHTTP(rec, r)
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/messages") {
			fb.sends <- rec.status
		}
	}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close(); f.Close() })
	fb.URL = "http://" + ln.Addr().String()
	return fb
}

// pageToken logs the demo owner in and returns Sunrise Café's token, its
// webhooks subscribed for messages.
func (fb *fakeFacebook) pageToken(t *testing.T) token.Token {
	t.Helper()
	user := fb.IssueUserToken(sandbox.DemoUserID, true, []string{"pages_show_list", "pages_messaging", "pages_manage_metadata", "pages_read_engagement"})
	pt := fb.PageToken(user, sandbox.PageSunriseCafe)
	if pt == "" {
		t.Fatal("no Page token")
	}
	resp, err := http.PostForm(fb.URL+"/v25.0/"+sandbox.PageSunriseCafe+"/subscribed_apps",
		url.Values{"subscribed_fields": {"messages"}, "access_token": {pt}, "appsecret_proof": {sandbox.AppSecretProof(fb.Options().AppSecret, pt)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("subscribing the Page: HTTP %d", resp.StatusCode)
	}
	return token.New(pt)
}

// waitSend waits for the example's next Send API call.
func (fb *fakeFacebook) waitSend(t *testing.T) {
	t.Helper()
	select {
	case status := <-fb.sends:
		if status != 200 {
			t.Fatalf("the Send API answered the example's reply with HTTP %d", status)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the example sent no reply")
	}
}

// repliesRecorded counts the Page's messages to the customer with the
// reply text, as the pretend Facebook recorded them.
func (fb *fakeFacebook) repliesRecorded(t *testing.T, pt token.Token) int {
	t.Helper()
	q := url.Values{"platform": {"messenger"}, "user_id": {customer}, "fields": {"messages{message,from}"}, "access_token": {pt.Reveal()}}
	resp, err := http.Get(fb.URL + "/v25.0/" + sandbox.PageSunriseCafe + "/conversations?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data []struct {
			Messages struct {
				Data []struct {
					Message string `json:"message"`
					From    struct{ ID string }
				} `json:"data"`
			} `json:"messages"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range body.Data {
		for _, m := range c.Messages.Data {
			if m.Message == replyText && m.From.ID == sandbox.PageSunriseCafe {
				n++
			}
		}
	}
	return n
}

// deliver sends one signed event to the example as Pagekeeper will.
func deliver(t *testing.T, c *integration.Client, p *proc, ev integration.Event) (integration.Ack, error) {
	t.Helper()
	b, err := integration.Encode(ev)
	if err != nil {
		t.Fatal(err)
	}
	return c.Deliver(context.Background(), integration.Delivery{URL: p.base + PathPagekeeper, Secret: p.secret, ID: integration.NewMessageID(), Body: b})
}

func connectedEvent(t *testing.T, p *proc, pt token.Token) integration.Event {
	t.Helper()
	r, err := integration.ParseRecipient(p.recipient)
	if err != nil {
		t.Fatalf("the example printed no usable recipient (%q): %v", p.recipient, err)
	}
	info, err := integration.SealToken(pt, r)
	if err != nil {
		t.Fatal(err)
	}
	return integration.Event{Type: integration.PageConnected, Timestamp: time.Now(), Data: integration.Data{
		Page:    &integration.Page{ID: sandbox.PageSunriseCafe, Name: "Sunrise Café"},
		Webhook: &integration.Webhook{Fields: []string{"messages"}, Preset: "bot"},
		Token:   info,
		Actor:   &integration.Actor{Kind: integration.ActorPerson, ComputerUser: "alice"},
	}}
}

// messengerWebhook is what Facebook POSTs for a customer message.
func messengerWebhook(text string) []byte {
	b, _ := json.Marshal(map[string]any{"object": "page", "entry": []any{map[string]any{
		"id": sandbox.PageSunriseCafe, "time": 1, "messaging": []any{map[string]any{
			"sender": map[string]string{"id": customer}, "recipient": map[string]string{"id": sandbox.PageSunriseCafe},
			"timestamp": 1, "message": map[string]any{"mid": "m_1", "text": text}}}}}})
	return b
}

func postWebhook(t *testing.T, hc *http.Client, url string, body []byte, signature string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", signature)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// noSecretsIn fails if any file of dir, or the example's output, holds the
// Page token or a secret in clear text.
func noSecretsIn(t *testing.T, p *proc, secrets ...string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(p.dir, "integration-example.db*"))
	if len(files) == 0 {
		t.Fatal("no database file to scan")
	}
	texts := map[string]string{"the log": p.stderr.String(), "the output": p.stdout.String()}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts[filepath.Base(f)] = string(b)
	}
	for name, text := range texts {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s holds a secret in clear text", name)
			}
		}
	}
}

// The whole loop over loopback, with the pretend Facebook's own webhook
// emitter: a page.connected delivery, the verification handshake, a
// customer's message, the reply through the Send API, the status endpoint,
// a forged webhook refused, and a disconnect.
func TestExampleClosesTheLoopOnLoopback(t *testing.T) {
	fb := startFacebook(t)
	pt := fb.pageToken(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "app-secret.txt"), fb.Options().AppSecret+"\n")
	p := startExample(t, dir, "--app-secret-file", filepath.Join(dir, "app-secret.txt"),
		"--verify-token", verifyToken, "--graph-url", fb.URL)
	for _, f := range []string{"key.txt", "secret.txt", "integration-example.db"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v, want mode 0600", f, err, st)
		}
	}
	c := integration.NewClient(integration.ClientOptions{})

	ack, err := deliver(t, c, p, connectedEvent(t, p, pt))
	if err != nil {
		t.Fatal(err)
	}
	if ack.TokenFingerprint != integration.Fingerprint(pt) {
		t.Fatalf("the example holds %q, want the delivered token's fingerprint", ack.TokenFingerprint)
	}

	// Facebook's verification handshake: a wrong verify token is refused,
	// the right one subscribes the app.
	var ve *sandbox.WebhookVerifyError
	if err := fb.SetAppWebhook(p.base+PathWebhook, "not-"+verifyToken, []string{"messages"}); !errors.As(err, &ve) || ve.Status != 403 {
		t.Fatalf("a wrong verify token: %v", err)
	}
	if err := fb.SetAppWebhook(p.base+PathWebhook, verifyToken, []string{"messages"}); err != nil {
		t.Fatal(err)
	}

	// A customer writes; Facebook delivers the signed webhook; the example answers.
	if err := fb.CustomerMessage(sandbox.PageSunriseCafe, customer, "Hello, are you open today?"); err != nil {
		t.Fatal(err)
	}
	fb.waitSend(t)
	if n := fb.repliesRecorded(t, pt); n != 1 {
		t.Fatalf("the pretend Facebook recorded %d replies", n)
	}

	// A forged webhook (not signed with the App Secret) is refused and answered by nobody.
	forged := messengerWebhook("Forged: reply to me")
	if status := postWebhook(t, http.DefaultClient, p.base+PathWebhook, forged, sandbox.WebhookSignature("another-secret", forged)); status != 403 {
		t.Fatalf("a forged webhook: HTTP %d", status)
	}
	if status := postWebhook(t, http.DefaultClient, p.base+PathWebhook, forged, ""); status != 403 {
		t.Fatalf("an unsigned webhook: HTTP %d", status)
	}
	if err := fb.CustomerMessage(sandbox.PageSunriseCafe, customer, "Still there?"); err != nil {
		t.Fatal(err)
	}
	fb.waitSend(t)
	if n := fb.repliesRecorded(t, pt); n != 2 {
		t.Fatalf("%d replies after one forged and two real messages", n)
	}
	select {
	case <-fb.sends:
		t.Fatal("the forged webhook was answered")
	default:
	}

	// The status endpoint says which token the example holds and that messages flow.
	rep, err := c.ReadStatus(context.Background(), p.base+PathPagekeeper, p.secret)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := rep.Page(sandbox.PageSunriseCafe)
	if !ok || st.TokenFingerprint != integration.Fingerprint(pt) || st.LastWebhookAt == nil || st.LastReplyAt == nil || st.TokenReceivedAt == nil {
		t.Fatalf("status %+v", rep)
	}

	// Its database holds the token sealed, and only sealed.
	heldSealed(t, p, pt)

	// Disconnected: the example forgets the token.
	ack, err = deliver(t, c, p, integration.Event{Type: integration.PageDisconnected, Timestamp: time.Now(), Data: integration.Data{
		Page:   &integration.Page{ID: sandbox.PageSunriseCafe, Name: "Sunrise Café"},
		Reason: &integration.Reason{Code: integration.DisconnectByOwner, Message: "Disconnected in Pagekeeper."},
		Actor:  &integration.Actor{Kind: integration.ActorPerson},
	}})
	if err != nil || ack.TokenFingerprint != "" {
		t.Fatalf("disconnect: %+v %v", ack, err)
	}
	if rep, err := c.ReadStatus(context.Background(), p.base+PathPagekeeper, p.secret); err != nil {
		t.Fatal(err)
	} else if st, _ := rep.Page(sandbox.PageSunriseCafe); st.TokenFingerprint != "" {
		t.Fatalf("still holds %s after the disconnect", st.TokenFingerprint)
	}

	p.stop(t)
	log := p.stderr.String()
	for _, want := range []string{"page.connected for Page " + sandbox.PageSunriseCafe, "page.disconnected for Page " + sandbox.PageSunriseCafe,
		"Messenger message for Page " + sandbox.PageSunriseCafe, "replied to a message on Page " + sandbox.PageSunriseCafe, "refused a Messenger webhook"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log does not say %q:\n%s", want, log)
		}
	}
	noSecretsIn(t, p, pt.Reveal(), p.secret.Reveal(), fb.Options().AppSecret)
}

// The same integration over a real TLS socket with a test certificate:
// Pagekeeper's deliveries and a signed Messenger webhook (sent the way
// Facebook sends it; the pretend Facebook's emitter trusts only real
// certificates, as Meta does).
func TestExampleOverTLS(t *testing.T) {
	fb := startFacebook(t)
	pt := fb.pageToken(t)
	dir := t.TempDir()
	certFile, keyFile, pool := testcert.WriteLoopback(t, dir)
	writeFile(t, filepath.Join(dir, "app-secret.txt"), fb.Options().AppSecret)
	p := startExample(t, dir, "--app-secret-file", filepath.Join(dir, "app-secret.txt"),
		"--graph-url", fb.URL, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(p.base, "https://") {
		t.Fatalf("serving %s", p.base)
	}
	c := integration.NewClient(integration.ClientOptions{RootCAs: pool})
	ack, err := deliver(t, c, p, connectedEvent(t, p, pt))
	if err != nil || ack.TokenFingerprint != integration.Fingerprint(pt) {
		t.Fatalf("%+v %v", ack, err)
	}
	// A client that does not trust the certificate delivers nothing.
	if _, err := deliver(t, integration.NewClient(integration.ClientOptions{}), p, connectedEvent(t, p, pt)); err == nil {
		t.Fatal("delivered over an untrusted certificate")
	}

	if err := fb.CustomerMessage(sandbox.PageSunriseCafe, customer, "Bonjour, ¿abierto? ☕"); err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConfig(pool)}}
	body := messengerWebhook("Bonjour, ¿abierto? ☕")
	if status := postWebhook(t, hc, p.base+PathWebhook, body, sandbox.WebhookSignature("a-guess", body)); status != 403 {
		t.Fatalf("a forged webhook: HTTP %d", status)
	}
	if status := postWebhook(t, hc, p.base+PathWebhook, body, sandbox.WebhookSignature(fb.Options().AppSecret, body)); status != 200 {
		t.Fatalf("a signed webhook: HTTP %d", status)
	}
	fb.waitSend(t)
	if n := fb.repliesRecorded(t, pt); n != 1 {
		t.Fatalf("the pretend Facebook recorded %d replies", n)
	}
	// HTTP/2 connections would hold a graceful stop for a second.
	c.CloseIdleConnections()
	hc.CloseIdleConnections()
	p.stop(t)
	noSecretsIn(t, p, pt.Reveal(), p.secret.Reveal(), fb.Options().AppSecret)
}

func TestKeyAndSecretFilesAreKept(t *testing.T) {
	dir := t.TempDir()
	var warn bytes.Buffer
	keyPath, secretPath := filepath.Join(dir, "sub", "key.txt"), filepath.Join(dir, "sub", "secret.txt")
	id, created, err := loadOrCreateIdentity(keyPath, &warn)
	if err != nil || !created {
		t.Fatalf("%v %v", err, created)
	}
	again, created, err := loadOrCreateIdentity(keyPath, &warn)
	if err != nil || created || again.Recipient().String() != id.Recipient().String() {
		t.Fatalf("the second start has another key: %v", err)
	}
	s, created, err := loadOrCreateSecret(secretPath, &warn)
	if err != nil || !created {
		t.Fatal(err)
	}
	s2, _, err := loadOrCreateSecret(secretPath, &warn)
	if err != nil || !s2.Equal(s) {
		t.Fatalf("the second start has another secret: %v", err)
	}
	if warn.Len() != 0 {
		t.Fatalf("warnings about files it made itself: %s", warn.String())
	}
	// A file others can read is used, with a warning saying how to fix it.
	os.Chmod(secretPath, 0o644)
	if _, _, err := loadOrCreateSecret(secretPath, &warn); err != nil || !strings.Contains(warn.String(), "chmod 600") {
		t.Fatalf("%v %q", err, warn.String())
	}
	// Something else in their place is refused, never replaced.
	bad := filepath.Join(dir, "notes.txt")
	writeFile(t, bad, "shopping list: AGE-SECRET-KEY-1 is not here\n")
	if _, _, err := loadOrCreateIdentity(bad, &warn); err == nil || strings.Contains(err.Error(), "shopping") {
		t.Fatalf("not a key: %v", err)
	}
	if _, _, err := loadOrCreateSecret(bad, &warn); err == nil || strings.Contains(err.Error(), "shopping") {
		t.Fatalf("not a secret: %v", err)
	}
	if b, _ := os.ReadFile(bad); !strings.HasPrefix(string(b), "shopping") {
		t.Fatal("the file was overwritten")
	}
}

func TestMainRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--key-file", "k"},
		{"--key-file", "k", "--secret-file", "s", "--addr", "0.0.0.0:8790"},
		{"--key-file", "k", "--secret-file", "s", "--tls-cert", "c"},
		{"--key-file", "k", "--secret-file", "s", "extra"},
		{"--no-such-flag"},
	} {
		var out, errOut bytes.Buffer
		if code := Main(args, &out, &errOut); code != exitUsage || errOut.Len() == 0 {
			t.Errorf("%v: exit %d, %q", args, code, errOut.String())
		}
	}
	var errOut bytes.Buffer
	if code := Main([]string{"--help"}, io.Discard, &errOut); code != 0 || !strings.Contains(errOut.String(), "--key-file") {
		t.Errorf("--help: %d %q", code, errOut.String())
	}
}

func tlsConfig(pool *x509.CertPool) *tls.Config { return &tls.Config{RootCAs: pool} }

// heldSealed reads the example's database beside it (SQLite allows a second
// reader) and checks that the Page's token is there, sealed to the
// example's key.
func heldSealed(t *testing.T, p *proc, pt token.Token) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(filepath.Join(p.dir, "integration-example.db"))+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var sealed string
	if err := db.QueryRow(`SELECT sealed_token FROM pages WHERE page_id = ?`, sandbox.PageSunriseCafe).Scan(&sealed); err != nil {
		t.Fatalf("no token stored for the Page: %v", err)
	}
	if strings.Contains(sealed, pt.Reveal()) {
		t.Fatal("the token is stored in clear text")
	}
	key, err := os.ReadFile(filepath.Join(p.dir, "key.txt"))
	if err != nil {
		t.Fatal(err)
	}
	ids, err := age.ParseIdentities(bytes.NewReader(key))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := integration.Open(sealed, ids[0]); err != nil || !got.Equal(pt) {
		t.Fatalf("the stored token does not open to the delivered one: %v", err)
	}
}
