package sandbox

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
)

// FaultRequest is the body of POST /_sandbox/fault; ApplyFault takes the same.
type FaultRequest struct {
	Kind       string `json:"kind"`
	User       string `json:"user"`
	Page       string `json:"page"`
	Scope      string `json:"scope"`
	Permission string `json:"permission"`
	Code       int    `json:"code"`
	Subcode    int    `json:"subcode"`
	Count      int    `json:"count"`
	Status     int    `json:"status"`
	LatencyMS  int    `json:"latency_ms"`
	Enabled    *bool  `json:"enabled"`
}

// ApplyFault applies a fault described as in POST /_sandbox/fault.
func (f *Fake) ApplyFault(req FaultRequest) error {
	user := req.User
	if user == "" {
		user = DemoUserID
	}
	scope := req.Scope
	if scope == "" {
		scope = req.Page
	}
	count := req.Count
	if count == 0 {
		count = 1
	}
	if _, ok := f.users[user]; !ok {
		return fmt.Errorf("unknown user %q", user)
	}
	switch req.Kind {
	case "password_changed":
		f.ChangePassword(user)
	case "app_removed":
		f.RemoveApp(user)
	case "role_lost":
		if req.Page == "" {
			return fmt.Errorf("role_lost needs a page")
		}
		f.RemoveRole(user, req.Page)
	case "token_expired":
		f.ExpireTokens(user)
	case "checkpoint":
		f.Checkpoint(user)
	case "unconfirmed":
		f.Unconfirm(user)
	case "permission_removed":
		if req.Permission == "" {
			return fmt.Errorf("permission_removed needs a permission")
		}
		f.RemovePermission(user, req.Permission)
	case "webhook_dropped":
		if req.Page == "" {
			return fmt.Errorf("webhook_dropped needs a page")
		}
		f.DropWebhook(req.Page)
	case "data_access_expired":
		f.ExpireDataAccess(user)
	case "throttle":
		code := req.Code
		if code == 0 {
			code = 4
		}
		f.Throttle(scope, code)
	case "transient":
		f.FailNext(scope, count, req.Status)
	case "error":
		if req.Code == 0 {
			return fmt.Errorf("error needs a code")
		}
		f.InjectError(scope, req.Count, req.Code, req.Subcode)
	case "batch_null":
		f.NullBatchOps(scope, count)
	case "latency":
		f.SetLatency(time.Duration(req.LatencyMS) * time.Millisecond)
	case "offline":
		f.SetOffline(req.Enabled == nil || *req.Enabled)
	case "reset":
		f.Reset()
	default:
		return fmt.Errorf("unknown fault kind %q", req.Kind)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", jsonContentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// The admin routes change the pretend Facebook, and any web page open in
// the trainee's browser can send requests to a loopback port: a form or a
// fetch in "no-cors" mode may POST text/plain across origins without
// asking (issue 16). So every admin route wants the token generated at
// start, in a header no cross-origin page may set without the fake's
// consent (it gives none), and a POST wants a JSON body, which such a page
// cannot send without asking either. Bodies are capped: the largest real
// one, a consent with its dialog URL, is a few KB.
const maxAdminBody = 64 << 10

// newAdminToken is 32 random bytes, unguessable and unrelated to the seed.
// Like every secret of the pretend Facebook it is a plain string (sandbox
// imports none of Pagekeeper's packages); only sandbox-server prints it.
func newAdminToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("sandbox: no randomness for the admin token: " + err.Error())
	}
	return "sbx_" + base64.RawURLEncoding.EncodeToString(b)
}

// AdminToken is the token the /_sandbox/ admin routes want (Server.AdminToken).
func (f *Fake) AdminToken() string { return f.adminToken }

// adminAllowed refuses an admin request without the token, a POST without
// a JSON body or a body over maxAdminBody, and says what is missing.
func (f *Fake) adminAllowed(w http.ResponseWriter, r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(f.adminToken)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="Pagekeeper sandbox"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "the sandbox's admin routes need its admin token " +
			"(sandbox-server prints it): send it as Authorization: Bearer <token>"})
		return false
	}
	if r.Method == http.MethodPost {
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "send a JSON body with Content-Type: application/json"})
			return false
		}
	}
	if r.ContentLength > maxAdminBody {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": fmt.Sprintf("the body is larger than %d KB", maxAdminBody>>10)})
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxAdminBody)
	return true
}

// readAdminJSON decodes an admin route's body into v, or answers why not.
func readAdminJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": fmt.Sprintf("the body is larger than %d KB", maxAdminBody>>10)})
		return false
	case err != nil:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "could not read the body: " + err.Error()})
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid JSON: " + err.Error()})
		return false
	}
	return true
}

