package login

import (
	"html/template"
	"net/http"
	"strings"
)

// Messages are the texts of the callback pages, in one language. "{name}"
// in Success is replaced by the Facebook account's name; "{detail}" in
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

var english = Messages{
	Lang:         "en",
	SuccessTitle: "Connected to Facebook",
	Success:      "Connected as {name}. You can close this tab and return to Pagekeeper.",

	CancelledTitle: "Login cancelled",
	Cancelled:      "Login cancelled – you can close this tab and return to Pagekeeper. Nothing was changed.",

	FailedTitle:       "The Facebook login did not finish",
	ExchangeRejected:  "Facebook did not accept the answer of this login: it had expired, was already used, or did not match the login Pagekeeper started.",
	ExchangeTemporary: "Facebook had a temporary problem and could not finish the login.",
	ExchangeTimeout:   "Facebook did not answer in time.",
	ExchangeOffline:   "Pagekeeper could not reach Facebook: this computer may be offline, or the network is blocking it.",
	ExchangeUnknown:   "Facebook answered in a way Pagekeeper does not understand.",
	DialogError:       "Facebook stopped the login before it finished.",
	ExchangeNeedsSecret: "Facebook finishes this app's logins only with the app's App Secret, and Pagekeeper does not have it yet. " +
		"In Pagekeeper, open Settings, enter the App Secret on the Facebook app tab, then log in again.",
	ExchangeWrongSecret: "Facebook refused the App Secret Pagekeeper has for this app. " +
		"Copy it again from Meta's App Dashboard (App settings, Basic), enter it in Pagekeeper's Settings, then log in again.",
	FacebookSaid: "Facebook said: “{detail}”",
	TryAgain:     "Close this tab and start the login again in Pagekeeper. Nothing was changed.",

	RejectedTitle:     "This link does not belong to your login",
	Rejected:          "This page was opened with a link that does not match the login Pagekeeper is waiting for, so it was ignored and nothing was changed. If you are logging in, finish it in the tab Pagekeeper opened, or use the link Pagekeeper shows.",
	ErrorWithoutState: "Facebook reports that the login was not completed. If you pressed Cancel on Facebook, return to Pagekeeper and press Cancel there.",
	MissingCode:       "The answer from Facebook is incomplete (it has no login code), so it was ignored. Return to Pagekeeper and try again.",

	UsedTitle: "This login link was already used",
	Used:      "This login link was already used, so it was ignored. Return to Pagekeeper: it shows how the login ended.",

	StoppedTitle: "Pagekeeper stopped waiting",
	Stopped:      "Pagekeeper is no longer waiting for this login (it was cancelled or took too long). Nothing was changed. Start the login again in Pagekeeper.",

	BadRequestTitle: "Bad request",
	TooLong:         "This address is too long to be a login answer, so it was ignored.",
	Malformed:       "This address is malformed, so it was ignored.",
	NotFoundTitle:   "Not found",
	NotFound:        "There is nothing here. Return to Pagekeeper.",
	MethodTitle:     "Method not allowed",
	Method:          "Only a browser visit is expected here. Return to Pagekeeper.",
}

