package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
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
		return "http://" + a.String(), stop
	case err := <-done:
		cancel()
		t.Fatalf("serve ended before listening: %v\n%s", err, logs.String())
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("serve did not listen within 30 s\n%s", logs.String())
	}
	return "", nil
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
	base, stop := startServe(t, map[string]string{"DATABASE_URL": dead})
	if got := waitStatus(t, base+"/healthz", 200, 5*time.Second); got != 200 {
		t.Fatalf("/healthz = %d", got)
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
