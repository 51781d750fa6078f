package keeper

import (
	"fmt"
	"slices"
)

// WebhookPreset names the set of webhook fields a Page is subscribed with,
// after how the business answers its Messenger traffic.
type WebhookPreset string

const (
	PresetBot        WebhookPreset = "bot"
	PresetAgentInbox WebhookPreset = "agent_inbox"
	PresetCustom     WebhookPreset = "custom"
)

// presetFields are the fields of the named presets.
var presetFields = map[WebhookPreset][]string{
	// A bot answers: it needs the messages, button taps, m.me referrals and opt-ins.
	PresetBot: {"messages", "messaging_postbacks", "messaging_referrals", "messaging_optins"},
	// People answer in an inbox: they also need their own replies (echoes), reads and deliveries.
	PresetAgentInbox: {"messages", "message_echoes", "message_reads", "message_deliveries", "messaging_postbacks"},
}

// messengerFields are the subscribed_fields values Pagekeeper lets an owner
// pick for a Custom preset: the Messenger part of Facebook's enum
// (docs/FACEBOOK.md §5; a test checks each is in Meta's enum).
var messengerFields = []string{
	"messages", "message_echoes", "message_deliveries", "message_reads", "message_reactions",
	"message_edits", "message_context", "message_mention", "message_template_status_update",
	"messaging_postbacks", "messaging_referrals", "messaging_optins", "messaging_optouts",
	"messaging_handovers", "messaging_policy_enforcement", "messaging_account_linking",
	"messaging_fblogin_account_linking", "messaging_feedback", "messaging_customer_information",
	"messaging_appointments", "messaging_direct_sends", "messaging_game_plays", "messaging_payments",
	"messaging_pre_checkouts", "messaging_checkout_updates", "messaging_in_thread_lead_form_submit",
	"messaging_integrity", "response_feedback", "send_cart", "inbox_labels", "standby",
	"calls", "call_permission_reply", "call_settings_update",
}

var presetWords = map[WebhookPreset]message{
	PresetBot:        msg("preset.bot", "Bot"),
	PresetAgentInbox: msg("preset.agent_inbox", "Agent inbox"),
	PresetCustom:     msg("preset.custom", "Custom"),
}

// Words is the preset's name for people ("Agent inbox").
func (p WebhookPreset) Words() Text {
	if m, ok := presetWords[p]; ok {
		return m.with()
	}
	return plain(string(p))
}

// DefaultPreset is what a newly connected Page gets.
const DefaultPreset = PresetBot

// MessengerFields lists the fields a Custom preset may use.
func MessengerFields() []string { return slices.Clone(messengerFields) }

// PresetFields returns the webhook fields for a preset; custom is used (and
// validated) only for the Custom preset.
func PresetFields(p WebhookPreset, custom []string) ([]string, error) {
	if f, ok := presetFields[p]; ok {
		return slices.Clone(f), nil
	}
	if p != PresetCustom {
		return nil, fmt.Errorf("unknown webhook preset %q", p)
	}
	if len(custom) == 0 {
		return nil, fmt.Errorf("a custom preset needs at least one webhook field")
	}
	for _, f := range custom {
		if !slices.Contains(messengerFields, f) {
			return nil, fmt.Errorf("%q is not a Messenger webhook field", f)
		}
	}
	out := slices.Clone(custom)
	slices.Sort(out)
	return slices.Compact(out), nil
}

// missingFields returns the wanted fields absent from have.
func missingFields(want, have []string) []string {
	var out []string
	for _, f := range want {
		if !slices.Contains(have, f) {
			out = append(out, f)
		}
	}
	return out
}
