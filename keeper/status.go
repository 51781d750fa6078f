package keeper

// Status is a Page's health. The store keeps it as its own column type;
// this is the domain's, which the window and the terminal show.
type Status string

// The statuses an owner sees. Invalid: the connection does not work. Needs
// attention: it works, but something will break or is already missing.
// Could not check: Facebook or the network did not answer (never treated as
// broken).
const (
	StatusUnchecked      Status = "unchecked"
	StatusValid          Status = "valid"
	StatusNeedsAttention Status = "needs_attention"
	StatusInvalid        Status = "invalid"
	StatusCouldNotCheck  Status = "could_not_check"
	StatusDisconnected   Status = "disconnected"
)

var statusWordMsgs = map[Status]message{
	StatusValid:          msg("status.valid", "Valid"),
	StatusNeedsAttention: msg("status.needs_attention", "Needs attention"),
	StatusInvalid:        msg("status.invalid", "Invalid"),
	StatusCouldNotCheck:  msg("status.could_not_check", "Could not check"),
	StatusDisconnected:   msg("status.disconnected", "Disconnected"),
	StatusUnchecked:      msg("status.unchecked", "Not checked yet"),
}

// Words is the status in words ("Needs attention").
func (s Status) Words() Text {
	if m, ok := statusWordMsgs[s]; ok {
		return m.with()
	}
	return statusWordMsgs[StatusUnchecked].with()
}

// NeedsOwner reports whether a person must act: the Page is Invalid or
// Needs attention.
func (s Status) NeedsOwner() bool { return s == StatusInvalid || s == StatusNeedsAttention }
