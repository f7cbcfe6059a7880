// Package auth signs users in and out: argon2id password hashes, server-side sessions carried
// as bearer tokens, and rate limits on sign-in attempts.
package auth
