package keeper

import (
	"strings"
)

// AlertChannel is one way keeper sends alerts: what it is, and whether the
// settings set it up. The window adds its own desktop notification (it owns
// the tray) and warns when no channel reaches a person.
type AlertChannel struct {
	// ID is stable: "email", or "integration:" and the integration's name.
	ID string
	// Name is the channel in a few words; State says how it is set up, or
	// what it lacks.
	Name, State Text
	// SetUp: alerts go out through it with these settings.
	SetUp bool
	// Person: it reaches a person (email does). An integration is a
	// program: it is told each status change, and a person hears of it
	// only if the business built it to tell one.
	Person bool
}

// alertChannels are the channels keeper delivers alerts through, each
// worked out from the settings (and the integrations in effect): adding a
// channel is one line here.
var alertChannels = []func(*Keeper, Settings) []AlertChannel{
	func(_ *Keeper, s Settings) []AlertChannel { return []AlertChannel{emailChannel(s)} },
	(*Keeper).integrationChannels,
}

// AlertChannels lists keeper's alert channels as s sets them up (s may be
// the Settings form's values, not saved yet), with the integrations in
// effect now.
func (k *Keeper) AlertChannels(s Settings) []AlertChannel {
	var out []AlertChannel
	for _, c := range alertChannels {
		out = append(out, c(k, s)...)
	}
	return out
}

var (
	msgChannelEmail        = msg("channel.email", "Email to the owners")
	msgChannelEmailOn      = msg("channel.email.on", "to {{.Owners}} through {{.Server}}")
	msgChannelEmailNoOwner = msg("channel.email.no_owners", "not set up: add the owners' email addresses")
	msgChannelEmailNoHost  = msg("channel.email.no_server", "not set up: add a mail server")
	msgChannelIntegration  = msg("channel.integration", "{{.Name}} (your integration)")
	msgChannelIntegOn      = msg("channel.integration.on",
		"told each change of status of the Pages it receives; a person hears of it only if it is built to tell one")
	msgChannelIntegNoSecret = msg("channel.integration.no_secret", "not set up: it has no signing secret yet (Settings > Integrations)")
)

func emailChannel(s Settings) AlertChannel {
	c := AlertChannel{ID: "email", Name: msgChannelEmail.with(), Person: true}
	switch {
	case len(s.Owners) == 0:
		c.State = msgChannelEmailNoOwner.with()
	case s.SMTP.Host == "":
		c.State = msgChannelEmailNoHost.with()
	default:
		names := make([]string, len(s.Owners))
		for i, o := range s.Owners {
			names[i] = o.Email
		}
		c.SetUp, c.State = true, msgChannelEmailOn.with("Owners", strings.Join(names, ", "), "Server", s.SMTP.Host)
	}
	return c
}

// integrationChannels: each integration in effect is told every change of
// status of its Pages (page.status_changed, deliveries.go) once it has its
// signing secret.
func (k *Keeper) integrationChannels(Settings) []AlertChannel {
	var out []AlertChannel
	set := k.integrations()
	for _, in := range set.active() {
		c := AlertChannel{ID: "integration:" + in.Name, Name: msgChannelIntegration.with("Name", in.Name), State: msgChannelIntegNoSecret.with()}
		if t, ok := set.targets[in.Name]; ok && !t.secret.IsZero() {
			c.SetUp, c.State = true, msgChannelIntegOn.with()
		}
		out = append(out, c)
	}
	return out
}
