package keeper

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/integration"
	"github.com/pagekeeper/pagekeeper/store"
)

// An integration is the business's Messenger integration (its bot, agent
// inbox or own service) that receives each Page's token, as signed events
// sealed to its key (docs/INTEGRATION.md). The list is a setting of its own
// (integrationsKey), changed one integration at a time and in effect at
// once; each signing secret is kept with the other secrets (secrets.go). Each connected Page
// goes to at most one integration, by name (store.Page.Integration); the
// first integration in the list is the default for new Pages.

// Integration is one integration as Settings and IT's preset hold it.
type Integration struct {
	Name      string `json:"name"`
	URL       string `json:"url"`
	Recipient string `json:"recipient"` // its age X25519 public key, age1…
	// Removing: it was removed and receives no Page any more; it stays
	// only until it has been told to forget the Pages it had.
	Removing bool `json:"removing,omitempty"`
}

// SandboxIntegrationName is the integration the sandbox runs for itself.
const SandboxIntegrationName = "Sandbox Bot"

// integrationsKey is where the list is kept in the data folder.
const integrationsKey = "integrations"

func integrationSecretUser(name string) string { return "integration-secret:" + name }

// IntegrationSetup is what a person enters to add or change an integration.
// A zero Secret keeps the saved one (a new integration without one waits,
// "needs its signing secret", until it is given).
type IntegrationSetup struct {
	Name, URL, Recipient string
	Secret               Secret
}

// NewIntegrationSecret makes a new random signing secret (whsec_…) for an
// integration that takes its secret from Pagekeeper.
func NewIntegrationSecret() Secret { return Secret{integration.NewSecret()} }

// Reveal is the secret's text, for the one place a person must copy it
// from (`pagekeeper integration add --new-secret` prints it once).
func (s Secret) Reveal() string { return s.t.Reveal() }

// target is an integration ready to deliver to: its settings, its parsed
// key and its secret from the keyring.
type target struct {
	Integration
	recipient *age.X25519Recipient
	secret    token.Token // zero: none saved
}

// integrationSet is the list in effect (part of config: never changed, only
// replaced).
type integrationSet struct {
	list    []Integration
	targets map[string]*target // by exact name
}

// find returns the integration named name (case and surrounding spaces ignored).
func (s *integrationSet) find(name string) (*target, bool) {
	if s == nil {
		return nil, false
	}
	name = strings.TrimSpace(name)
	for _, in := range s.list {
		if strings.EqualFold(in.Name, name) {
			return s.targets[in.Name], true
		}
	}
	return nil, false
}

// active lists the integrations a Page may go to (not being removed).
func (s *integrationSet) active() []Integration {
	if s == nil {
		return nil
	}
	var out []Integration
	for _, in := range s.list {
		if !in.Removing {
			out = append(out, in)
		}
	}
	return out
}

// defaultName is the integration new Pages go to: the first added ("" = none).
func (s *integrationSet) defaultName() string {
	if a := s.active(); len(a) > 0 {
		return a[0].Name
	}
	return ""
}

// loadIntegrations reads the list and each secret. A secret that cannot be
// read is reported (Logf): that integration waits for it.
func (k *Keeper) loadIntegrations(ctx context.Context) (*integrationSet, error) {
	var list []Integration
	if _, err := k.store.GetSetting(ctx, integrationsKey, &list); err != nil {
		return nil, fmt.Errorf("reading the integrations: %w", err)
	}
	return k.newIntegrationSet(list), nil
}

func (k *Keeper) newIntegrationSet(list []Integration) *integrationSet {
	s := &integrationSet{list: slices.Clone(list), targets: map[string]*target{}}
	for _, in := range list {
		t := &target{Integration: in}
		t.recipient, _ = integration.ParseRecipient(in.Recipient) // checked when it was added
		v, err := k.secrets.Get(keyringService, integrationSecretUser(in.Name))
		switch {
		case err == nil:
			t.secret = token.New(v)
		case !errors.Is(err, store.ErrKeyNotFound):
			k.logf("the signing secret of the integration %q could not be read (%v); its deliveries wait", in.Name, err)
		}
		s.targets[in.Name] = t
	}
	return s
}

