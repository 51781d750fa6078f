package keeper

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"
)

// Text is a sentence for a person: a stable key in the catalog, the English
// template, and the values of its {{.Name}} placeholders. In renders it in a
// language (the bundles in assets/translations); String renders English,
// for logs and error strings. A value in Data may itself be a Text, a
// time.Time, a Day or a time.Duration: each is rendered in the same
// language. A Text without a Key reads as its Template in every language
// (an error keeper does not know), with its Data filled in.
type Text struct {
	Key      string
	Template string
	Data     map[string]any
}

// String renders the text in English.
func (t Text) String() string { return t.In(English) }

// IsZero reports whether there is no text.
func (t Text) IsZero() bool { return t.Key == "" && t.Template == "" }

// In renders the text in the language l; a key the bundles lack falls
// back to the English template.
func (t Text) In(l Lang) string {
	if t.IsZero() {
		return ""
	}
	data := renderData(t.Data, l)
	if t.Key != "" {
		if s, ok := l.lookup(t.Key, data); ok {
			return s
		}
	}
	if len(data) == 0 || !strings.Contains(t.Template, "{{") {
		return t.Template
	}
	return fill(t.Template, data)
}

// renderData renders the values that depend on the language.
func renderData(data map[string]any, l Lang) map[string]any {
	if len(data) == 0 {
		return nil
	}
	out := make(map[string]any, len(data))
	for k, v := range data {
		switch v := v.(type) {
		case Text:
			out[k] = v.In(l)
		case time.Time:
			out[k] = l.moment(v)
		case Day:
			out[k] = l.day(time.Time(v))
		case time.Duration:
			out[k] = l.duration(v)
		default:
			out[k] = v
		}
	}
	return out
}

// fill executes a template the bundles do not have.
func fill(tpl string, data map[string]any) string {
	t, err := template.New("").Option("missingkey=zero").Parse(tpl)
	if err != nil {
		return tpl
	}
	var b strings.Builder
	if t.Execute(&b, data) != nil {
		return tpl
	}
	return b.String()
}

// Day is a calendar day in a sentence, as its time shows it (in its own
// location): "2 January 2006", "2 de enero de 2006".
type Day time.Time

// message is a catalog entry: a key and its English template. Every one is
// made by msg, so Catalog lists them all and a test checks that each is in
// both bundles with the same placeholders.
type message struct{ key, template string }

// catalog is every message; msg is called only by package-level variable
// initializers, so it is complete (and no longer written) once keeper is
// initialised.
var catalog []message

func msg(key, template string) message {
	m := message{key, template}
	catalog = append(catalog, m)
	return m
}

// with makes the sentence with its placeholders' values, given as name,
// value pairs.
func (m message) with(kv ...any) Text {
	t := Text{Key: m.key, Template: m.template}
	if len(kv) > 0 {
		t.Data = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			t.Data[kv[i].(string)] = kv[i+1]
		}
	}
	return t
}

// Catalog lists every sentence keeper can produce: key → English template.
func Catalog() map[string]string {
	out := make(map[string]string, len(catalog))
	for _, m := range catalog {
		out[m.key] = m.template
	}
	return out
}

// catalogIndex is Catalog, made once (the catalog is complete by then).
var catalogIndex = sync.OnceValue(Catalog)

// catalogTemplate is the English template of key, if keeper has it.
func catalogTemplate(key string) (string, bool) {
	tpl, ok := catalogIndex()[key]
	return tpl, ok
}

// joined is texts one after the other with sep between them (a space, a
// line break): a Text without a key whose parts are rendered in the
// reader's language.
func joined(sep string, texts ...Text) Text {
	var parts []Text
	for _, t := range texts {
		if !t.IsZero() {
			parts = append(parts, t)
		}
	}
	switch len(parts) {
	case 0:
		return Text{}
	case 1:
		return parts[0]
	}
	var tpl strings.Builder
	data := make(map[string]any, len(parts))
	for i, t := range parts {
		if i > 0 {
			tpl.WriteString(sep)
		}
		name := "T" + strconv.Itoa(i)
		tpl.WriteString("{{." + name + "}}")
		data[name] = t
	}
	return Text{Template: tpl.String(), Data: data}
}

var (
	msgListAnd   = msg("list.and", "{{.Rest}} and {{.Last}}")
	msgListComma = msg("list.comma", "{{.Rest}}, {{.Last}}")
	msgNone      = msg("list.none", "none")
)

// listAnd is "a, b and c" in the reader's language.
func listAnd(items ...Text) Text {
	switch len(items) {
	case 0:
		return Text{}
	case 1:
		return items[0]
	}
	rest := items[0]
	for _, it := range items[1 : len(items)-1] {
		rest = msgListComma.with("Rest", rest, "Last", it)
	}
	return msgListAnd.with("Rest", rest, "Last", items[len(items)-1])
}

// plain is a value that reads the same in every language (a name, an
// address, a list of codes).
func plain(s string) Text { return Text{Template: s} }

// TextError is an error whose words are a Text: a person reads it in their
// language (Explain), a log in English (Error). Err, when set, is the
// failure it words (for errors.Is and errors.As).
type TextError struct {
	Text Text
	Err  error
}

func (e *TextError) Error() string { return e.Text.String() }
func (e *TextError) Unwrap() error { return e.Err }

// problem is the error that says t.
func problem(t Text) error { return &TextError{Text: t} }

// textOf is err's Text when it is a TextError.
func textOf(err error) (Text, bool) {
	var te *TextError
	if errors.As(err, &te) {
		return te.Text, true
	}
	return Text{}, false
}
