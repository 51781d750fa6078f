package sandbox

import (
	"strconv"
	"unicode/utf8"
)

// Hand-written JSON for the hot answers (debug_token, the batch envelope,
// usage headers). A health round checks thousands of tokens through batches,
// and encoding/json's map encoding (reflection plus sorted keys) was most of
// the fake's CPU, which the client shares on a small machine. The output is
// byte for byte what json.Marshal wrote for the maps these replace (keys in
// sorted order, HTML-escaped strings); jsonwrite_test.go checks that.

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string exactly as json.Marshal
// writes it (escapeHTML on, invalid UTF-8 as \ufffd, U+2028/2029 escaped).
func appendJSONString[S []byte | string](dst []byte, s S) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		// A short conversion to string stays on the stack for []byte.
		c, size := utf8.DecodeRuneInString(string(s[i:min(len(s), i+utf8.UTFMax)]))
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendJSONStrings appends a JSON array of strings ([] when empty).
func appendJSONStrings(dst []byte, list []string) []byte {
	dst = append(dst, '[')
	for i, s := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, s)
	}
	return append(dst, ']')
}

func appendInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }

// appendUsage appends {"call_count":…,"total_cputime":…,"total_time":…}
// (appUsage's field order).
func appendUsage(dst []byte, u appUsage) []byte {
	dst = append(dst, `{"call_count":`...)
	dst = appendInt(dst, int64(u.CallCount))
	dst = append(dst, `,"total_cputime":`...)
	dst = appendInt(dst, int64(u.TotalCPUTime))
	dst = append(dst, `,"total_time":`...)
	dst = appendInt(dst, int64(u.TotalTime))
	return append(dst, '}')
}

// appendBUCUsage appends X-Business-Use-Case-Usage's value for one Page:
// {"<page>":[{"type":"pages",…}]} (bucUsage's field order).
func appendBUCUsage(dst []byte, pageID string, u appUsage, regain int) []byte {
	dst = append(dst, '{')
	dst = appendJSONString(dst, pageID)
	dst = append(dst, `:[{"type":"pages","call_count":`...)
	dst = appendInt(dst, int64(u.CallCount))
	dst = append(dst, `,"total_cputime":`...)
	dst = appendInt(dst, int64(u.TotalCPUTime))
	dst = append(dst, `,"total_time":`...)
	dst = appendInt(dst, int64(u.TotalTime))
	dst = append(dst, `,"estimated_time_to_regain_access":`...)
	dst = appendInt(dst, int64(regain))
	return append(dst, `}]}`...)
}
