package keeper

import (
	"strings"
)

// AlertChannel is one way keeper sends alerts to people: what it is, and
// whether the settings set it up. The window adds its own desktop
// notification (it owns the tray) and warns when no channel reaches a
// person.
type AlertChannel struct {
	// ID is stable: "email" (and the integration's, when it delivers
	// page.status_changed).
	ID string
	// Name is the channel in a few words; State says how it is set up, or
	// what it lacks.
	Name, State Text
	// SetUp: alerts go out through it with these settings.
	SetUp bool
}

// alertChannels are the channels keeper delivers alerts through, each
// worked out from the settings: adding a channel is one line here.
var alertChannels = []func(Settings) AlertChannel{
	emailChannel,
}

// AlertChannels lists keeper's alert channels as s sets them up (s may be
// the Settings form's values, not saved yet).
func AlertChannels(s Settings) []AlertChannel {
	out := make([]AlertChannel, 0, len(alertChannels))
	for _, c := range alertChannels {
		out = append(out, c(s))
	}
	return out
}

var (
	msgChannelEmail        = msg("channel.email", "Email to the owners")
	msgChannelEmailOn      = msg("channel.email.on", "to {{.Owners}} through {{.Server}}")
	msgChannelEmailNoOwner = msg("channel.email.no_owners", "not set up: add the owners' email addresses")
	msgChannelEmailNoHost  = msg("channel.email.no_server", "not set up: add a mail server")
)

func emailChannel(s Settings) AlertChannel {
	c := AlertChannel{ID: "email", Name: msgChannelEmail.with()}
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