// integrations is the list in effect.
func (k *Keeper) integrations() *integrationSet { return k.config().integrations }

// putIntegrations puts list into effect (after it was saved).
func (k *Keeper) putIntegrations(list []Integration) {
	c := *k.config()
	c.integrations = k.newIntegrationSet(list)
	k.cfg.Store(&c)
	k.wakeDeliveries()
}

// IntegrationInfo is one integration as Settings and `integration list` show it.
type IntegrationInfo struct {
	Integration
	// Default: new Pages go to it.
	Default bool
	// HasSecret: its signing secret is saved. Without it nothing
	// is delivered ("needs its signing secret").
	HasSecret bool
	// Pages lists the names of the Pages whose messages go to it.
	Pages []string
	// Pending counts the events waiting for it; FailingSince and Problem
	// say since when and why deliveries to it fail (zero: they do not).
	Pending      int
	FailingSince time.Time
	Problem      Text
	// Sandbox: the sandbox runs it itself (Sandbox Bot).
	Sandbox bool
}

// State is the integration in a few words for the list.
func (i IntegrationInfo) State(now time.Time) Text {
	switch {
	case i.Removing:
		return msgIntRemoving.with("Name", i.Name, "Count", i.Pending)
	case !i.HasSecret:
		return msgIntNeedsSecret.with("Name", i.Name)
	case !i.FailingSince.IsZero():
		return msgIntFailing.with("Name", i.Name, "Since", clock(i.FailingSince, now), "Why", i.Problem)
	case i.Pending > 0:
		return msgIntPending.with("Name", i.Name, "Count", i.Pending)
	}
	return msgIntUpToDate.with("Name", i.Name, "Count", len(i.Pages))
}

var (
	msgIntRemoving    = msg("integration.list.removing", "{{.Name}} is being removed: {{.Count}} events telling it to forget its Pages are still to be delivered.")
	msgIntNeedsSecret = msg("integration.list.needs_secret", "{{.Name}} needs its signing secret: nothing is delivered to it until it is entered.")
	msgIntFailing     = msg("integration.list.failing", "Deliveries to {{.Name}} have been failing since {{.Since}}: {{.Why}}")
	msgIntPending     = msg("integration.list.pending", "{{.Count}} events are on their way to {{.Name}}.")
	msgIntUpToDate    = msg("integration.list.up_to_date", "{{.Name}} is up to date ({{.Count}} Pages).")
)

// Integrations lists the integrations with what waits for each.
func (k *Keeper) Integrations(ctx context.Context) ([]IntegrationInfo, error) {
	set := k.integrations()
	queues, err := k.store.IntegrationQueues(ctx)
	if err != nil {
		return nil, err
	}
	pages, err := k.store.Pages(ctx)
	if err != nil {
		return nil, err
	}
	def := set.defaultName()
	out := make([]IntegrationInfo, 0, len(set.list))
	for _, in := range set.list {
		t := set.targets[in.Name]
		q := queues[in.Name]
		info := IntegrationInfo{Integration: in, Default: in.Name == def, HasSecret: !t.secret.IsZero(), Pending: q.Pending,
			FailingSince: q.FailingSince, Sandbox: k.fake != nil && in.Name == SandboxIntegrationName}
		if !q.FailingSince.IsZero() {
			info.Problem = deliveryProblem(q.LastError)
		}
		for _, p := range pages {
			if p.Integration == in.Name && p.Status != store.StatusDisconnected {
				info.Pages = append(info.Pages, p.Name)
			}
		}
		out = append(out, info)
	}
	return out, nil
}

// DefaultIntegration is the integration new Pages go to ("" = none).
func (k *Keeper) DefaultIntegration() string { return k.integrations().defaultName() }

// IntegrationNames lists the integrations a Page may go to, the default first.
func (k *Keeper) IntegrationNames() []string {
	var out []string
	for _, in := range k.integrations().active() {
		out = append(out, in.Name)
	}
	return out
}

