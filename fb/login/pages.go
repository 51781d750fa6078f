package login

import (
	"html/template"
	"net/http"
)

// Messages are the texts of the callback pages, already in the person's
// language: keeper renders them from its catalog and hands them in through
// Config.Pages, so this package keeps no sentences of its own. "{name}" in
// Success is replaced by the Facebook account's name, "{detail}" in
// FacebookSaid by Facebook's own words. Every value is HTML-escaped when
// shown.
type Messages struct {
	Lang string // the page's lang attribute: "en", "es"…

	SuccessTitle, Success     string
	CancelledTitle, Cancelled string
	// FailedTitle heads every "the login did not finish" page, followed by
	// one Exchange* explanation and TryAgain.
	FailedTitle                                             string
	ExchangeRejected, ExchangeTemporary, ExchangeTimeout    string
	ExchangeOffline, ExchangeUnknown, DialogError           string
	ExchangeNeedsSecret, ExchangeWrongSecret                string
	FacebookSaid                                            string
	TryAgain                                                string
	RejectedTitle, Rejected, ErrorWithoutState, MissingCode string
	UsedTitle, Used                                         string
	StoppedTitle, Stopped                                   string
	BadRequestTitle, TooLong, Malformed                     string
	NotFoundTitle, NotFound                                 string
	MethodTitle, Method                                     string
}

type pageView struct {
	Lang, Title, Tone string
	Lines             []string
}

// pageTmpl is every callback page: self-contained, no script, no link, no
// external resource (RFC 9700 §4.2.4), everything echoed escaped.
var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}} · Pagekeeper</title>
<style>
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f6f9;color:#1c1e21;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;border-radius:12px;padding:32px 40px;max-width:480px;box-shadow:0 2px 12px rgba(0,0,0,.08);border-top:6px solid #1877f2}
main.ok{border-top-color:#2e7d32} main.warn{border-top-color:#ed6c02} main.error{border-top-color:#b3261e}
h1{font-size:20px;margin:0 0 8px} p{margin:8px 0}
@media (prefers-color-scheme:dark){body{background:#18191a;color:#e4e6eb} main{background:#242526}}
</style></head>
<body><main class="{{.Tone}}" role="main"><h1 id="title">{{.Title}}</h1>
{{range .Lines}}<p>{{.}}</p>
{{end}}</main></body></html>
`))

// writePage sends a callback page with the hygiene headers every page gets.
func writePage(w http.ResponseWriter, status int, m Messages, tone, title string, lines ...string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, pageView{Lang: m.Lang, Title: title, Tone: tone, Lines: lines})
}
