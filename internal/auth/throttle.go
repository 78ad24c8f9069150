package auth

import (
	"context"
	"fmt"
	"time"

	"renewmap/internal/renew"
)

// DefaultLimits: a client (account and address) may fail 5 times in 15 minutes, then waits 30 s,
// doubling with each further failure up to 15 minutes; 10 failures for one account from
// unfamiliar addresses, or 20 from one address, refuse unfamiliar checks for the rest of the
// 15 minutes. Addresses that logged in to an account before are never refused because of
// failures from elsewhere. See renew.LoginLimits.
var DefaultLimits = renew.LoginLimits{Window: 15 * time.Minute, PerPair: 5, PerAccount: 10, PerAddress: 20,
	Delay: 30 * time.Second, MaxDelay: 15 * time.Minute}

// dummyHash is a bcrypt hash at the default cost of a random password nobody knows: an unknown or
// disabled user's password is checked against it, so such a login costs as much as a real one
// and its timing does not tell which usernames exist.
const dummyHash = "$2a$10$FVBbr9jO6SK2j3rt/o6IkeG3920fQ1gpaDYkyCAil6eCLcV9mygHi"

// reserve takes the attempt's place under the limits before its password is checked (the count
// is atomic in the store, so parallel attempts cannot all pass); renew.ErrRateLimited when the
// client must wait.
func (s *Service) reserve(ctx context.Context, username, address string) (renew.LoginGate, error) {
	gate, err := s.store.ReserveLogin(ctx, username, address, s.limits)
	if err != nil {
		return gate, err
	}
	if !gate.Allowed {
		return gate, &renew.Error{Kind: renew.ErrRateLimited, Msg: fmt.Sprintf("登录失败次数过多，请 %s后再试", waitText(gate.RetryAfter))}
	}
	return gate, nil
}

// checkPassword runs exactly one hash comparison whether or not the account exists (exists
// false: against dummyHash, and the answer is false).
func (s *Service) checkPassword(exists bool, hash, password string) bool {
	if !exists {
		s.check(dummyHash, password)
		return false
	}
	return s.check(hash, password)
}

// waitText says a wait in whole minutes, or seconds below one.
func waitText(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d 秒", max(int(d.Seconds()+0.999), 1))
	}
	return fmt.Sprintf("%d 分钟", int(d.Minutes()+0.999))
}

// Throttles lists the throttling counts of the current windows, for the administrators.
func (s *Service) Throttles(ctx context.Context) ([]renew.LoginThrottle, error) {
	return s.store.LoginThrottles(ctx, s.limits)
}

// Unlock forgets every failure counted against the account called username, audited as a.
func (s *Service) Unlock(ctx context.Context, username string, a renew.AuditEntry) (int, error) {
	return s.store.UnlockLogin(ctx, username, a)
}
