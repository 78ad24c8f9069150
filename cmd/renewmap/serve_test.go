package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"renewmap/internal/postgis/pgtest"
)

// syncBuffer collects a server's log while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs the real `renewmap serve` in-process on port 0 with the given environment and
// returns its base URL and a function that stops it (as SIGTERM would) and returns serve's error.
func startServe(t *testing.T, vars map[string]string, args ...string) (string, func() error) {
	t.Helper()
	base, stop, _ := startServeLogs(t, vars, args...)
	return base, stop
}

// startServeLogs is startServe that also returns the server's output.
func startServeLogs(t *testing.T, vars map[string]string, args ...string) (string, func() error, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	logs := &syncBuffer{}
	e := &env{stdout: logs, stderr: logs, getenv: func(k string) string { return vars[k] },
		listening: func(a net.Addr) { addrc <- a }}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"serve", "-addr", "127.0.0.1:0"}, args...), e) }()
	select {
	case a := <-addrc:
		stop := func() error { cancel(); return <-done }
		t.Cleanup(func() {
			cancel()
			if t.Failed() {
				t.Logf("server log:\n%s", logs.String())
			}
		})
		return "http://" + a.String(), stop, logs
	case err := <-done:
		cancel()
		t.Fatalf("serve ended before listening: %v\n%s", err, logs.String())
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("serve did not listen within 30 s\n%s", logs.String())
	}
	return "", nil, nil
}

// waitStatus polls url until it answers want or the deadline passes, and returns the last status.
func waitStatus(t *testing.T, url string, want int, within time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(within)
	last := 0
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			last = resp.StatusCode
			resp.Body.Close()
			if last == want {
				return last
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return last
}

// With its database unreachable the service still starts, answers /healthz, says 503 with
// Retry-After on /readyz, and shuts down cleanly.
func TestServeWithoutDatabase(t *testing.T) {
	t.Parallel()
	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "postgres://postgres@" + l.Addr().String() + "/none?sslmode=disable&connect_timeout=1"
	l.Close()
	ml, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := ml.Addr().String()
	ml.Close()
	base, stop := startServe(t, map[string]string{"DATABASE_URL": dead}, "-metrics-addr", metricsAddr)
	if got := waitStatus(t, base+"/healthz", 200, 5*time.Second); got != 200 {
		t.Fatalf("/healthz = %d", got)
	}
	// The metrics are on their own listener, never on the public one.
	if got := waitStatus(t, "http://"+metricsAddr+"/metrics", 200, 5*time.Second); got != 200 {
		t.Errorf("/metrics on -metrics-addr = %d", got)
	}
	if resp, err := http.Get(base + "/metrics"); err != nil || resp.StatusCode == 200 {
		t.Errorf("/metrics on the public listener: %v %v, want a refusal", err, resp)
	} else {
		resp.Body.Close()
	}
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("/readyz = %d (Retry-After %q), want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if err := stop(); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// On an empty database serve -load-demo migrates, loads the demonstration dataset, creates the first
// administrator and prints its password once; logged in with it, the demo data is there.
func TestServeLoadsDemoAndFirstAdmin(t *testing.T) {
	t.Parallel()
	_, url := pgtest.New(t)
	base, stop, logs := startServeLogs(t, map[string]string{"DATABASE_URL": url}, "-load-demo")
	if got := waitStatus(t, base+"/readyz", 200, 90*time.Second); got != 200 {
		t.Fatalf("/readyz = %d after 90 s", got)
	}
	m := regexp.MustCompile(`一次性密码：(\S+)`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no one-time admin password printed:\n%s", logs.String())
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.Post(base+"/api/v1/login", "application/json",
		strings.NewReader(`{"username":"admin","password":"`+m[1]+`"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login with the printed password: %v %v", err, resp.Status)
	}
	resp.Body.Close()
	resp, err = client.Get(base + "/api/v1/communities?limit=500")
	if err != nil {
		t.Fatal(err)
	}
	var res struct{ Communities []json.RawMessage }
	json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if len(res.Communities) != 138 {
		t.Errorf("demo communities: %d, want 138", len(res.Communities))
	}
	if err := stop(); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	// A second start finds the data and the account and prints no new password.
	_, stop2, logs2 := startServeLogs(t, map[string]string{"DATABASE_URL": url})
	time.Sleep(2 * time.Second)
	if strings.Contains(logs2.String(), "一次性密码") {
		t.Error("second start printed a new admin password")
	}
	stop2()
}
