package main

import (
	"context"
	"net/http"
	"syscall"
	"testing"
	"time"
)

// SIGTERM while a request cannot finish (it waits on a lock the test never releases, as a client
// that stops reading keeps its download waiting): the process ends within its grace period,
// not when the request's own deadline comes.
func TestShutdownIsBoundedByTheGrace(t *testing.T) {
	t.Parallel()
	const grace = 2 * time.Second
	c := startChild(t, "-shutdown-grace", grace.String(), "-statement-timeout", "60s", "-request-timeout", "90s")
	tx := lockCommunities(t, c.url)
	defer tx.Rollback(context.Background())
	go func() {
		if resp, err := c.client.Get(c.base + "/api/v1/communities?q=小区"); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(500 * time.Millisecond) // the request now waits for the lock
	start := time.Now()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.exited:
	case <-time.After(grace + 30*time.Second):
	}
	took := time.Since(start)
	t.Logf("SIGTERM to exit: %.1f s with a grace of %s", took.Seconds(), grace)
	if took > grace+3*time.Second {
		t.Errorf("the process took %.1f s to stop, want within the grace of %s (+3 s)", took.Seconds(), grace)
	}
	if _, err := http.Get(c.base + "/healthz"); err == nil {
		t.Error("the server still answers after SIGTERM")
	}
}
