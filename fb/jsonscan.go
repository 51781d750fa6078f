package fb

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A health round decodes thousands of debug_token answers inside batch
// envelopes, and encoding/json (a validation pass, then reflection) was most
// of the client's CPU. jscan reads the usual shapes of those two answers
// directly. It is strict and gives up on anything unusual (a key that only
// matches case-insensitively, a duplicate key, an error object, a fraction,
// invalid JSON…); callers then decode with encoding/json, so the result is
// always what json.Unmarshal gives. jsonscan_test.go checks that.
type jscan struct {
	b []byte
	i int
}

func (s *jscan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// eat consumes c after whitespace.
func (s *jscan) eat(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *jscan) lit(word string) bool {
	s.ws()
	if len(s.b)-s.i >= len(word) && string(s.b[s.i:s.i+len(word)]) == word {
		s.i += len(word)
		return true
	}
	return false
}

func (s *jscan) null() bool { return s.lit("null") }

// end reports whether only whitespace is left.
func (s *jscan) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// str reads a string without escapes; ok is false for anything else
// (escapes, control characters, invalid UTF-8).
func (s *jscan) str() (string, bool) {
	if !s.eat('"') {
		return "", false
	}
	start, ascii := s.i, true
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			v := s.b[start:s.i]
			s.i++
			if !ascii && !utf8.Valid(v) {
				return "", false
			}
			return string(v), true
		case c == '\\' || c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		s.i++
	}
	return "", false
}

// unquote reads any valid string into a new slice: the common escapes are
// decoded here, \u escapes and non-ASCII text by encoding/json.
func (s *jscan) unquote() ([]byte, bool) {
	s.ws()
	start := s.i
	if !s.eat('"') {
		return nil, false
	}
	// First find the end, and whether decoding is needed at all.
	escapes := false
	j := s.i
	for ; j < len(s.b); j++ {
		c := s.b[j]
		if c == '"' {
			break
		}
		switch {
		case c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			return s.slowString(start)
		case c == '\\':
			if j+1 >= len(s.b) {
				return nil, false
			}
			switch s.b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			default: // \u and invalid escapes
				return s.slowString(start)
			}
			escapes = true
			j++
		}
	}
	if j >= len(s.b) {
		return nil, false
	}
	if !escapes {
		v := make([]byte, j-s.i) // non-nil even when empty, as json.RawMessage(string) is
		copy(v, s.b[s.i:j])
		s.i = j + 1
		return v, true
	}
	out := make([]byte, 0, j-s.i)
	for k := s.i; k < j; k++ {
		c := s.b[k]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		k++
		switch c = s.b[k]; c {
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		}
		out = append(out, c)
	}
	s.i = j + 1
	return out, true
}

// slowString decodes the string token starting at start with encoding/json.
func (s *jscan) slowString(start int) ([]byte, bool) {
	s.i = start
	if !s.skip(0) {
		return nil, false
	}
	var v string
	if json.Unmarshal(s.b[start:s.i], &v) != nil {
		return nil, false
	}
	return []byte(v), true
}

// integer reads -?(0|[1-9][0-9]*) not followed by a fraction or exponent.
func (s *jscan) integer() (int64, bool) {
	s.ws()
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	d := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	if s.i == d || (s.b[d] == '0' && s.i > d+1) {
		return 0, false
	}
	if s.i < len(s.b) && (s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		return 0, false
	}
	n, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
	return n, err == nil
}