// serveAdmin serves /_sandbox/: never subject to offline, latency or faults.
// The relay page is for browsers, not an admin route.
func (f *Fake) serveAdmin(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimSuffix(r.URL.Path, "/")
	if p == relayPath {
		serveRelay(w, r)
		return
	}
	if !f.adminAllowed(w, r) {
		return
	}
	switch {
	case (p == "/_sandbox" || p == "/_sandbox/status") && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, f.status())
	case p == "/_sandbox/fault" && r.Method == http.MethodPost:
		var req FaultRequest
		if !readAdminJSON(w, r, &req) {
			return
		}
		if err := f.ApplyFault(req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	case p == "/_sandbox/clock" && r.Method == http.MethodPost:
		var req struct {
			Advance string `json:"advance"`
			Set     string `json:"set"`
		}
		if !readAdminJSON(w, r, &req) {
			return
		}
		if req.Advance != "" {
			d, err := time.ParseDuration(req.Advance)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "advance: " + err.Error()})
				return
			}
			f.clock.Advance(d)
		}
		if req.Set != "" {
			t, err := time.Parse(time.RFC3339, req.Set)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "set: " + err.Error()})
				return
			}
			f.clock.Set(t)
		}
		writeJSON(w, http.StatusOK, map[string]string{"now": f.clock.Now().UTC().Format(time.RFC3339)})
	case p == "/_sandbox/stats" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, f.Stats())
	case p == "/_sandbox/webhook" || p == "/_sandbox/message":
		f.serveWebhookAdmin(w, r, p)
	case p == "/_sandbox/consent" && r.Method == http.MethodPost:
		f.serveConsent(w, r)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown sandbox route"})
	}
}

func (f *Fake) status() map[string]any {
	now := f.clock.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	users := []any{}
	for _, id := range f.userOrder {
		u := f.users[id]
		users = append(users, map[string]any{"id": id, "name": u.name, "pages": len(u.roles), "logged_in": u.grant != nil,
			"checkpoint": u.checkpoint, "data_access_expires_at": u.dataAccess.UTC().Format(time.RFC3339)})
	}
	throttles := []any{}
	for _, t := range f.faults.throttles {
		if now.Before(t.until) {
			throttles = append(throttles, map[string]any{"scope": t.scope, "code": t.code, "until": t.until.UTC().Format(time.RFC3339)})
		}
	}
	return map[string]any{
		"app_id": f.opts.AppID, "app_name": f.opts.AppName, "app_type": f.opts.AppType, "mode": f.opts.Mode,
		"app_role": f.opts.AppRole, "redirect_uris": f.opts.RegisteredRedirects, "login_configurations": f.configIDs(),
		"business_only": f.opts.BusinessOnly,
		"now":           now.UTC().Format(time.RFC3339), "pages": len(f.pageOrder), "users": users,
		"faults": map[string]any{"offline": f.faults.offline, "latency_ms": f.faults.latency.Milliseconds(),
			"throttles": throttles, "injected_faults": len(f.undo)},
		"requests": f.stats.Requests,
	}
}

// configIDs lists the Login for Business configurations, sorted.
func (f *Fake) configIDs() []string {
	return slices.Sorted(maps.Keys(f.opts.LoginConfigs))
}

// ConsentRequest is the body of POST /_sandbox/consent: a script's way to
// play the person at the dialog (see Fake.Consent); the answer is
// {"redirect": "<where Facebook sends the browser>"} or {"error": …}.
type ConsentRequest struct {
	DialogURL string   `json:"dialog_url"`
	As        string   `json:"as"`
	Cancel    bool     `json:"cancel"`
	Decline   []string `json:"decline"`
	Untick    []string `json:"untick"`
	Tick      []string `json:"tick"`
}

func (f *Fake) serveConsent(w http.ResponseWriter, r *http.Request) {
	var req ConsentRequest
	if !readAdminJSON(w, r, &req) {
		return
	}
	u, err := f.Consent(req.DialogURL, Consent{As: req.As, Cancel: req.Cancel, Decline: req.Decline, Untick: req.Untick, Tick: req.Tick})
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"redirect": u.String()})
}

// servePicturePNG draws a small square in a colour derived from the Page ID.
func servePicturePNG(w http.ResponseWriter, id string) {
	h := fnv.New32a()
	h.Write([]byte(id))
	s := h.Sum32()
	img := image.NewRGBA(image.Rect(0, 0, 50, 50))
	c := color.RGBA{uint8(s), uint8(s >> 8), uint8(s >> 16), 255}
	for y := range 50 {
		for x := range 50 {
			img.Set(x, y, c)
		}
	}
	w.Header().Set("Content-Type", "image/png")
	_ = png.Encode(w, img)
}
