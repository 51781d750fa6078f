package keeper

import (
	"strings"

	"github.com/pagekeeper/pagekeeper/fb"
	"text/template"
)

// Text is a sentence for a page owner: a stable translation key, the English
// template, and the values for its {{.Name}} placeholders. The window
// translates it by its Key; String renders English for the terminal and for
// event details. A Text without a Key (an error keeper does not know, see
// Explain) reads as it is in every language.
type Text struct {
	Key      string
	Template string
	Data     map[string]any
}

// String renders the English text.
func (t Text) String() string {
	if len(t.Data) == 0 || !strings.Contains(t.Template, "{{") {
		return t.Template
	}
	tpl, err := template.New(t.Key).Option("missingkey=zero").Parse(t.Template)
	if err != nil {
		return t.Template
	}
	var b strings.Builder
	if err := tpl.Execute(&b, t.Data); err != nil {
		return t.Template
	}
	return b.String()
}

// IsZero reports whether there is no text.
func (t Text) IsZero() bool { return t.Key == "" && t.Template == "" }

// message is a Text without data yet; every one is listed by Catalog so a
// test can check each key is translated.
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

// Catalog lists every sentence keeper can produce (key → English
// template), Facebook's failure reasons (Explain) included.
func Catalog() map[string]string {
	out := make(map[string]string, len(catalog))
	for _, m := range catalog {
		out[m.key] = m.template
	}
	// fb's reasons are numbered from 0; past the last one Key gives the
	// unknown reason's again.
	for r := fb.Reason(0); ; r++ {
		what, todo := Explain(&fb.Error{Reason: r})
		if _, seen := out[what.Key]; seen {
			return out
		}
		out[what.Key], out[todo.Key] = what.Template, todo.Template
	}
}
