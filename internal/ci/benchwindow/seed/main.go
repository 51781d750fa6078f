// Command seed writes N connected, recently checked Pages (with sealed tokens)
// into a sandbox-style data folder, for the window benchmark (.ci/benchwindow).
// Each goes to the sandbox's integration (Sandbox Bot), which already
// acknowledged its token: the steady state of a folder, not the hand-over of
// 10,000 tokens that linking them at the first start would queue.
//
//	go run -tags migrated_fynedo ./internal/ci/benchwindow/seed DIR N
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/integration"
	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/store"
)

type noKeyring struct{}

func (noKeyring) Get(string, string) (string, error) { return "", errors.New("none") }
func (noKeyring) Set(string, string, string) error   { return errors.New("none") }
func (noKeyring) Delete(string, string) error        { return errors.New("none") }

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: seed DIR N")
		os.Exit(2)
	}
	dir := os.Args[1]
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 0 {
		fmt.Fprintln(os.Stderr, "seed: N must be a number of Pages, got", os.Args[2])
		os.Exit(2)
	}
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{Dir: dir, Keyring: noKeyring{}, AllowKeyFile: true})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	now := time.Now()
	for start := 0; start < n; start += 500 {
		err := s.Update(ctx, func(tx *store.Tx) error {
			for i := start; i < min(start+500, n); i++ {
				id := fmt.Sprintf("13%013d", i)
				st := store.StatusValid
				if i%97 == 0 {
					st = store.StatusNeedsAttention
				}
				p := store.Page{ID: id, Name: fmt.Sprintf("Sandbox Page %05d", i), Status: st, CheckedAt: now, LastOKAt: now,
					StatusSince: now, ConnectedAt: now, IsPublished: true, WebhookPreset: store.PresetBot,
					WebhookFields: []string{"messages", "messaging_postbacks"}, Tasks: []string{"MESSAGING", "MANAGE"},
					Integration: keeper.SandboxIntegrationName}
				if st == store.StatusNeedsAttention {
					p.Reason = "webhook_missing"
				}
				if err := tx.UpsertPage(p); err != nil {
					return err
				}
				tok := token.New("EAAGbench" + id)
				if err := tx.SaveToken(id, tok); err != nil {
					return err
				}
				if err := tx.SaveIntegrationPage(store.IntegrationPage{Integration: keeper.SandboxIntegrationName, PageID: id,
					Reached: true, TokenFingerprint: integration.Fingerprint(tok), TokenAt: now}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			panic(err)
		}
	}
	fmt.Println("seeded", n)
}
