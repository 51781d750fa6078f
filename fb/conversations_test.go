package fb

import (
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/sandbox"
)

func TestConversationsKnowTheCustomerAndTheReplyWindow(t *testing.T) {
	e := startFake(t, sandbox.Options{Seed: 3}, nil)
	now := e.srv.Fake.Clock().Now()

	recent, err := e.c.Conversations(ctxT(t), sandbox.PageSunriseCafe, e.pageTok(sandbox.PageSunriseCafe), 5)
	if err != nil || len(recent) == 0 {
		t.Fatalf("conversations: %v %v", recent, err)
	}
	cv := recent[0]
	if cv.Customer.ID != sandbox.SunriseCafePSID || cv.Customer.Name == "" {
		t.Fatalf("customer = %+v", cv.Customer)
	}
	left := cv.ReplyWindowLeft(now)
	if left <= 20*time.Hour || left > ReplyWindow {
		t.Fatalf("a conversation an hour old leaves ~23 h to reply, got %v (last message %v)", left, cv.LastCustomerMessage)
	}

	old, err := e.c.Conversations(ctxT(t), sandbox.PageHarborBooks, e.pageTok(sandbox.PageHarborBooks), 5)
	if err != nil || len(old) == 0 {
		t.Fatalf("conversations: %v %v", old, err)
	}
	if old[0].ReplyWindowLeft(now) > 0 {
		t.Fatalf("a three-day-old conversation is outside the window: %v", old[0].ReplyWindowLeft(now))
	}
}
