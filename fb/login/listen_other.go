//go:build !windows

package login

import (
	"errors"
	"syscall"
)

// listenControl: Go already sets SO_REUSEADDR on Unix, which only lets a
// port in TIME_WAIT be reused; a port another socket listens on stays busy.
func listenControl(string, string, syscall.RawConn) error { return nil }

// noIPv6 reports a bind failure meaning "this machine has no IPv6
// loopback", as opposed to "the port is busy".
func noIPv6(err error) bool {
	return errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EAFNOSUPPORT) || errors.Is(err, syscall.EPROTONOSUPPORT)
}

func excludedPort(error) bool { return false }
