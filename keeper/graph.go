package keeper

import (
	"context"
	"errors"
	"fmt"
	"os/user"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/token"
)

// Graph is what keeper needs from Facebook; *fb.Client provides it, and
// tests can wrap it to inject failures.
type Graph interface {
	DiscoverPages(ctx context.Context, userTok token.Token, opts fb.DiscoverOptions) ([]fb.Page, error)
	Subscribe(ctx context.Context, pageID string, pageTok token.Token, fields []string) error
	SubscribedApps(ctx context.Context, pageID string, pageTok token.Token) ([]fb.SubscribedApp, error)
	Unsubscribe(ctx context.Context, pageID string, pageTok token.Token) error
	// InspectToken asks debug_token with the app token; without an App
	// Secret it answers fb.ErrCannotInspect.
	InspectToken(ctx context.Context, input token.Token) (fb.TokenInfo, error)
}

// UseGraph sets the Facebook client (it depends on settings and on the
// sandbox, so it is chosen after the folder is open).
func (k *Keeper) UseGraph(g Graph) { k.graph = g }

// ErrNoGraph: an action that talks to Facebook was asked for before UseGraph.
var ErrNoGraph = errors.New("Pagekeeper is not set up to reach Facebook yet")

func (k *Keeper) needGraph() error {
	if k.graph == nil {
		return ErrNoGraph
	}
	return nil
}

// Actor is who did something: the Facebook account that logged in (if any)
// and the person at this computer.
type Actor struct {
	FBUserID, FBUserName string
	OSUser               string
}

// OSActor is the person logged in to this computer.
func OSActor() Actor {
	if u, err := user.Current(); err == nil {
		return Actor{OSUser: u.Username}
	}
	return Actor{}
}

// ReadOnlyError: this window only views the folder; changes belong to the manager.
type ReadOnlyError struct{ Manager LockInfo }

func (e *ReadOnlyError) Error() string {
	return fmt.Sprintf("only the manager can change Pages: %s manages them", e.Manager)
}

func (k *Keeper) requireManager() error {
	if k.viewer != nil {
		return &ReadOnlyError{Manager: *k.viewer}
	}
	return nil
}