// IntegrationError is a refused change or use of an integration, in words.
type IntegrationError struct {
	What, Todo Text
	err        error
}

func (e *IntegrationError) Error() string {
	return strings.TrimSpace(e.What.String() + " " + e.Todo.String())
}

func (e *IntegrationError) Unwrap() error { return e.err }

func (e *IntegrationError) explain() (what, todo Text) { return e.What, e.Todo }

// Errors an IntegrationError wraps, for errors.Is.
var (
	// ErrNoSuchIntegration: no integration has that name.
	ErrNoSuchIntegration = errors.New("no integration has that name")
	// ErrIntegrationInUse: it still receives Pages; say where they go first.
	ErrIntegrationInUse = errors.New("the integration still receives Pages")
)

var (
	msgIntUnknown   = msg("integration.unknown", "There is no integration named “{{.Name}}”.")
	msgIntUnknownDo = msg("integration.unknown.todo", "Choose one of: {{.Names}}.")
	msgIntNoneYet   = msg("integration.unknown.none", "No integration is set up yet: add one first (Settings > Integrations, or `pagekeeper integration add`).")
	msgIntExists    = msg("integration.exists", "An integration named “{{.Name}}” exists already; choose another name.")
	msgIntInUse     = msg("integration.in_use", "{{.Name}} still receives the messages of {{.Pages}}.")
	msgIntInUseDo   = msg("integration.in_use.todo", "Choose where their messages go first: move them to another integration, or let no integration receive them.")
	msgIntSandbox   = msg("integration.sandbox_owned", "Sandbox Bot belongs to the sandbox: it cannot be changed or removed.")
	msgIntNeedsDo   = msg("integration.needs_secret.todo", "Enter its signing secret (Settings > Integrations, or `pagekeeper integration set-secret`).")
)

// unknownIntegration says which names there are.
func (k *Keeper) unknownIntegration(name string) error {
	names := k.IntegrationNames()
	e := &IntegrationError{What: msgIntUnknown.with("Name", name), err: ErrNoSuchIntegration}
	if len(names) == 0 {
		e.Todo = msgIntNoneYet.with()
	} else {
		e.Todo = msgIntUnknownDo.with("Names", strings.Join(names, ", "))
	}
	return e
}

// Messages for what is wrong with an integration's setting, by the
// integration package's Problem: the words a person reads, in their language.
var settingProblems = map[integration.Problem]message{
	integration.ProblemEmpty:         msg("integration.setting.empty", "Enter the integration's {{.Field}}."),
	integration.ProblemTooLong:       msg("integration.setting.too_long", "The integration's {{.Field}} is too long."),
	integration.ProblemControlChars:  msg("integration.setting.control_characters", "The integration's name contains characters that cannot be shown; type it again."),
	integration.ProblemNotURL:        msg("integration.setting.not_a_url", "The integration's address is not a web address; enter it as https://host/path."),
	integration.ProblemScheme:        msg("integration.setting.scheme", "The integration's address must start with https:// (or http:// to this computer)."),
	integration.ProblemPlainHTTP:     msg("integration.setting.plain_http", "The integration's address uses plain http to another computer; use https:// (plain http only to this computer, e.g. http://127.0.0.1:8790/pagekeeper)."),
	integration.ProblemUserInfo:      msg("integration.setting.user_info", "Remove the user name or password from the integration's address: every delivery is signed with the signing secret instead."),
	integration.ProblemFragment:      msg("integration.setting.fragment", "Remove the part after # from the integration's address: it is never sent."),
	integration.ProblemSecretPrefix:  msg("integration.setting.secret_prefix", "A signing secret starts with whsec_; copy the whole secret from the integration."),
	integration.ProblemSecretEncode:  msg("integration.setting.secret_encoding", "The signing secret is damaged: after whsec_ it must be base64. Copy it again from the integration."),
	integration.ProblemSecretLength:  msg("integration.setting.secret_length", "The signing secret must hold 24 to 64 random bytes; make a new one (whsec_ followed by `openssl rand -base64 32`)."),
	integration.ProblemNotRecipient:  msg("integration.setting.not_a_recipient", "The public key is not an age public key: it starts with age1 and is 62 characters long (age-keygen prints it as “public key: age1…”)."),
	integration.ProblemPostQuantum:   msg("integration.setting.post_quantum", "Post-quantum age keys (age1pq1…) are not supported yet; make an X25519 key with age-keygen (without -pq) and enter its public key."),
	integration.ProblemIdentityGiven: msg("integration.setting.identity_given", "That is the integration's private key: keep it on the integration's server only, and enter its public key (age1…) instead."),
}

