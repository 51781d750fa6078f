package sandbox

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/internal/logintest"
)

func TestMainServesThePretendFacebookUntilStopped(t *testing.T) {
	outR, outW := io.Pipe()
	lines := make(chan string, 20)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	waitLine := func(re *regexp.Regexp) string {
		t.Helper()
		deadline := time.After(20 * time.Second)
		for {
			select {
			case l := <-lines:
				if re.MatchString(l) {
					return l
				}
			case <-deadline:
				t.Fatalf("no line matching %s", re)
			}
		}
	}
	var errOut bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	codeCh := make(chan int, 1)
	go func() {
		codeCh <- Main(ctx, []string{"--addr", "127.0.0.1:0"}, outW, &errOut)
		outW.Close()
	}()
	dialogLine := waitLine(regexp.MustCompile(`^Login dialog: `))
	adminLine := waitLine(regexp.MustCompile(`^Admin: `))
	b := logintest.New()
	cb, err := b.Consent(strings.TrimPrefix(dialogLine, "Login dialog: "), logintest.Choice{})
	if err != nil {
		t.Fatal(err)
	}
	if cb.Hostname() != "localhost" || cb.Query().Get("code") == "" || cb.Query().Get("state") != "sample-state" {
		t.Fatalf("dialog redirected to %s", cb.Redacted())
	}
	p, err := b.Get(strings.Fields(strings.TrimPrefix(adminLine, "Admin: "))[0])
	if err != nil || p.Status != http.StatusOK || !strings.Contains(p.Body, `"app_id"`) {
		t.Fatalf("admin route: %v %+v", err, p)
	}
	cancel()
	if code := <-codeCh; code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for range lines {
	}
}

func TestMainRefusesAnAddressOffThisComputer(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main(context.Background(), []string{"--addr", "0.0.0.0:8765"}, &out, &errOut); code != exitUsage || !strings.Contains(errOut.String(), "loopback") {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}
