// Package auth is renewmap's accounts: password hashing, logins with rate limiting, sessions
// kept in the database (so any instance can serve any user), CSRF tokens, and the audit entries
// of logins. It speaks to the database through the Store interface.
package auth
