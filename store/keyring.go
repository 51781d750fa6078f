package store

import (
	"errors"
	"sync"
	"time"

	gokeyring "github.com/zalando/go-keyring"
)

// Keyring is the system's secret storage as the store needs it. Get returns
// ErrKeyNotFound (wrapped or not) when the keyring works but holds nothing
// under that name; any other error means the keyring itself failed.
type Keyring interface {
	Get(service, user string) (string, error)
	Set(service, user, value string) error
	Delete(service, user string) error
}

// DefaultKeyringTimeout bounds every keyring call. A locked or absent
// Secret Service can block forever; the UI must never wait on that.
const DefaultKeyringTimeout = 5 * time.Second

// OSKeyring is the system keyring (macOS Keychain, Windows Credential
// Manager, Secret Service on Linux) through zalando/go-keyring. Every call
// runs in its own goroutine and gives up after DefaultKeyringTimeout with
// ErrKeyringTimeout.
func OSKeyring() Keyring { return withTimeout(osKeyring{}, DefaultKeyringTimeout) }

type osKeyring struct{}

func (osKeyring) Get(service, user string) (string, error) {
	v, err := gokeyring.Get(service, user)
	return v, mapNotFound(err)
}

func (osKeyring) Set(service, user, value string) error {
	return mapNotFound(gokeyring.Set(service, user, value))
}

func (osKeyring) Delete(service, user string) error {
	return mapNotFound(gokeyring.Delete(service, user))
}

func mapNotFound(err error) error {
	if errors.Is(err, gokeyring.ErrNotFound) {
		return ErrKeyNotFound
	}
	return err
}

// timeoutKeyring runs each call of inner in a goroutine and stops waiting
// after d. A call that never returns leaks its goroutine; that is the price
// of not blocking on a keyring daemon that hangs.
type timeoutKeyring struct {
	inner Keyring
	d     time.Duration
}

func withTimeout(k Keyring, d time.Duration) Keyring {
	if d <= 0 {
		d = DefaultKeyringTimeout
	}
	return timeoutKeyring{inner: k, d: d}
}

type keyringResult struct {
	v   string
	err error
}

func (t timeoutKeyring) call(fn func() (string, error)) (string, error) {
	ch := make(chan keyringResult, 1) // buffered: a late answer must not block the goroutine
	go func() {
		v, err := fn()
		ch <- keyringResult{v, err}
	}()
	timer := time.NewTimer(t.d)
	defer timer.Stop()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-timer.C:
		return "", ErrKeyringTimeout
	}
}

func (t timeoutKeyring) Get(service, user string) (string, error) {
	return t.call(func() (string, error) { return t.inner.Get(service, user) })
}

func (t timeoutKeyring) Set(service, user, value string) error {
	_, err := t.call(func() (string, error) { return "", t.inner.Set(service, user, value) })
	return err
}

func (t timeoutKeyring) Delete(service, user string) error {
	_, err := t.call(func() (string, error) { return "", t.inner.Delete(service, user) })
	return err
}

// MemoryKeyring is an in-process keyring for tests and the sandbox. Its
// secrets vanish with the process. It is safe for concurrent use.
type MemoryKeyring struct {
	mu      sync.Mutex
	secrets map[string]string
	fail    error
}

// NewMemoryKeyring returns an empty, working in-memory keyring (for tests
// and the sandbox only).
func NewMemoryKeyring() *MemoryKeyring {
	return &MemoryKeyring{secrets: map[string]string{}}
}

// FailWith makes every later call return err (nil makes it work again),
// to rehearse an unavailable keyring.
func (m *MemoryKeyring) FailWith(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail = err
}

// Wipe forgets every secret, like a reset keyring.
func (m *MemoryKeyring) Wipe() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.secrets = map[string]string{}
}

func (m *MemoryKeyring) Get(service, user string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return "", m.fail
	}
	v, ok := m.secrets[service+"\x00"+user]
	if !ok {
		return "", ErrKeyNotFound
	}
	return v, nil
}

func (m *MemoryKeyring) Set(service, user, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.secrets[service+"\x00"+user] = value
	return nil
}

func (m *MemoryKeyring) Delete(service, user string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	k := service + "\x00" + user
	if _, ok := m.secrets[k]; !ok {
		return ErrKeyNotFound
	}
	delete(m.secrets, k)
	return nil
}
