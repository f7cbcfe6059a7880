// Package accounts manages sign-in accounts for the API and the command line: an
// administrator creates an account for a person in their scope, resets or disables it; the
// owner activates it with a one-time code and later changes the password and ends their own
// sessions; and the roster gets accounts in bulk.
//
// Activation codes are 12 characters from a 31-letter alphabet without look-alikes (no 0, O,
// 1, I, L), printed in groups of four (e.g. K7QX-3MHD-PW9R): about 59 bits, shown once, valid
// CodeTTL, stored only as their SHA-256 — enough against guessing with the sign-in rate limits,
// and hashing them with argon2 would only slow the office's bulk run. Using a code is one
// conditional UPDATE, so that of concurrent attempts with the same code exactly one wins.
//
// Usernames made in bulk (FromRoster) are "u" and the person's id (u1234): the one stable,
// unique and ASCII key every person has (names are Chinese and romanisations collide). When
// an account already holds that name, "-2", "-3", … is appended until one is free.
//
// Scope is checked by authz.CheckAccountFor and authz.CheckAccount; the writes then run on
// the system's account and are recorded by the audit log's hook (hashes redacted, codes and
// passwords never seen by it), with explicit entries for ended sessions, which the hook does
// not record.
package accounts