// skip passes over one valid JSON value.
func (s *jscan) skip(depth int) bool {
	if depth > 100 {
		return false
	}
	s.ws()
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		s.i++
		for s.i < len(s.b) {
			c := s.b[s.i]
			switch {
			case c == '"':
				s.i++
				return true
			case c < 0x20:
				return false
			case c == '\\':
				if s.i+1 >= len(s.b) {
					return false
				}
				switch s.b[s.i+1] {
				case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
					s.i += 2
				case 'u':
					if s.i+6 > len(s.b) {
						return false
					}
					for _, h := range s.b[s.i+2 : s.i+6] {
						if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
							return false
						}
					}
					s.i += 6
				default:
					return false
				}
				continue
			}
			s.i++
		}
		return false
	case c == '{':
		s.i++
		if s.eat('}') {
			return true
		}
		for {
			s.ws()
			if s.i >= len(s.b) || s.b[s.i] != '"' || !s.skip(depth+1) || !s.eat(':') || !s.skip(depth+1) {
				return false
			}
			if s.eat(',') {
				continue
			}
			return s.eat('}')
		}
	case c == '[':
		s.i++
		if s.eat(']') {
			return true
		}
		for {
			if !s.skip(depth + 1) {
				return false
			}
			if s.eat(',') {
				continue
			}
			return s.eat(']')
		}
	case c == 't':
		return s.lit("true")
	case c == 'f':
		return s.lit("false")
	case c == 'n':
		return s.null()
	case c == '-' || c >= '0' && c <= '9':
		if c == '-' {
			s.i++
		}
		d := s.i
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
		}
		if s.i == d || (s.b[d] == '0' && s.i > d+1) {
			return false
		}
		if s.i < len(s.b) && s.b[s.i] == '.' {
			s.i++
			f := s.i
			for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
				s.i++
			}
			if s.i == f {
				return false
			}
		}
		if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
			s.i++
			if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
				s.i++
			}
			e := s.i
			for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
				s.i++
			}
			if s.i == e {
				return false
			}
		}
		return true
	}
	return false
}

// object calls field for each key until the closing brace. Keys with
// escapes or non-ASCII characters, keys that match one of known only
// case-insensitively (encoding/json would take them) and repeated known keys
// make it give up.
func (s *jscan) object(known []string, field func(k int) bool) bool {
	if !s.eat('{') {
		return false
	}
	if s.eat('}') {
		return true
	}
	var seen uint64
	for {
		k, ok := s.str()
		if !ok || !s.eat(':') {
			return false
		}
		idx := -1
		for j, name := range known {
			if k == name {
				idx = j
				break
			}
			if strings.EqualFold(k, name) {
				return false
			}
		}
		for j := 0; j < len(k); j++ {
			if k[j] >= utf8.RuneSelf {
				return false
			}
		}
		if idx >= 0 {
			if seen&(1<<idx) != 0 {
				return false
			}
			seen |= 1 << idx
			if !field(idx) {
				return false
			}
		} else if !s.skip(0) {
			return false
		}
		if s.eat(',') {
			continue
		}
		return s.eat('}')
	}
}

// array calls elem for each element until the closing bracket.
func (s *jscan) array(elem func() bool) bool {
	if !s.eat('[') {
		return false
	}
	if s.eat(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if s.eat(',') {
			continue
		}
		return s.eat(']')
	}
}

// flexStr reads a flexString: a string without escapes, or null (no change).
func (s *jscan) flexStr(dst *flexString) bool {
	if s.null() {
		return true
	}
	v, ok := s.str()
	*dst = flexString(v)
	return ok
}

func (s *jscan) plainStr(dst *string) bool {
	if s.null() {
		return true
	}
	v, ok := s.str()
	*dst = v
	return ok
}

// flexInteger reads a flexInt given as a plain integer, or null (no change).
func (s *jscan) flexInteger(dst *flexInt) bool {
	if s.null() {
		return true
	}
	n, ok := s.integer()
	*dst = flexInt(n)
	return ok
}

var tokenInfoKeys = []string{"app_id", "type", "application", "error", "expires_at", "data_access_expires_at", "is_valid",
	"issued_at", "profile_id", "scopes", "granular_scopes", "user_id"}

var granularKeys = []string{"scope", "target_ids"}

var graphErrorKeys = []string{"message", "type", "code", "error_subcode", "subcode", "error_user_title", "error_user_msg",
	"fbtrace_id", "is_transient"}

// graphError reads an error object (graphErrorJSON's fields).
func (s *jscan) graphError(g *graphErrorJSON) bool {
	return s.object(graphErrorKeys, func(k int) bool {
		switch graphErrorKeys[k] {
		case "message":
			return s.plainStr(&g.Message)
		case "type":
			return s.plainStr(&g.Type)
		case "code":
			return s.flexInteger(&g.Code)
		case "error_subcode":
			return s.flexInteger(&g.ErrorSubcode)
		case "subcode":
			return s.flexInteger(&g.Subcode)
		case "error_user_title":
			return s.plainStr(&g.UserTitle)
		case "error_user_msg":
			return s.plainStr(&g.UserMsg)
		case "fbtrace_id":
			return s.plainStr(&g.TraceID)
		case "is_transient":
			switch {
			case s.lit("true"):
				g.IsTransient = true
			case s.lit("false"), s.null():
				g.IsTransient = false
			default:
				return false
			}
			return true
		}
		return false
	})
}