var settingFields = map[integration.Field]message{
	integration.FieldName:      msg("integration.field.name", "name"),
	integration.FieldURL:       msg("integration.field.url", "address"),
	integration.FieldSecret:    msg("integration.field.secret", "signing secret"),
	integration.FieldRecipient: msg("integration.field.recipient", "public key"),
}

// settingError gives an integration package's *SettingError its words.
func settingError(err error) error {
	var se *integration.SettingError
	if !errors.As(err, &se) {
		return err
	}
	m, ok := settingProblems[se.Problem]
	if !ok {
		return err
	}
	return &IntegrationError{What: m.with("Field", settingFields[se.Field].with()), err: err}
}

// check validates a setup; a new one must have a name no other has.
func (k *Keeper) checkSetup(s IntegrationSetup, adding bool) (IntegrationSetup, error) {
	s.Name, s.URL, s.Recipient = strings.TrimSpace(s.Name), strings.TrimSpace(s.URL), strings.TrimSpace(s.Recipient)
	if err := integration.CheckName(s.Name); err != nil {
		return s, settingError(err)
	}
	u, err := integration.CheckURL(s.URL)
	if err != nil {
		return s, settingError(err)
	}
	s.URL = u.String()
	r, err := integration.ParseRecipient(s.Recipient)
	if err != nil {
		return s, settingError(err)
	}
	s.Recipient = r.String()
	if !s.Secret.IsZero() {
		if _, err := integration.CheckSecret(token.New(strings.TrimSpace(s.Secret.Reveal()))); err != nil {
			return s, settingError(err)
		}
		s.Secret = NewSecret(strings.TrimSpace(s.Secret.Reveal()))
	}
	if _, exists := k.integrations().find(s.Name); exists && adding {
		return s, &IntegrationError{What: msgIntExists.with("Name", s.Name)}
	}
	return s, nil
}

// changeIntegrations runs one change of the list: fn gets a copy of the
// list to change and the transaction to queue the events the change
// causes; the list is saved in that transaction and put into effect after
// it commits. One change at a time.
func (k *Keeper) changeIntegrations(ctx context.Context, fn func(tx *store.Tx, list *[]Integration) error) error {
	if err := k.requireManager(); err != nil {
		return err
	}
	k.settingsMu.Lock()
	defer k.settingsMu.Unlock()
	list := slices.Clone(k.integrations().list)
	err := k.store.Update(ctx, func(tx *store.Tx) error {
		if err := fn(tx, &list); err != nil {
			return err
		}
		return tx.SetSetting(integrationsKey, list)
	})
	if err != nil {
		return err
	}
	k.putIntegrations(list)
	return nil
}

// setSecret saves an integration's secret; undo puts back
// what was there.
func (k *Keeper) setSecret(name string, sec Secret) (undo func() error, err error) {
	user := integrationSecretUser(name)
	old, gerr := k.secrets.Get(keyringService, user)
	if gerr != nil && !errors.Is(gerr, store.ErrKeyNotFound) {
		return nil, gerr
	}
	if err := k.secrets.Set(keyringService, user, sec.Reveal()); err != nil {
		return nil, err
	}
	return func() error {
		if gerr == nil {
			return k.secrets.Set(keyringService, user, old)
		}
		return k.secrets.Delete(keyringService, user)
	}, nil
}

var (
	msgIntAdded   = msg("integration.event.added", "Integration {{.Name}} added ({{.URL}}); Page tokens are sealed to {{.Recipient}}.")
	msgIntChanged = msg("integration.event.changed", "Integration {{.Name}} changed ({{.URL}}; key {{.Recipient}}).")
	msgIntSecret  = msg("integration.event.secret", "The signing secret of integration {{.Name}} was set.")
	msgIntRemoved = msg("integration.event.removed", "Integration {{.Name}} removed.")
)

