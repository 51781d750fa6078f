package fb

import (
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/fakefb"
)

func TestConversationsKnowTheCustomerAndTheReplyWindow(t *testing.T) {
	e := startFake(t, fakefb.Options{Seed: 3}, nil)
	now := e.srv.Fake.Clock().Now()

	recent, err := e.c.Conversations(ctxT(t), fakefb.PageSunriseCafe, e.pageTok(fakefb.PageSunriseCafe), 5)
	if err != nil || len(recent) == 0 {
		t.Fatalf("conversations: %v %v", recent, err)
	}
	cv := recent[0]
	if cv.Customer.ID != fakefb.SunriseCafePSID || cv.Customer.Name == "" {
		t.Fatalf("customer = %+v", cv.Customer)
	}
	left := cv.ReplyWindowLeft(now)
	if left <= 20*time.Hour || left > ReplyWindow {
		t.Fatalf("a conversation an hour old leaves ~23 h to reply, got %v (last message %v)", left, cv.LastCustomerMessage)
	}

	old, err := e.c.Conversations(ctxT(t), fakefb.PageHarborBooks, e.pageTok(fakefb.PageHarborBooks), 5)
	if err != nil || len(old) == 0 {
		t.Fatalf("conversations: %v %v", old, err)
	}
	if old[0].ReplyWindowLeft(now) > 0 {
		t.Fatalf("a three-day-old conversation is outside the window: %v", old[0].ReplyWindowLeft(now))
	}
}
