package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"renewmap/internal/renew"
)

// Store is what the accounts need from the database.
type Store interface {
	// UserByName returns the user and its password hash; renew.ErrNotFound if there is none.
	UserByName(ctx context.Context, username string) (renew.User, string, error)
	// CreateSession stores a session under the hash of its token.
	CreateSession(ctx context.Context, tokenHash []byte, userID int, csrf string, expires time.Time, address string) error
	// SessionByHash returns the unexpired session of an enabled user; renew.ErrNotFound otherwise.
	SessionByHash(ctx context.Context, tokenHash []byte, now time.Time) (renew.Session, error)
	// ExtendSession moves a session's expiry.
	ExtendSession(ctx context.Context, tokenHash []byte, expires time.Time) error
	// DeleteSession ends a session.
	DeleteSession(ctx context.Context, tokenHash []byte) error
	// ReserveLogin and FinishLogin throttle password checks (see throttle.go).
	ReserveLogin(ctx context.Context, username, address string, lim renew.LoginLimits) (renew.LoginGate, error)
	FinishLogin(ctx context.Context, username, address string, gate renew.LoginGate, ok bool, lim renew.LoginLimits) error
	LoginThrottles(ctx context.Context, lim renew.LoginLimits) ([]renew.LoginThrottle, error)
	UnlockLogin(ctx context.Context, username string, a renew.AuditEntry) (int, error)
	// Audit appends to the audit log.
	Audit(ctx context.Context, e renew.AuditEntry) error
}

// Settings tune the Service.
type Settings struct {
	// TTL is how long a session lasts after its last use.
	TTL time.Duration
	// Recheck is how long a recognised session is trusted without asking the database again, so
	// a page's burst of tile requests costs one lookup, not one each. A logout elsewhere, a
	// disabled account or a changed role takes effect within it. 0 asks every time.
	Recheck time.Duration
	Limits  renew.LoginLimits
	// CheckPassword compares a password with a hash; nil is bcrypt (tests count the calls).
	CheckPassword func(hash, password string) bool
}

// Service logs users in and out and recognises their sessions.
type Service struct {
	store  Store
	ttl    time.Duration
	limits renew.LoginLimits
	check  func(hash, password string) bool
	now    func() time.Time
	// recheck: see Settings.Recheck.
	recheck time.Duration

	// recent remembers the sessions seen in the last recheck period.
	mu     sync.Mutex
	recent map[string]recentSession
}

type recentSession struct {
	sess  renew.Session
	until time.Time
}

// maxRecent bounds the remembered sessions; beyond it the memory is cleared.
const maxRecent = 10_000

// New returns a Service.
func New(store Store, set Settings) *Service {
	check := set.CheckPassword
	if check == nil {
		check = CheckPassword
	}
	return &Service{store: store, ttl: set.TTL, limits: set.Limits, check: check, recheck: set.Recheck, now: time.Now,
		recent: map[string]recentSession{}}
}

// errBadLogin is the one message for every failed login, so it does not tell which part was wrong.
var errBadLogin = &renew.Error{Kind: renew.ErrUnauthorized, Msg: "用户名或密码错误 (wrong username or password)"}

// Login checks the password and starts a session. It returns the session token for the cookie.
// Errors: renew.ErrRateLimited after too many failures, renew.ErrUnauthorized for a wrong
// username or password or a disabled account.
func (s *Service) Login(ctx context.Context, username, password, address string) (string, renew.Session, error) {
	username = strings.TrimSpace(username)
	if username == "" || len(username) > 64 || len(password) > 200 {
		return "", renew.Session{}, errBadLogin
	}
	gate, err := s.reserve(ctx, username, address)
	if err != nil {
		return "", renew.Session{}, err
	}
	u, hash, err := s.store.UserByName(ctx, username)
	if err != nil && !errors.Is(err, renew.ErrNotFound) {
		return "", renew.Session{}, err
	}
	ok := s.checkPassword(err == nil && !u.Disabled, hash, password)
	if err := s.store.FinishLogin(ctx, username, address, gate, ok, s.limits); err != nil {
		return "", renew.Session{}, err
	}
	if !ok {
		return "", renew.Session{}, errBadLogin
	}
	return s.start(ctx, u, address, "login")
}