// AddIntegration adds an integration (and saves its secret). The
// first one added becomes the default, and every connected Page that goes
// to no integration goes to it: each is handed its token (page.connected).
func (k *Keeper) AddIntegration(ctx context.Context, s IntegrationSetup, actor Actor) error {
	s, err := k.checkSetup(s, true)
	if err != nil {
		return err
	}
	return k.withSecret(s, func() error {
		return k.addIntegration(ctx, Integration{Name: s.Name, URL: s.URL, Recipient: s.Recipient}, actor, false)
	})
}

// withSecret saves the setup's signing secret (a zero one keeps the saved
// one), then runs change; when change fails, the secret saved before is
// put back.
func (k *Keeper) withSecret(s IntegrationSetup, change func() error) error {
	if s.Secret.IsZero() {
		return change()
	}
	undo, err := k.setSecret(s.Name, s.Secret)
	if err != nil {
		return err
	}
	if err := change(); err != nil {
		return errors.Join(err, undo())
	}
	return nil
}

// addIntegration saves in (first when first), then links the Pages that go
// nowhere to the default.
func (k *Keeper) addIntegration(ctx context.Context, in Integration, actor Actor, first bool) error {
	now := k.now()
	return k.changeIntegrations(ctx, func(tx *store.Tx, list *[]Integration) error {
		if first {
			*list = append([]Integration{in}, *list...)
		} else {
			*list = append(*list, in)
		}
		if _, err := tx.AppendEvent(actor.event("", "integration_added",
			msgIntAdded.with("Name", in.Name, "URL", integration.Redact(in.URL), "Recipient", in.Recipient), now)); err != nil {
			return err
		}
		set := k.newIntegrationSet(*list)
		return k.linkUnlinked(tx, set, actor, now)
	})
}

// linkUnlinked sends every connected Page that goes to no integration to
// the default one, handing it the Page's token.
func (k *Keeper) linkUnlinked(tx *store.Tx, set *integrationSet, actor Actor, now time.Time) error {
	def := set.defaultName()
	if def == "" {
		return nil
	}
	ids, err := tx.UnlinkedPages()
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := k.moveInTx(tx, set, id, def, actor, now); err != nil {
			return err
		}
	}
	return nil
}

// UpdateIntegration changes an integration's address, key or secret (a
// zero Secret keeps the saved one). Its waiting events are tried again at
// once; when the key changed, each of its Pages is handed its token again,
// sealed to the new key.
func (k *Keeper) UpdateIntegration(ctx context.Context, s IntegrationSetup, actor Actor) error {
	t, ok := k.integrations().find(s.Name)
	if !ok {
		return k.unknownIntegration(s.Name)
	}
	if k.fake != nil && t.Name == SandboxIntegrationName {
		return &IntegrationError{What: msgIntSandbox.with()}
	}
	s.Name = t.Name
	s, err := k.checkSetup(s, false)
	if err != nil {
		return err
	}
	return k.withSecret(s, func() error {
		return k.updateIntegration(ctx, Integration{Name: s.Name, URL: s.URL, Recipient: s.Recipient}, !s.Secret.IsZero(), actor)
	})
}