// scanTokenInfo decodes a debug_token answer of the usual shape into j and
// reports whether it could (j is then exactly what json.Unmarshal gives).
func scanTokenInfo(b []byte, j *tokenInfoJSON) bool {
	s := &jscan{b: b}
	d := &j.Data
	ok := s.object([]string{"data"}, func(int) bool {
		if s.null() {
			return true
		}
		return s.object(tokenInfoKeys, func(k int) bool {
			switch tokenInfoKeys[k] {
			case "app_id":
				return s.flexStr(&d.AppID)
			case "type":
				return s.plainStr(&d.Type)
			case "application":
				return s.plainStr(&d.Application)
			case "error":
				if s.null() {
					d.Error = nil
					return true
				}
				d.Error = &graphErrorJSON{}
				return s.graphError(d.Error)
			case "expires_at":
				if s.null() {
					d.ExpiresAt = nil
					return true
				}
				n, ok := s.integer()
				v := flexInt(n)
				d.ExpiresAt = &v
				return ok
			case "data_access_expires_at":
				return s.flexInteger(&d.DataAccessExpiresAt)
			case "is_valid":
				switch {
				case s.lit("true"):
					d.IsValid = true
				case s.lit("false"), s.null():
					d.IsValid = false
				default:
					return false
				}
				return true
			case "issued_at":
				return s.flexInteger(&d.IssuedAt)
			case "profile_id":
				return s.flexStr(&d.ProfileID)
			case "user_id":
				return s.flexStr(&d.UserID)
			case "scopes":
				if s.null() {
					d.Scopes = nil
					return true
				}
				d.Scopes = []string{}
				return s.array(func() bool {
					var v string
					if !s.plainStr(&v) {
						return false
					}
					d.Scopes = append(d.Scopes, v)
					return true
				})
			case "granular_scopes":
				if s.null() {
					d.GranularScopes = nil
					return true
				}
				d.GranularScopes = d.GranularScopes[:0]
				if d.GranularScopes == nil {
					d.GranularScopes = make([]struct {
						Scope     string       `json:"scope"`
						TargetIDs []flexString `json:"target_ids"`
					}, 0, 8)
				}
				return s.array(func() bool {
					d.GranularScopes = append(d.GranularScopes, struct {
						Scope     string       `json:"scope"`
						TargetIDs []flexString `json:"target_ids"`
					}{})
					g := &d.GranularScopes[len(d.GranularScopes)-1]
					if s.null() {
						return true
					}
					return s.object(granularKeys, func(k int) bool {
						if k == 0 {
							return s.plainStr(&g.Scope)
						}
						if s.null() {
							g.TargetIDs = nil
							return true
						}
						g.TargetIDs = []flexString{}
						return s.array(func() bool {
							var id flexString
							if !s.flexStr(&id) {
								return false
							}
							g.TargetIDs = append(g.TargetIDs, id)
							return true
						})
					})
				})
			}
			return false
		})
	})
	return ok && s.end()
}

// batchEntry is one operation's answer in a batch envelope.
type batchEntry struct {
	Code    flexInt         `json:"code"`
	Headers json.RawMessage `json:"headers"`
	Body    json.RawMessage `json:"body"`
	// body is the decoded body string when scanBatchEnvelope read it.
	body    []byte
	hasBody bool
}

var batchEntryKeys = []string{"code", "headers", "body"}

// scanBatchEnvelope reads a batch answer whose entries are null or
// {"code":…, "headers":[…], "body":"<string>"}; ok is false for anything
// else, and the caller uses encoding/json.
func scanBatchEnvelope(b []byte) ([]*batchEntry, bool) {
	s := &jscan{b: b}
	out := []*batchEntry{}
	ok := s.array(func() bool {
		if s.null() {
			out = append(out, nil)
			return true
		}
		e := &batchEntry{}
		out = append(out, e)
		return s.object(batchEntryKeys, func(k int) bool {
			switch k {
			case 0:
				return s.flexInteger(&e.Code)
			case 1:
				s.ws()
				start := s.i
				if !s.skip(0) {
					return false
				}
				e.Headers = json.RawMessage(b[start:s.i])
				return true
			}
			v, ok := s.unquote()
			e.body, e.hasBody = v, ok
			return ok
		})
	})
	return out, ok && s.end()
}
