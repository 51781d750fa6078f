// Package fb is Pagekeeper's client for Facebook's Graph API: the handful of
// calls that keep a business's Pages connected to its Messenger integration
// (who am I, which Pages, which permissions, is this token still good, is the
// app subscribed to the Page's webhooks, do messages flow), plus batching,
// paging, retries with back-off, usage headers and m.me links.
//
// Every Graph failure becomes one *Error, classified by code and subcode only
// (never by message text, which Facebook changes and localises), with a
// Reason that explains in plain words what happened and what to do.
//
// Credentials are token.Token values end to end. They are revealed only while
// the HTTP request is built. The package never puts a token, the app secret or
// an appsecret_proof in an error, a log line or a URL it returns: transport
// errors (whose *url.Error would print the full URL, query and token included)
// are rewrapped without the query, and Facebook's own messages are scrubbed of
// any credential of the request before they are kept.
package fb
