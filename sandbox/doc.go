// Package sandbox is Pagekeeper's fake Facebook: the login dialog (www side)
// and the Graph API (graph side) on one origin, with a controllable clock,
// a deterministic demo world and fault injection.
//
// Every test, benchmark and the app's sandbox mode run against it, because
// Facebook is unreachable from the build machines. Its behaviour follows
// /work/shared/reference/facebook-platform.md (cited below as "ref §N");
// where the reference says NOT FOUND the fake can play both answers through
// an Options field.
//
// Routes (an optional /vNN.N/ prefix is accepted everywhere):
//
//	GET/POST /dialog/oauth          login dialog (HTML)            ref §1.1–1.7
//	GET/POST /oauth/access_token    code, fb_exchange_token, client_credentials  ref §1.3, §2
//	GET      /debug_token           ref §3
//	GET      /me, /me/accounts, /me/permissions, /me/businesses   ref §4, §5
//	GET      /{biz}/owned_pages, /{biz}/client_pages               ref §1.6
//	GET      /{page}, /{page}/picture                              ref §4
//	GET/POST/DELETE /{page}/subscribed_apps                        ref §6
//	GET      /{page}/conversations, /{conversation}/messages       ref §9.4
//	POST     /{page|me}/messages (Send API)                        ref §9.3
//	GET/POST/DELETE /{app-id}/subscriptions (app token)            ref §6, §10
//	POST     / with batch=[…]                                       ref §8
//	GET      /m.me/{page-username-or-id}?ref=…&as=<psid>            ref §9.1
//	/_sandbox/…                     admin routes (status, faults, clock, webhook,
//	                                message); they stay reachable while the fake
//	                                is "offline".
//
// Everything that happens after the world is built (tokens, grants,
// subscriptions, conversations, faults, the clock) can be saved and loaded
// (SaveState, LoadState, Options.StateFile), so that the sandbox survives a
// restart of the app (state.go).
//
// Webhooks (webhooks.go, ref §10, §13): SetAppWebhook (or POST
// /{app-id}/subscriptions) verifies the callback with the hub.challenge
// handshake; then customer messages (CustomerMessage), the Page's Send API
// replies (message_echoes) and m.me opens (OpenMMe, mme.go) are POSTed to it,
// signed with X-Hub-Signature-256 over a body with non-ASCII escaped, for
// fields subscribed at both the app and the Page level. Failed deliveries
// are retried; a Page whose deliveries keep failing loses the app from its
// subscribed_apps. Close stops the delivery goroutine.
package sandbox
