package cli

import (
	"flag"
	"fmt"
	"strconv"
	"time"
)

// maxTimeout bounds --timeout: a login or a check allowed more than a day
// is a typo, or an overflow (2562047h plus a minute is negative, which
// would end the wait before it starts). Zero or less never waits at all.
const maxTimeout = 24 * time.Hour

// noArguments refuses arguments after the flags of a command that takes
// none (`pagekeeper status extra`): the argument may be a mistyped flag, so
// running anyway could do something other than what was meant.
func noArguments(fs *flag.FlagSet, env Env, name string) bool {
	if fs.NArg() == 0 {
		return true
	}
	fmt.Fprintf(env.Stderr, "pagekeeper %s: %s\n", name, env.tr("cli.unexpected_argument",
		"unexpected argument {{.Arg}} (it takes no arguments; see pagekeeper {{.Command}} --help)",
		map[string]any{"Arg": strconv.Quote(fs.Arg(0)), "Command": name}))
	return false
}

// timeoutOK says in words what is wrong with a --timeout.
func timeoutOK(d time.Duration, env Env, name string) bool {
	if d > 0 && d <= maxTimeout {
		return true
	}
	fmt.Fprintf(env.Stderr, "pagekeeper %s: %s\n", name, env.tr("cli.timeout_range",
		"--timeout {{.Timeout}}: give a time longer than 0s and at most 24h, like 5m", map[string]any{"Timeout": d.String()}))
	return false
}