// LoginTrusted starts a session for a user authenticated by a trusted single sign-on proxy. The
// account must exist (its role comes from here) and be enabled; renew.ErrForbidden otherwise.
func (s *Service) LoginTrusted(ctx context.Context, username, address string) (string, renew.Session, error) {
	u, _, err := s.store.UserByName(ctx, strings.TrimSpace(username))
	if errors.Is(err, renew.ErrNotFound) || err == nil && u.Disabled {
		return "", renew.Session{}, &renew.Error{Kind: renew.ErrForbidden, Msg: "单点登录用户未在本系统开通 (SSO user has no account here)"}
	}
	if err != nil {
		return "", renew.Session{}, err
	}
	return s.start(ctx, u, address, "login_sso")
}

// start creates a session for u and audits it as action.
func (s *Service) start(ctx context.Context, u renew.User, address, action string) (string, renew.Session, error) {
	token, hashed := NewToken()
	csrf, _ := NewToken()
	sess := renew.Session{User: u, CSRFToken: csrf, ExpiresAt: s.now().Add(s.ttl)}
	if err := s.store.CreateSession(ctx, hashed, u.ID, csrf, sess.ExpiresAt, address); err != nil {
		return "", renew.Session{}, err
	}
	if err := s.store.Audit(ctx, renew.AuditEntry{Actor: u.Username, Address: address, Action: action}); err != nil {
		return "", renew.Session{}, err
	}
	return token, sess, nil
}

// Authenticate returns the session of a cookie's token, sliding its expiry forward when more
// than a tenth of its lifetime has passed. renew.ErrUnauthorized when it is unknown or expired.
func (s *Service) Authenticate(ctx context.Context, token string) (renew.Session, error) {
	if token == "" || len(token) > 100 {
		return renew.Session{}, renew.ErrUnauthorized
	}
	now := s.now()
	s.mu.Lock()
	r, ok := s.recent[token]
	s.mu.Unlock()
	if ok && now.Before(r.until) && now.Before(r.sess.ExpiresAt) {
		return r.sess, nil
	}
	h := hashToken(token)
	sess, err := s.store.SessionByHash(ctx, h, now)
	if errors.Is(err, renew.ErrNotFound) {
		return renew.Session{}, renew.ErrUnauthorized
	}
	if err != nil {
		return renew.Session{}, err
	}
	if sess.ExpiresAt.Sub(now) < s.ttl-s.ttl/10 {
		sess.ExpiresAt = now.Add(s.ttl)
		if err := s.store.ExtendSession(ctx, h, sess.ExpiresAt); err != nil {
			return renew.Session{}, err
		}
	}
	if s.recheck > 0 {
		s.mu.Lock()
		if len(s.recent) >= maxRecent {
			clear(s.recent)
		}
		s.recent[token] = recentSession{sess, now.Add(s.recheck)}
		s.mu.Unlock()
	}
	return sess, nil
}

// Logout ends the session of token.
func (s *Service) Logout(ctx context.Context, token string, sess renew.Session, address string) error {
	s.mu.Lock()
	delete(s.recent, token)
	s.mu.Unlock()
	if err := s.store.DeleteSession(ctx, hashToken(token)); err != nil {
		return err
	}
	return s.store.Audit(ctx, renew.AuditEntry{Actor: sess.User.Username, Address: address, Action: "logout"})
}

// NewToken returns a random token for a cookie and the hash under which it is stored.
func NewToken() (token string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// HashPassword returns the bcrypt hash of a password; renew.ErrInvalid for one too short or long.
func HashPassword(password string) (string, error) {
	if len(password) < 8 || len(password) > 72 {
		return "", renew.Invalid("密码长度须为 8–72 个字符 (password must have 8 to 72 characters)")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	return string(h), err
}

// CheckPassword reports whether password matches hash.
func CheckPassword(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// GeneratePassword returns a random password (26 base32 characters, 130 bits) for a new account.
func GeneratePassword() string { return rand.Text() }
