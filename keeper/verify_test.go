package keeper

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/sandbox"
)

func TestPostSetupCheckShowsMessagesInAndATestReplyGoesOut(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 11})
	e.clock.t = e.srv.Fake.Clock().Now()
	e.apply(e.plan(e.login(sandbox.DemoUserID, demoPages)))
	ctx := context.Background()

	fc, err := e.k.CheckMessagesFlow(ctx, sandbox.PageSunriseCafe)
	if err != nil {
		t.Fatal(err)
	}
	if fc.LatestMessage.IsZero() || fc.Reply == nil || fc.WindowLeft < 20*time.Hour || !fc.Advice.IsZero() {
		t.Fatalf("Sunrise Café has a conversation an hour old: %+v", fc)
	}
	if _, err := e.k.SendTestReply(ctx, sandbox.PageSunriseCafe, fc.Reply.PSID, strings.Repeat("x", MaxReplyLength+1), Actor{OSUser: "tester"}); !errors.Is(err, ErrReplyTooLong) {
		t.Fatalf("the Send API's limit must be enforced first, got %v", err)
	}
	id, err := e.k.SendTestReply(ctx, sandbox.PageSunriseCafe, fc.Reply.PSID, "Hello from Pagekeeper: this is a test reply.", Actor{OSUser: "tester"})
	if err != nil || id == "" {
		t.Fatalf("test reply: %q %v", id, err)
	}
	evs, _ := e.k.store.Events(ctx, sandbox.PageSunriseCafe, 1)
	if evs[0].Kind != "test_reply_sent" || strings.Contains(evs[0].Detail, "Hello") {
		t.Fatalf("the reply is recorded without its text: %+v", evs[0])
	}

	fc, err = e.k.CheckMessagesFlow(ctx, sandbox.PageHarborBooks)
	if err != nil {
		t.Fatal(err)
	}
	if fc.LatestMessage.IsZero() || fc.Reply != nil || !strings.Contains(fc.Advice.String(), "24 hours") {
		t.Fatalf("Harbor Books' last message is 3 days old: %+v", fc)
	}
}
