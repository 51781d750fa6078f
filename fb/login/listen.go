package login

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// PortsBusyError: none of the callback ports could be opened on loopback.
type PortsBusyError struct {
	Ports []int
	// Excluded is set when Windows refused a port because it lies in a
	// range the system reserved (Hyper-V, WSL 2, Docker): nothing is using
	// it, yet it cannot be opened.
	Excluded bool
	causes   []error
}

func (e *PortsBusyError) Error() string {
	names := make([]string, len(e.Ports))
	for i, p := range e.Ports {
		names[i] = strconv.Itoa(p)
	}
	var b strings.Builder
	if len(e.Ports) == 1 {
		fmt.Fprintf(&b, "Pagekeeper could not open its login port %s on this computer: another program is using it.", names[0])
	} else {
		fmt.Fprintf(&b, "Pagekeeper could not open any of its login ports (%s) on this computer: other programs are using them.", strings.Join(names, ", "))
	}
	b.WriteString(" Close the program using them and try again, or choose other ports in Settings.")
	if e.Excluded {
		b.WriteString(" Windows may have reserved these ports (Hyper-V, WSL or Docker do this); list the reserved ranges with: netsh interface ipv4 show excludedportrange protocol=tcp, and choose ports outside them.")
	}
	return b.String()
}

// Unwrap gives the bind errors, for logs.
func (e *PortsBusyError) Unwrap() []error { return e.causes }

// listenLoopback opens the first usable port of ports on 127.0.0.1 and, when
// the machine has IPv6 loopback, on [::1] too. Both are needed: the browser
// may resolve localhost to either, and a port owned by another program on
// the other family would receive the code. Never a wildcard address.
func listenLoopback(ports []int) ([]net.Listener, int, error) {
	lc := net.ListenConfig{Control: listenControl}
	busy := &PortsBusyError{}
	for _, want := range ports {
		tries := 1
		if want == 0 {
			tries = 5 // an ephemeral v4 port may be taken on v6: pick another
		}
		for range tries {
			lns, port, err := listenPort(&lc, want)
			if err == nil {
				return lns, port, nil
			}
			busy.causes = append(busy.causes, err)
			if excludedPort(err) {
				busy.Excluded = true
			}
		}
		busy.Ports = append(busy.Ports, want)
	}
	return nil, 0, busy
}

func listenPort(lc *net.ListenConfig, port int) ([]net.Listener, int, error) {
	ctx := context.Background()
	ln4, err := lc.Listen(ctx, "tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, 0, err
	}
	got := ln4.Addr().(*net.TCPAddr).Port
	ln6, err := lc.Listen(ctx, "tcp6", net.JoinHostPort("::1", strconv.Itoa(got)))
	switch {
	case err == nil:
		return []net.Listener{ln4, ln6}, got, nil
	case noIPv6(err):
		return []net.Listener{ln4}, got, nil
	}
	_ = ln4.Close()
	return nil, 0, errors.Join(fmt.Errorf("[::1]:%d", got), err)
}
