package auth

import (
	"context"
	"testing"
	"time"

	"renewmap/internal/renew"
)

// countingStore is a Store holding one session that counts how often it is asked for it.
type countingStore struct {
	Store
	lookups int
	expires time.Time
}

func (c *countingStore) SessionByHash(_ context.Context, _ []byte, now time.Time) (renew.Session, error) {
	c.lookups++
	if !now.Before(c.expires) {
		return renew.Session{}, renew.ErrNotFound
	}
	return renew.Session{User: renew.User{Username: "u", Role: renew.RoleViewer}, ExpiresAt: c.expires}, nil
}

func (c *countingStore) ExtendSession(context.Context, []byte, time.Time) error { return nil }

// A burst of requests within the recheck period costs one lookup; after it the database is asked
// again, and an expired session is refused even when it was remembered.
func TestAuthenticateRemembersBriefly(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	st := &countingStore{expires: now.Add(time.Hour)}
	s := New(st, Settings{TTL: time.Hour, Recheck: 5 * time.Second, Limits: DefaultLimits})
	s.now = func() time.Time { return now }
	for i := 0; i < 100; i++ {
		if _, err := s.Authenticate(context.Background(), "tok"); err != nil {
			t.Fatal(err)
		}
	}
	if st.lookups != 1 {
		t.Errorf("100 requests made %d lookups, want 1", st.lookups)
	}
	now = now.Add(6 * time.Second)
	s.Authenticate(context.Background(), "tok")
	if st.lookups != 2 {
		t.Errorf("after the recheck period: %d lookups, want 2", st.lookups)
	}
	now = now.Add(2 * time.Hour)
	if _, err := s.Authenticate(context.Background(), "tok"); err != renew.ErrUnauthorized {
		t.Errorf("expired session: %v, want ErrUnauthorized", err)
	}
}
