package auth

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"renewmap/internal/renew"
)

// TokenPrefix starts every personal access token, so a token is told from a password without
// asking the database (HTTP Basic never accepts an account's password).
const TokenPrefix = "rmt_"

// MaxTokenTTL is the longest lifetime a token may be given.
const MaxTokenTTL = 3650 * 24 * time.Hour

// TokenStore is what the access tokens need from the database.
type TokenStore interface {
	// CreateToken stores a token of username under its hash and audits it; renew.ErrNotFound
	// when there is no such user.
	CreateToken(ctx context.Context, username, name string, hash []byte, hint string, expires *time.Time, a renew.AuditEntry) (renew.AccessToken, error)
	// Tokens lists username's tokens (every user's for "").
	Tokens(ctx context.Context, username string) ([]renew.AccessToken, error)
	// RevokeToken revokes token id of username (any user's for ""); renew.ErrNotFound when
	// there is no such unrevoked token.
	RevokeToken(ctx context.Context, username string, id int, a renew.AuditEntry) (renew.AccessToken, error)
	// TokenByHash returns the unrevoked, unexpired token under hash and its enabled owner;
	// renew.ErrNotFound otherwise.
	TokenByHash(ctx context.Context, hash []byte, now time.Time) (int, renew.User, error)
	// RecordTokenUses adds counted requests to the hourly audit of tokens.
	RecordTokenUses(ctx context.Context, uses []renew.TokenUse) error
}

// Tokens makes, recognises and revokes personal access tokens. A token is 256 random bits, so
// it is stored as its SHA-256 (a bcrypt per tile request would cost ~80 ms). Recognising a
// token never touches the login attempts: a wrong or stale token cannot lock its owner out.
type Tokens struct {
	store   TokenStore
	now     func() time.Time
	recheck time.Duration

	mu     sync.Mutex
	recent map[string]recentToken
	// uses counts requests not yet written; flushed is when they last were.
	uses    map[useKey]int64
	flushed time.Time
}

type recentToken struct {
	id    int
	user  renew.User
	until time.Time
}

type useKey struct {
	id      int
	address string
	hour    time.Time
}

// NewTokens returns the token service. recheck is how long a recognised token is trusted
// without asking the database again (a revocation elsewhere takes effect within it) and how
// often the counted uses are written; 0 asks and writes on every request.
func NewTokens(store TokenStore, recheck time.Duration) *Tokens {
	return &Tokens{store: store, now: time.Now, recheck: recheck, recent: map[string]recentToken{}, uses: map[useKey]int64{}}
}

// ParseTTL reads a token lifetime: "90d" (days), a Go duration such as "12h", or "never" (0).
// renew.ErrInvalid for anything else, for a lifetime under an hour, or over MaxTokenTTL.
func ParseTTL(s string) (time.Duration, error) {
	bad := renew.Invalid("有效期应为天数（如 90d）、时长（如 12h）或 never，至少 1 小时、至多 3650 天 (expiry: e.g. 90d, 12h or never)")
	s = strings.TrimSpace(s)
	if s == "never" {
		return 0, nil
	}
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 1 || days > 3650 {
			return 0, bad
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, bad
		}
	}
	if d < time.Hour || d > MaxTokenTTL {
		return 0, bad
	}
	return d, nil
}

// Create makes a token for username, valid for ttl (0: until revoked), and returns it: the
// only time it is seen. renew.ErrInvalid for a bad name, renew.ErrNotFound for no such user.
func (t *Tokens) Create(ctx context.Context, username, name string, ttl time.Duration, a renew.AuditEntry) (string, renew.AccessToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 64 {
		return "", renew.AccessToken{}, renew.Invalid("令牌名称须为 1–64 个字符 (token name: 1 to 64 characters)")
	}
	if ttl < 0 || ttl > MaxTokenTTL {
		return "", renew.AccessToken{}, renew.Invalid("有效期至多 3650 天 (expiry: at most 3650 days)")
	}
	var expires *time.Time
	if ttl > 0 {
		e := t.now().Add(ttl)
		expires = &e
	}
	random, _ := NewToken()
	token := TokenPrefix + random
	at, err := t.store.CreateToken(ctx, username, name, hashToken(token), token[:len(TokenPrefix)+4], expires, a)
	if err != nil {
		return "", renew.AccessToken{}, err
	}
	return token, at, nil
}

