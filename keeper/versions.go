package keeper

import (
	"fmt"
	"time"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/store"
)

// The Graph version radar. Each Graph API version stops working on a date
// Meta publishes (fb.VersionEnd); an owner must move Settings to a newer
// version before then. From VersionWarning before that day the owners are
// told once, reminded weekly, and Settings shows it (docs/FACEBOOK.md §8).

// VersionWarning is how long before its end a version needs attention.
const VersionWarning = 90 * 24 * time.Hour

// versionReminder: how often the notice is repeated while it stands.
const versionReminder = 7 * 24 * time.Hour

// versionIncident is the incident key of the app-wide version notice (the
// incidents table keys by Page ID; no Page ID has this form).
const versionIncident = "app:graph_version"

// ReasonGraphVersionEnding is the notice's reason.
const ReasonGraphVersionEnding Reason = "graph_version_ending"

var (
	msgVersionEnds = msg("version.ends",
		"Graph API {{.Version}} works until {{.Date}}.")
	msgVersionEndsSoon = msg("version.ends_soon",
		"Graph API {{.Version}}, which Pagekeeper uses, stops working on {{.Date}}. Open Settings and choose a newer Graph version (for example {{.Newer}}) before then, or Pagekeeper will no longer reach Facebook.")
	msgVersionEnded = msg("version.ended",
		"Graph API {{.Version}}, which Pagekeeper uses, stopped working on {{.Date}}. Open Settings and choose a newer Graph version (for example {{.Newer}}).")
	msgVersionUnknown = msg("version.unknown",
		"Meta has not yet said until when Graph API {{.Version}} works.")
	msgTitleVersion = msg("alert.title.graph_version",
		"Pagekeeper's Graph API version {{.Version}} ends on {{.Date}}")
)

// VersionStatus is what the radar says about a Graph version.
type VersionStatus struct {
	Version string
	Ends    time.Time // zero: not published yet
	// Attention: it ends within VersionWarning (or has ended).
	Attention bool
	// Text says it in words for Settings and the notice.
	Text Text
}

// GraphVersionStatus is the radar's view of version at now.
func GraphVersionStatus(version string, now time.Time) VersionStatus {
	if version == "" {
		version = DefaultSettings().GraphVersion
	}
	vs := VersionStatus{Version: version}
	end, known := fb.VersionEnd(version)
	if !known {
		vs.Text = msgVersionUnknown.with("Version", version)
		return vs
	}
	vs.Ends = end
	args := []any{"Version", version, "Date", Day(end), "Newer", fb.DefaultVersion}
	switch {
	case !now.Before(end):
		vs.Attention, vs.Text = true, msgVersionEnded.with(args...)
	case end.Sub(now) <= VersionWarning:
		vs.Attention, vs.Text = true, msgVersionEndsSoon.with(args...)
	default:
		vs.Text = msgVersionEnds.with(args...)
	}
	return vs
}

// versionNotice opens, reminds or closes the app-wide version incident in
// tx, and returns the alert to deliver, if any.
func (k *Keeper) versionNotice(tx *store.Tx, set Settings, now time.Time, open *store.Incident, al alertPlan) ([]Alert, error) {
	vs := GraphVersionStatus(set.GraphVersion, now)
	if !vs.Attention {
		if open != nil {
			_, _, err := tx.CloseIncident(versionIncident, now)
			return nil, err
		}
		return nil, nil
	}
	// No Page: the window's notification names Pagekeeper itself.
	a := Alert{Kind: AlertOpened, PageName: "Pagekeeper", Status: StatusNeedsAttention, Reason: ReasonGraphVersionEnding,
		Title:       msgTitleVersion.with("Version", vs.Version, "Date", Day(vs.Ends)),
		Explanation: vs.Text, At: now}
	switch {
	case open == nil:
		inc, _, err := tx.OpenIncident(versionIncident, string(ReasonGraphVersionEnding), now)
		if err != nil {
			return nil, err
		}
		a.IncidentID = inc.ID
		if err := tx.MarkAlerted(inc.ID, now, false); err != nil {
			return nil, err
		}
	case now.Sub(open.LastAlertAt) >= max(al.reminder, versionReminder):
		a.Kind, a.IncidentID = AlertReminder, open.ID
		if err := tx.MarkAlerted(open.ID, now, true); err != nil {
			return nil, err
		}
	default:
		return nil, nil
	}
	if err := k.queueAlert(tx, a, al); err != nil {
		return nil, fmt.Errorf("recording the Graph version notice: %w", err)
	}
	return []Alert{a}, nil
}
