// Package login is Pagekeeper's Facebook Login: the system browser opens
// Facebook's login dialog, and Facebook sends the browser back to a small
// HTTP server this package runs on the computer's loopback interface for the
// few minutes the login lasts (RFC 8252 §7.3), directly or through an HTTPS
// relay page the business hosts (assets/relay.html).
//
// Its security rests on:
//
//   - PKCE S256 with a fresh verifier per attempt; the code is exchanged with
//     the verifier and never with the app secret (RFC 8252 §6, RFC 9700
//     §2.1.1). The verifier never leaves the process except in that exchange.
//   - A fresh 32-byte state per attempt, compared in constant time before
//     anything else is looked at, and consumed by the first genuine callback:
//     forged or replayed callbacks get a 400 page and the login keeps waiting
//     (RFC 9700 §4.2.4).
//   - Listening on 127.0.0.1 and [::1] only, on a port opened at Start and
//     closed the moment the login ends, however it ends (RFC 8252 §8.3).
//   - Callback pages that load nothing, link nowhere, suppress the Referer,
//     are never cached and escape everything they echo (RFC 9700 §4.2.4).
//
// The redirect URI is http://localhost:<port>/facebook/callback and not the
// 127.0.0.1 form RFC 8252 §8.3 prefers: Facebook auto-allows localhost in
// development mode and does not treat 127.0.0.1 as localhost. Listening on
// both loopback families means whichever address the browser resolves
// localhost to reaches Pagekeeper and nobody else. See docs/LOGIN.md.
//
// Nothing here is stored: the Result holds the user token in memory, as a
// token.Token, for the caller to use and drop.
package login
