package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"renewmap/internal/config"
	"renewmap/internal/renew"
)

// loginBurst sends n logins at once (one goroutine each, all released together) and counts the
// answers by status. body(i) and remote(i) give each attempt's account and address.
func loginBurst(t *testing.T, f *fixture, n int, body func(int) string, remote func(int) string, header ...string) map[int]int {
	t.Helper()
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			rec := f.do(t, remote(i), http.MethodPost, "/api/v1/login", body(i), header...)
			mu.Lock()
			codes[rec.Code]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return codes
}

func same(v string) func(int) string { return func(int) string { return v } }

// 32 wrong passwords at once for one account from one address: exactly 5 are checked (401), the
// rest refused before any check (429); 32 at once for 32 accounts from one address: exactly 20.
// The refused and failed attempts of one account and address make one audit row with the counts.
func TestLoginLimitsHoldUnderConcurrency(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	codes := loginBurst(t, f, 32, same(`{"username":"planner","password":"wrong-guess"}`), same("203.0.113.5:4000"))
	if codes[401] != 5 || codes[429] != 27 {
		t.Errorf("one account, one address, 32 at once: %v, want 5×401 and 27×429", codes)
	}
	for i := range 32 { // accounts with cheap hashes: a check of an unknown name costs a full bcrypt
		f.db.CreateUser(context.Background(), renew.User{Username: fmt.Sprint("u", i), Role: renew.RoleViewer}, testHashes[renew.RoleViewer], renew.AuditEntry{})
	}
	codes = loginBurst(t, f, 32, func(i int) string { return fmt.Sprintf(`{"username":"u%d","password":"x"}`, i) },
		same("203.0.113.6:4000"))
	if codes[401] != 20 || codes[429] != 12 {
		t.Errorf("32 accounts, one address, 32 at once: %v, want 20×401 and 12×429", codes)
	}
	var rows, failed, refused int
	f.db.Pool.QueryRow(context.Background(), `SELECT count(*), sum((after->>'failed')::int), sum((after->>'refused')::int)
		FROM audit_log WHERE action = 'login_failed' AND actor = 'planner' AND address = '203.0.113.5'`).Scan(&rows, &failed, &refused)
	if rows != 1 || failed != 5 || refused != 27 {
		t.Errorf("audit: %d rows with %d failed and %d refused, want 1 row with 5 and 27", rows, failed, refused)
	}
}

// Failures from elsewhere never refuse the right password from an address that logged in to the
// account before; a new address is refused until an administrator unlocks the account, and the
// state is visible to administrators.
func TestFailuresElsewhereDoNotLockOutTheOwner(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *config.Config) { c.SessionRecheck = 0 })
	// The fixture logged every account in from 192.0.2.10: that address is familiar.
	for a := range 5 {
		codes := loginBurst(t, f, 6, same(`{"username":"admin","password":"guess"}`), same(fmt.Sprintf("198.51.100.%d:1000", a+1)))
		if codes[401]+codes[429] != 6 {
			t.Fatalf("attack from address %d: %v", a, codes)
		}
	}
	if rec := f.do(t, "", http.MethodPost, "/api/v1/login", `{"username":"admin","password":"pw-admin"}`); rec.Code != 200 {
		t.Fatalf("the owner at a familiar address after the attack: %d %s, want 200", rec.Code, rec.Body.String())
	}
	newcomer := func() int {
		return f.do(t, "203.0.113.77:1", http.MethodPost, "/api/v1/login", `{"username":"admin","password":"pw-admin"}`).Code
	}
	if c := newcomer(); c != 429 {
		t.Errorf("the right password from a new address during the attack: %d, want 429", c)
	}
	var state struct {
		Throttles []renew.LoginThrottle `json:"throttles"`
	}
	rec := f.get(t, "/api/v1/login-throttle")
	json.Unmarshal(rec.Body.Bytes(), &state)
	blocked := false
	for _, th := range state.Throttles {
		blocked = blocked || th.Account == "admin" && th.Address == "" && !th.Until.IsZero()
	}
	if rec.Code != 200 || !blocked {
		t.Errorf("login-throttle: %d, account admin not shown as refusing: %s", rec.Code, rec.Body.String())
	}
	if rec := f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/login-throttle", ""); rec.Code != 403 {
		t.Errorf("a viewer reads the throttle state: %d", rec.Code)
	}
	if rec := f.as(t, renew.RoleAdmin, http.MethodPost, "/api/v1/users/admin/unlock", ""); rec.Code != 200 {
		t.Fatalf("unlock: %d %s", rec.Code, rec.Body.String())
	}
	if c := newcomer(); c != 200 {
		t.Errorf("after the unlock: %d, want 200", c)
	}
}

// Without a trusted proxy, X-Forwarded-For is the client's own claim: changing it does not give
// an attacker fresh attempts. From a trusted proxy it names the client.
func TestThrottleAddressesFromTrustedProxiesOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *config.Config) { c.TrustedProxies = []string{"192.0.2.200/32"} })
	checked := 0
	for i := range 12 {
		rec := f.do(t, "203.0.113.9:1", http.MethodPost, "/api/v1/login", `{"username":"viewer","password":"nope"}`,
			"X-Forwarded-For", fmt.Sprintf("10.9.8.%d", i))
		if rec.Code == 401 {
			checked++
		}
	}
	if checked != 5 {
		t.Errorf("12 attempts with varying X-Forwarded-For from one untrusted peer: %d checked, want 5", checked)
	}
	for i := range 2 {
		rec := f.do(t, "192.0.2.200:1", http.MethodPost, "/api/v1/login", `{"username":"viewer","password":"nope"}`,
			"X-Forwarded-For", fmt.Sprintf("10.9.7.%d", i))
		if rec.Code != 401 {
			t.Errorf("client %d behind the trusted proxy: %d, want 401 (its own count)", i, rec.Code)
		}
	}
}
