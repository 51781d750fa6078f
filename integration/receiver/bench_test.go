package receiver

import (
	"context"
	"net/http/httptest"
	"testing"

	"filippo.io/age"

	"github.com/pagekeeper/pagekeeper/integration"
)

// BenchmarkDeliverToReceiver is one event's whole way on loopback: the
// client signs and sends it, the receiver verifies it, opens the sealed
// token and answers. Several deliveries in flight, as a renewal of many
// Pages makes them; it measures the contract's own cost, not an
// integration's work.
func BenchmarkDeliverToReceiver(b *testing.B) {
	id, _ := age.GenerateX25519Identity()
	secret := integration.NewSecret()
	rcv, err := New(Options{Secret: secret, Identity: id, Handle: func(ctx context.Context, d Delivery) (Ack, error) {
		return Ack{TokenFingerprint: integration.Fingerprint(d.Token)}, nil
	}})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	c := integration.NewClient(integration.ClientOptions{})
	defer c.CloseIdleConnections()
	body := connected(b, id.Recipient())
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			d := integration.Delivery{URL: srv.URL, Secret: secret, ID: integration.NewMessageID(), Body: body}
			if ack, err := c.Deliver(context.Background(), d); err != nil || ack.TokenFingerprint == "" {
				b.Errorf("%+v %v", ack, err)
				return
			}
		}
	})
}
