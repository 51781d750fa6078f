// Package integration is the contract between Pagekeeper and a business's
// Messenger integration (the server that receives the app's webhooks and
// answers customers through the Send API): the events Pagekeeper sends and
// their JSON bodies, how they are signed (Standard Webhooks, HMAC-SHA256),
// how the Page token inside them is sealed (age, X25519), the token
// fingerprint both sides compare, the answers an integration gives, and its
// optional signed status endpoint. docs/INTEGRATION.md is the same contract
// in words, with a JSON Schema in docs/integration-events.schema.json.
//
// Both sides import it: Pagekeeper to build, seal, sign and deliver events
// (Client) and read an integration's status; an integration through the
// small receiver package (integration/receiver) to verify and open them. It
// therefore knows nothing of Pagekeeper's store, keeper or Facebook client.
//
// It never puts a Page token or a signing secret in clear text anywhere but
// the request that carries it sealed: tokens are token.Token (which prints
// "(redacted)"), a token leaves this package only sealed to the
// integration's key or as its one-way fingerprint, and no error string
// contains either.
package integration