func (k *Keeper) updateIntegration(ctx context.Context, in Integration, secretSet bool, actor Actor) error {
	now := k.now()
	return k.changeIntegrations(ctx, func(tx *store.Tx, list *[]Integration) error {
		i := slices.IndexFunc(*list, func(x Integration) bool { return x.Name == in.Name })
		if i < 0 {
			return k.unknownIntegration(in.Name)
		}
		old := (*list)[i]
		in.Removing = old.Removing
		(*list)[i] = in
		if old.URL != in.URL || old.Recipient != in.Recipient {
			if _, err := tx.AppendEvent(actor.event("", "integration_changed",
				msgIntChanged.with("Name", in.Name, "URL", integration.Redact(in.URL), "Recipient", in.Recipient), now)); err != nil {
				return err
			}
		}
		if secretSet {
			if _, err := tx.AppendEvent(actor.event("", "integration_changed", msgIntSecret.with("Name", in.Name), now)); err != nil {
				return err
			}
		}
		if old.Recipient != in.Recipient && !in.Removing {
			// Tokens already queued are sealed to the old key: hand every
			// Page its token again, sealed to the new one.
			set := k.newIntegrationSet(*list)
			ids, err := tx.PagesOf(in.Name)
			if err != nil {
				return err
			}
			for _, id := range ids {
				if err := k.queueToken(tx, set.targets[in.Name], id, nil, eventActor(actor), now); err != nil {
					return err
				}
			}
		}
		return tx.RescheduleDeliveries(in.Name, now)
	})
}

// SetIntegrationSecret saves an integration's signing secret (one IT
// preset without it, or a new one after the integration changed it); its
// waiting events go out at once.
func (k *Keeper) SetIntegrationSecret(ctx context.Context, name string, sec Secret, actor Actor) error {
	t, ok := k.integrations().find(name)
	if !ok {
		return k.unknownIntegration(name)
	}
	in := t.Integration
	return k.UpdateIntegration(ctx, IntegrationSetup{Name: in.Name, URL: in.URL, Recipient: in.Recipient, Secret: sec}, actor)
}

// NoIntegration, as RemoveOptions.MoveTo, lets no integration receive the
// Pages of the one removed.
const NoIntegration = "\x00none"

// RemoveOptions say where the Pages of a removed integration go.
type RemoveOptions struct {
	// MoveTo names the integration they go to, or NoIntegration. Empty:
	// removing an integration that still receives Pages is refused
	// (*IntegrationError naming them).
	MoveTo string
}

// RemoveIntegration removes an integration. Its Pages first go where opts
// say (each handed to the new one), and it is told to forget each Page it
// may hold (page.disconnected); it stays, "being removed", until those
// events are delivered, then it and its secret are deleted.
func (k *Keeper) RemoveIntegration(ctx context.Context, name string, opts RemoveOptions, actor Actor) error {
	set := k.integrations()
	t, ok := set.find(name)
	if !ok || t.Removing {
		return k.unknownIntegration(name)
	}
	if k.fake != nil && t.Name == SandboxIntegrationName {
		return &IntegrationError{What: msgIntSandbox.with()}
	}
	to := ""
	switch opts.MoveTo {
	case "", NoIntegration:
	default:
		nt, ok := set.find(opts.MoveTo)
		if !ok || nt.Removing || nt.Name == t.Name {
			return k.unknownIntegration(opts.MoveTo)
		}
		to = nt.Name
	}
	now := k.now()
	err := k.changeIntegrations(ctx, func(tx *store.Tx, list *[]Integration) error {
		ids, err := tx.PagesOf(t.Name)
		if err != nil {
			return err
		}
		if len(ids) > 0 && opts.MoveTo == "" {
			var names []string
			for _, id := range ids {
				p, err := tx.Page(id)
				if err != nil {
					return err
				}
				names = append(names, p.Name)
			}
			return &IntegrationError{What: msgIntInUse.with("Name", t.Name, "Pages", strings.Join(names, ", ")), Todo: msgIntInUseDo.with(),
				err: ErrIntegrationInUse}
		}
		i := slices.IndexFunc(*list, func(x Integration) bool { return x.Name == t.Name })
		(*list)[i].Removing = true
		set := k.newIntegrationSet(*list)
		for _, id := range ids {
			if err := k.moveInTxWhy(tx, set, id, to, actor, now, integration.DisconnectIntegrationGone); err != nil {
				return err
			}
		}
		_, err = tx.AppendEvent(actor.event("", "integration_removed", msgIntRemoved.with("Name", t.Name), now))
		return err
	})
	if err != nil {
		return err
	}
	return k.purgeRemoved(ctx)
}