var spanish = Messages{
	Lang:         "es",
	SuccessTitle: "Conectado a Facebook",
	Success:      "Conectado como {name}. Puedes cerrar esta pestaña y volver a Pagekeeper.",

	CancelledTitle: "Inicio de sesión cancelado",
	Cancelled:      "Inicio de sesión cancelado – puedes cerrar esta pestaña y volver a Pagekeeper. No se ha cambiado nada.",

	FailedTitle:       "El inicio de sesión con Facebook no terminó",
	ExchangeRejected:  "Facebook no aceptó la respuesta de este inicio de sesión: había caducado, ya se había usado o no corresponde al que inició Pagekeeper.",
	ExchangeTemporary: "Facebook tuvo un problema temporal y no pudo terminar el inicio de sesión.",
	ExchangeTimeout:   "Facebook no respondió a tiempo.",
	ExchangeOffline:   "Pagekeeper no pudo comunicarse con Facebook: puede que este equipo no tenga conexión o que la red lo bloquee.",
	ExchangeUnknown:   "Facebook respondió de una forma que Pagekeeper no entiende.",
	DialogError:       "Facebook detuvo el inicio de sesión antes de terminar.",
	ExchangeNeedsSecret: "Facebook solo completa los inicios de sesión de esta aplicación con su clave secreta (App Secret), y Pagekeeper aún no la tiene. " +
		"En Pagekeeper, abre Configuración, introduce la clave secreta en la pestaña de la aplicación de Facebook y vuelve a iniciar sesión.",
	ExchangeWrongSecret: "Facebook rechazó la clave secreta (App Secret) que Pagekeeper tiene para esta aplicación. " +
		"Cópiala de nuevo del panel de aplicaciones de Meta (Configuración de la aplicación, Básica), introdúcela en la Configuración de Pagekeeper y vuelve a iniciar sesión.",
	FacebookSaid: "Facebook dijo: «{detail}»",
	TryAgain:     "Cierra esta pestaña y vuelve a iniciar sesión desde Pagekeeper. No se ha cambiado nada.",

	RejectedTitle:     "Este enlace no corresponde a tu inicio de sesión",
	Rejected:          "Esta página se abrió con un enlace que no corresponde al inicio de sesión que Pagekeeper espera, así que se ignoró y no se ha cambiado nada. Si estás iniciando sesión, termina en la pestaña que abrió Pagekeeper o usa el enlace que muestra Pagekeeper.",
	ErrorWithoutState: "Facebook indica que el inicio de sesión no se completó. Si pulsaste Cancelar en Facebook, vuelve a Pagekeeper y pulsa Cancelar allí.",
	MissingCode:       "La respuesta de Facebook está incompleta (no trae código de inicio de sesión), así que se ignoró. Vuelve a Pagekeeper e inténtalo de nuevo.",

	UsedTitle: "Este enlace de inicio de sesión ya se usó",
	Used:      "Este enlace de inicio de sesión ya se usó, así que se ignoró. Vuelve a Pagekeeper: allí verás cómo terminó.",

	StoppedTitle: "Pagekeeper dejó de esperar",
	Stopped:      "Pagekeeper ya no espera este inicio de sesión (se canceló o tardó demasiado). No se ha cambiado nada. Vuelve a iniciar sesión desde Pagekeeper.",

	BadRequestTitle: "Solicitud incorrecta",
	TooLong:         "Esta dirección es demasiado larga para ser una respuesta de inicio de sesión, así que se ignoró.",
	Malformed:       "Esta dirección está mal formada, así que se ignoró.",
	NotFoundTitle:   "No encontrado",
	NotFound:        "Aquí no hay nada. Vuelve a Pagekeeper.",
	MethodTitle:     "Método no permitido",
	Method:          "Aquí solo se espera la visita de un navegador. Vuelve a Pagekeeper.",
}

// BuiltinMessages returns the built-in texts for lang ("es", "es-MX" →
// Spanish; anything else → English).
func BuiltinMessages(lang string) Messages {
	if primaryTag(lang) == "es" {
		return spanish
	}
	return english
}

func primaryTag(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(lang, "-_;"); i >= 0 {
		lang = lang[:i]
	}
	return lang
}

// messagesFor picks the page language: the configured one, else the first
// language of the browser's Accept-Language that Pagekeeper speaks.
func (s *Session) messagesFor(r *http.Request) Messages {
	lang := s.r.Language
	if lang == "" {
		lang = "en"
		for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
			if t := primaryTag(part); t == "en" || t == "es" {
				lang = t
				break
			}
		}
	}
	if s.r.Messages != nil {
		if m, ok := s.r.Messages(lang); ok {
			return m
		}
	}
	return BuiltinMessages(lang)
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
