//go:build windows

package login

import (
	"errors"
	"syscall"
)

// soExclusiveAddrUse is SO_EXCLUSIVEADDRUSE (~SO_REUSEADDR): RFC 8252
// Appendix B.3 recommends it so that no other program can bind the same
// port more specifically and steal the callback.
const soExclusiveAddrUse = ^4

func listenControl(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(syscall.Handle(fd), syscall.SOL_SOCKET, soExclusiveAddrUse, 1)
	})
	if err != nil {
		return err
	}
	return serr
}

const (
	wsaeacces        = syscall.Errno(10013)
	wsaeafnosupport  = syscall.Errno(10047)
	wsaeaddrnotavail = syscall.Errno(10049)
)

func noIPv6(err error) bool {
	return errors.Is(err, wsaeafnosupport) || errors.Is(err, wsaeaddrnotavail)
}

// excludedPort: WSAEACCES on bind means the port lies in a range Windows
// reserved (netsh interface ipv4 show excludedportrange protocol=tcp).
func excludedPort(err error) bool { return errors.Is(err, wsaeacces) }