// purgeRemoved deletes the integrations being removed that have nothing
// left to be told, and their secrets.
func (k *Keeper) purgeRemoved(ctx context.Context) error {
	set := k.integrations()
	var gone []string
	queues, err := k.store.IntegrationQueues(ctx)
	if err != nil {
		return err
	}
	for _, in := range set.list {
		if in.Removing && queues[in.Name].Pending == 0 {
			gone = append(gone, in.Name)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	now := k.now()
	err = k.changeIntegrations(ctx, func(tx *store.Tx, list *[]Integration) error {
		*list = slices.DeleteFunc(*list, func(x Integration) bool { return slices.Contains(gone, x.Name) })
		for _, name := range gone {
			if err := tx.SupersedeIntegration(name, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, name := range gone {
		if err := k.secrets.Delete(keyringService, integrationSecretUser(name)); err != nil && !errors.Is(err, store.ErrKeyNotFound) {
			k.logf("the signing secret of the removed integration %q could not be deleted from %s: %v", name, k.SecretsPlace(), err)
		}
	}
	return nil
}

var msgMoved = msg("integration.event.moved", "Messages now go to {{.To}} (before: {{.From}}).")

var (
	msgNowhere        = msg("integration.nowhere", "no integration")
	msgMovedAway      = msg("integration.disconnect.moved", "Its messages now go to {{.To}}.")
	msgMovedNowhere   = msg("integration.disconnect.nowhere", "No integration receives its messages any more.")
	msgDisconnectedBy = msg("integration.disconnect.owner", "The Page was disconnected in Pagekeeper.")
	msgIntGone        = msg("integration.disconnect.removed", "This integration was removed from Pagekeeper.")
)

// SetPageIntegration sends a connected Page's messages to another
// integration (NoIntegration: to none). The old one is told to forget it
// (page.disconnected) and the new one is handed its token (page.connected),
// in the transaction that records the change.
func (k *Keeper) SetPageIntegration(ctx context.Context, pageID, name string, actor Actor) error {
	to := ""
	if name != NoIntegration {
		t, ok := k.integrations().find(name)
		if !ok || t.Removing {
			return k.unknownIntegration(name)
		}
		to = t.Name
	}
	if err := k.requireManager(); err != nil {
		return err
	}
	k.settingsMu.Lock()
	defer k.settingsMu.Unlock()
	set := k.integrations()
	err := k.store.Update(ctx, func(tx *store.Tx) error {
		p, err := tx.Page(pageID)
		if err != nil {
			return err
		}
		if p.Status == store.StatusDisconnected {
			return ErrAlreadyDisconnected
		}
		return k.moveInTx(tx, set, pageID, to, actor, k.now())
	})
	if err == nil {
		k.wakeDeliveries()
	}
	return err
}

func (k *Keeper) moveInTx(tx *store.Tx, set *integrationSet, pageID, to string, actor Actor, now time.Time) error {
	return k.moveInTxWhy(tx, set, pageID, to, actor, now, integration.DisconnectMoved)
}

// moveInTxWhy records that a Page's messages go to to ("" = none): the old
// integration is told to forget it (why: the reason code), the new one is
// handed its token, and the history says so.
func (k *Keeper) moveInTxWhy(tx *store.Tx, set *integrationSet, pageID, to string, actor Actor, now time.Time, why string) error {
	p, err := tx.Page(pageID)
	if err != nil {
		return err
	}
	from := p.Integration
	if from == to {
		return nil
	}
	ea := eventActor(actor)
	if from != "" {
		words := msgMovedNowhere.with()
		if to != "" {
			words = msgMovedAway.with("To", to)
		}
		if why == integration.DisconnectIntegrationGone && to == "" {
			words = msgIntGone.with()
		}
		if err := k.queueDisconnect(tx, from, p, integration.Reason{Code: why, Message: words.In(k.Lang())}, ea, now); err != nil {
			return err
		}
	}
	p.Integration = to
	if err := tx.UpsertPage(p); err != nil {
		return err
	}
	if to != "" {
		if err := k.queueToken(tx, set.targets[to], pageID, nil, ea, now); err != nil {
			return err
		}
	}
	_, err = tx.AppendEvent(movedEvent(actor, pageID, from, to, now))
	return err
}

// movedEvent is the history's line for a Page whose messages now go to
// to instead of from ("" = no integration).
func movedEvent(actor Actor, pageID, from, to string, now time.Time) store.Event {
	return actor.event(pageID, "destination_changed", msgMoved.with("To", integrationWords(to), "From", integrationWords(from)), now)
}

// integrationWords is an integration's name, or "no integration" in the
// reader's language.
func integrationWords(name string) Text {
	if name == "" {
		return msgNowhere.with()
	}
	return plain(name)
}

// eventActor is who acted, as events tell integrations.
func eventActor(a Actor) integration.Actor {
	if a == (Actor{}) {
		return integration.Actor{Kind: integration.ActorPagekeeper}
	}
	return integration.Actor{Kind: integration.ActorPerson, FacebookUserID: a.FBUserID, FacebookUserName: a.FBUserName, ComputerUser: a.OSUser}
}

var msgClockDay = msg("date.clock_day", "{{.Day}} {{.Month}} {{.Time}}")

// clock is a time as a page owner reads it: "12:03" today, else
// "2 January 12:03" (in the reader's language).
func clock(t, now time.Time) Text {
	t, now = t.Local(), now.Local()
	y, m, d := t.Date()
	if y2, m2, d2 := now.Date(); y == y2 && m == m2 && d == d2 {
		return plain(t.Format("15:04"))
	}
	return msgClockDay.with("Day", d, "Month", monthNames[m-1].with(), "Time", t.Format("15:04"))
}

var (
	msgIntTestBody = msg("integration.test.message", "A test from Pagekeeper on {{.Host}}.")
	msgTestOK      = msg("integration.event.test_ok", "Test event delivered to {{.Name}} (HTTP {{.Status}}).")
	msgIntTestFail = msg("integration.test.failed", "The test event did not reach {{.Name}}: {{.Why}}.")
	msgTestFailDo  = msg("integration.test.failed.todo", "Check that the integration is running, that its address is right and that it uses the same signing secret.")
	msgTestNoSecre = msg("integration.test.no_secret", "{{.Name}} has no signing secret yet, so nothing can be sent to it.")
)

// TestIntegration sends integration.test to an integration now and says
// whether it answered 2xx. The person is waiting for the answer, so it is
// tried once, not queued; the history records it.
func (k *Keeper) TestIntegration(ctx context.Context, name string, actor Actor) error {
	t, ok := k.integrations().find(name)
	if !ok {
		return k.unknownIntegration(name)
	}
	if t.secret.IsZero() {
		return &IntegrationError{What: msgTestNoSecre.with("Name", t.Name), Todo: msgIntNeedsDo.with()}
	}
	host := k.opts.Host
	if host == "" {
		host, _ = os.Hostname()
	}
	ev := integration.Event{Type: integration.IntegrationTest, Timestamp: k.now(), Data: integration.Data{
		Test:  &integration.Test{Integration: t.Name, Message: msgIntTestBody.with("Host", host).In(k.Lang())},
		Actor: &integration.Actor{Kind: integration.ActorPerson, FacebookUserID: actor.FBUserID, FacebookUserName: actor.FBUserName, ComputerUser: actor.OSUser}}}
	body, err := integration.Encode(ev)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ack, err := k.dstate.client.Deliver(ctx, integration.Delivery{URL: t.URL, Secret: t.secret, ID: integration.NewMessageID(), Body: body})
	detail := msgTestOK.with("Name", t.Name, "Status", ack.HTTPStatus)
	if err != nil {
		code, _, _ := failureCode(err)
		fail := &IntegrationError{What: msgIntTestFail.with("Name", t.Name, "Why", deliveryProblem(code)), Todo: msgTestFailDo.with(), err: err}
		detail, err = fail.What, fail
	}
	if !k.readOnly() {
		if _, rerr := k.store.AppendEvent(context.WithoutCancel(ctx), actor.event("", "integration_test", detail, k.now())); rerr != nil {
			k.logf("the test of %s could not be recorded: %v", t.Name, rerr)
		}
	}
	return err
}