// List returns username's tokens (every user's for "").
func (t *Tokens) List(ctx context.Context, username string) ([]renew.AccessToken, error) {
	return t.store.Tokens(ctx, username)
}

// Revoke revokes token id of username (any user's for ""); this instance stops accepting it at
// once, others within the recheck period. renew.ErrNotFound when there is no such token.
func (t *Tokens) Revoke(ctx context.Context, username string, id int, a renew.AuditEntry) (renew.AccessToken, error) {
	at, err := t.store.RevokeToken(ctx, username, id, a)
	if err != nil {
		return at, err
	}
	t.mu.Lock()
	for k, r := range t.recent {
		if r.id == id {
			delete(t.recent, k)
		}
	}
	t.mu.Unlock()
	return at, nil
}

// errBadToken is the answer to every unknown, revoked or expired token, or one given with
// another user's name.
var errBadToken = &renew.Error{Kind: renew.ErrUnauthorized,
	Msg: "访问令牌无效、已过期或已撤销 (access token invalid, expired or revoked)"}

// Authenticate returns a session for a request carrying token; username, when not "", must name
// the token's owner (HTTP Basic). The session's role is the owner's current role; it has no CSRF
// token, for a token is read-only. The use is counted for the audit. renew.ErrUnauthorized for
// an unknown, revoked or expired token.
func (t *Tokens) Authenticate(ctx context.Context, token, username, address string) (renew.Session, error) {
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 100 {
		return renew.Session{}, errBadToken
	}
	now := t.now()
	t.mu.Lock()
	r, ok := t.recent[token]
	t.mu.Unlock()
	if !ok || !now.Before(r.until) {
		id, u, err := t.store.TokenByHash(ctx, hashToken(token), now)
		if errors.Is(err, renew.ErrNotFound) {
			return renew.Session{}, errBadToken
		}
		if err != nil {
			return renew.Session{}, err
		}
		r = recentToken{id: id, user: u, until: now.Add(t.recheck)}
		if t.recheck > 0 {
			t.mu.Lock()
			if len(t.recent) >= maxRecent {
				clear(t.recent)
			}
			t.recent[token] = r
			t.mu.Unlock()
		}
	}
	if username != "" && !strings.EqualFold(username, r.user.Username) {
		return renew.Session{}, errBadToken
	}
	if err := t.count(ctx, useKey{r.id, address, now.UTC().Truncate(time.Hour)}, now); err != nil {
		return renew.Session{}, err
	}
	return renew.Session{User: r.user}, nil
}

// count adds one request to the uses and writes them when the last write is a recheck period
// old. Uses counted since the last write are lost if the process dies; Flush writes them on
// shutdown.
func (t *Tokens) count(ctx context.Context, k useKey, now time.Time) error {
	t.mu.Lock()
	if _, ok := t.uses[k]; ok || len(t.uses) < maxRecent {
		t.uses[k]++
	}
	due := now.Sub(t.flushed) >= t.recheck
	t.mu.Unlock()
	if !due {
		return nil
	}
	return t.Flush(ctx)
}

// Flush writes the counted uses to the audit.
func (t *Tokens) Flush(ctx context.Context) error {
	t.mu.Lock()
	pending := t.uses
	t.uses, t.flushed = map[useKey]int64{}, t.now()
	t.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	uses := make([]renew.TokenUse, 0, len(pending))
	for k, n := range pending {
		uses = append(uses, renew.TokenUse{TokenID: k.id, Address: k.address, Hour: k.hour, Requests: n})
	}
	err := t.store.RecordTokenUses(ctx, uses)
	if err != nil {
		t.mu.Lock()
		for k, n := range pending {
			t.uses[k] += n
		}
		t.mu.Unlock()
	}
	return err
}
