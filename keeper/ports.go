package keeper

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/pagekeeper/pagekeeper/store"
)

// The login's callback ports were 47321–47323 until issue 16 (item 10):
// inside the range Linux hands out for outgoing connections (32768–60999),
// so a browser's or any program's outgoing connection, or its TIME_WAIT,
// could hold one and the login could not listen. The defaults are now
// 27182–27184 (docs/LOGIN.md says why those), and settings still holding
// the old defaults, unchanged, move to them once.
var oldDefaultPorts = []int{47321, 47322, 47323}

// portsMovedKey records that the move was done (or was not needed), so a
// person who later chooses 47321–47323 again keeps them.
const portsMovedKey = "ports_moved_from_ephemeral_range"

var msgPortsMoved = msg("settings.ports_moved",
	"The login callback ports moved from 47321–47323 to {{.Ports}}: the old ones lie in the range the system uses for outgoing connections, which could keep them busy.")

// moveOldDefaultPorts puts the new default ports in place of the old
// defaults, once per data folder. A viewer only uses them (the manager
// saves the move).
func (k *Keeper) moveOldDefaultPorts(ctx context.Context, s Settings) (Settings, error) {
	var moved bool
	if _, err := k.store.GetSetting(ctx, portsMovedKey, &moved); err != nil || moved {
		return s, err
	}
	// s holds the new ports even when the move cannot be saved.
	needed := slices.Equal(s.Ports, oldDefaultPorts)
	if needed {
		s.Ports = slices.Clone(DefaultSettings().Ports)
	}
	if k.readOnly() {
		return s, nil
	}
	err := k.store.Update(ctx, func(tx *store.Tx) error {
		if needed {
			if err := tx.SetSetting(settingsKey, s); err != nil {
				return err
			}
			if _, err := tx.AppendEvent(newEvent(k.now(), "", "settings_changed",
				msgPortsMoved.with("Ports", portsText(s.Ports)))); err != nil {
				return err
			}
		}
		return tx.SetSetting(portsMovedKey, true)
	})
	return s, err
}

// portsText is "27182, 27183, 27184".
func portsText(ports []int) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ", ")
}
