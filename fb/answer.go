package fb

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Limits on what Pagekeeper reads of an answer. Meta's own answers are far
// smaller: a batch of 50 health operations is about 60 KB, a page of 100
// Pages from /me/accounts (with their tokens) about 100 KB, and the largest
// single answer Pagekeeper asks for, debug_token about a user token that
// lists every granted Page in granular_scopes, is about 90 bytes per Page:
// 8 MB still holds ~90,000 Pages. The deepest is a batch envelope's headers
// (3 levels) or a debug_token body (5 levels); 64 leaves room for any new
// field while refusing the "4 MB of [" that took 789 MB to decode (issue 16).
// Anything beyond is not Facebook as documented: an "unexpected answer",
// read no further.
const (
	maxAnswerBytes = 8 << 20
	maxAnswerDepth = 64
)

// Causes of an answer refused for its shape, for errors.Is inside fb.
var (
	errAnswerTooLarge = fmt.Errorf("the answer is larger than %d MB", maxAnswerBytes>>20)
	errAnswerTooDeep  = fmt.Errorf("the answer nests deeper than %d levels", maxAnswerDepth)
)

// refusedAnswer reports whether err is an answer refused by the limits: it
// says nothing about any one operation, and asking again would only fetch
// as much again.
func refusedAnswer(err error) bool {
	return errors.Is(err, errAnswerTooLarge) || errors.Is(err, errAnswerTooDeep)
}

// unexpectedAnswer is an answer that is not what Facebook documents
// (unreadable, the wrong shape, a field a decision needs missing, too large
// or too deep): "could not check", never a verdict about a Page.
func unexpectedAnswer(status int, message string, cause error) *Error {
	return &Error{HTTPStatus: status, Class: ClassUnknown, Reason: ReasonUnexpectedAnswer, Message: message, cause: cause}
}

// depthGuard follows the nesting of JSON text as it streams by, without
// validating it (encoding/json does that afterwards): brackets inside
// strings do not count.
type depthGuard struct {
	depth            int
	inString, escape bool
}

func (g *depthGuard) scan(p []byte) error {
	for _, c := range p {
		switch {
		case g.escape:
			g.escape = false
		case g.inString:
			switch c {
			case '\\':
				g.escape = true
			case '"':
				g.inString = false
			}
		case c == '"':
			g.inString = true
		case c == '[' || c == '{':
			if g.depth++; g.depth > maxAnswerDepth {
				return errAnswerTooDeep
			}
		case c == ']' || c == '}':
			g.depth--
		}
	}
	return nil
}

// checkDepth checks JSON already in memory that readAnswer did not read:
// an operation's body, which a batch envelope carries as a string.
func checkDepth(b []byte) error {
	var g depthGuard
	return g.scan(b)
}

// guardedReader stops reading at the first byte past the nesting limit.
type guardedReader struct {
	r io.Reader
	g depthGuard
}

func (r *guardedReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if gerr := r.g.scan(p[:n]); gerr != nil {
		return n, gerr
	}
	return n, err
}

// readAnswer reads an HTTP answer's body within the limits: at most
// maxAnswerBytes (one more byte tells it is too large) and no deeper than
// maxAnswerDepth; the rest is never read. sizeHint is the Content-Length
// (-1: unknown).
func readAnswer(body io.Reader, sizeHint int64) ([]byte, error) {
	if sizeHint > maxAnswerBytes {
		return nil, errAnswerTooLarge
	}
	var buf bytes.Buffer
	if sizeHint > 0 {
		buf.Grow(int(sizeHint) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(&guardedReader{r: body}, maxAnswerBytes+1)); err != nil {
		return nil, err
	}
	if buf.Len() > maxAnswerBytes {
		return nil, errAnswerTooLarge
	}
	return buf.Bytes(), nil
}
