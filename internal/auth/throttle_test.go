package auth

import (
	"context"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"renewmap/internal/renew"
)

// loginStore knows one enabled and one disabled user and lets every check run.
type loginStore struct {
	Store
	hash string
}

func (s *loginStore) UserByName(_ context.Context, name string) (renew.User, string, error) {
	switch name {
	case "known":
		return renew.User{ID: 1, Username: name}, s.hash, nil
	case "disabled":
		return renew.User{ID: 2, Username: name, Disabled: true}, s.hash, nil
	}
	return renew.User{}, "", renew.ErrNotFound
}

func (*loginStore) ReserveLogin(context.Context, string, string, renew.LoginLimits) (renew.LoginGate, error) {
	return renew.LoginGate{Allowed: true}, nil
}

func (*loginStore) FinishLogin(context.Context, string, string, renew.LoginGate, bool, renew.LoginLimits) error {
	return nil
}

// A wrong password costs one hash comparison whether the user exists, is disabled or is unknown,
// so the answer's timing does not tell which usernames exist.
func TestEveryFailedLoginCostsOneHash(t *testing.T) {
	h, _ := bcrypt.GenerateFromPassword([]byte("right-password"), bcrypt.MinCost)
	calls := 0
	s := New(&loginStore{hash: string(h)}, Settings{Limits: DefaultLimits, CheckPassword: func(hash, pw string) bool {
		calls++
		return CheckPassword(hash, pw)
	}})
	for _, name := range []string{"known", "disabled", "unknown"} {
		calls = 0
		if _, _, err := s.Login(context.Background(), name, "wrong-password", "192.0.2.1"); err != errBadLogin {
			t.Errorf("%s: %v, want the one bad-login error", name, err)
		}
		if calls != 1 {
			t.Errorf("%s user: %d hash comparisons, want 1", name, calls)
		}
	}
	if cost, err := bcrypt.Cost([]byte(dummyHash)); err != nil || cost != bcrypt.DefaultCost {
		t.Errorf("the stand-in hash has cost %d (%v), want bcrypt's default %d like real passwords", cost, err, bcrypt.DefaultCost)
	}
}
