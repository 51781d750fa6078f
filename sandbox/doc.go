// Package sandbox is Pagekeeper's pretend Facebook: the login dialog (www
// side) and the Graph API (graph side) on one origin, with a controllable
// clock, a deterministic demo world and fault injection.
//
// Every test, benchmark and the app's sandbox mode run against it, because
// Facebook is unreachable from the build machines. It plays Meta's rules as
// docs/FACEBOOK.md records them, each with its source, and is never more
// lenient than Meta. Its defaults are the hard, common case a real customer
// meets: a Business-type app in Live mode, people with no role on the app,
// logging in through a Facebook Login for Business configuration and an
// https relay page, Pages on both families of task names. Where Meta is
// silent an Options field plays the other answer (docs/FACEBOOK.md §10).
//
// Routes (an optional /vNN.N/ prefix is accepted everywhere):
//
//	GET/POST /dialog/oauth          login dialog (HTML)                  §1
//	GET/POST /oauth/access_token    code, fb_exchange_token, client_credentials  §1, §4
//	GET      /debug_token           app token or an app developer only  §4
//	GET      /me, /me/accounts, /me/assigned_pages, /me/permissions, /me/businesses  §2, §4
//	GET      /{biz}/owned_pages, /{biz}/client_pages                     §2
//	GET      /{page}, /{page}/picture                                    §2
//	GET/POST/DELETE /{page}/subscribed_apps                              §5
//	GET      /{page}/conversations, /{conversation}/messages             §7
//	POST     /{page|me}/messages (Send API)                              §7
//	GET/POST/DELETE /{app-id}/subscriptions (app token)                  §5, §9
//	POST     / with batch=[…]                                             §6
//	GET      /m.me/{page-username-or-id}?ref=…&as=<psid>                  §7
//	/_sandbox/…                     admin routes (status, faults, clock, webhook,
//	                                message, consent; only with the admin token
//	                                and JSON bodies, admin.go) and the hosted
//	                                relay page (relay.go); they stay reachable
//	                                while the fake is "offline".
//
// (§N: the section of docs/FACEBOOK.md.) Field names, the Page tasks enum
// and the subscribed_fields enum come from Meta's machine-readable specs
// (spec.go); conformance_test.go checks them against a curated copy.
//
// Everything that happens after the world is built (tokens, grants,
// subscriptions, conversations, faults, the clock) can be saved and loaded
// (SaveState, LoadState, Options.StateFile), so that the sandbox survives a
// restart of the app (state.go).
//
// Webhooks (webhooks.go, docs/FACEBOOK.md §9): SetAppWebhook (or POST
// /{app-id}/subscriptions) verifies the callback with the hub.challenge
// handshake; then customer messages (CustomerMessage), the Page's Send API
// replies (message_echoes) and m.me opens (OpenMMe, mme.go) are POSTed to it,
// signed with X-Hub-Signature-256 over a body with non-ASCII escaped, for
// fields subscribed at both the app and the Page level. Failed deliveries
// are retried; a Page whose deliveries keep failing loses the app from its
// subscribed_apps. Close stops the delivery goroutine.
package sandbox
