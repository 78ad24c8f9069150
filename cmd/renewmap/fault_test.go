package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"renewmap/geodata"
	"renewmap/internal/ingest"
	"renewmap/internal/postgis"
	"renewmap/internal/renew"
)

// privateCluster starts a PostGIS cluster of the test's own (scripts/pg.sh with its own folder
// and port), so the test can stop and start it without disturbing other tests. It returns the
// URL and functions that stop and start it.
func privateCluster(t *testing.T) (url string, stop, start func()) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	base, err := os.MkdirTemp("/var/tmp", "renewmap-fault-")
	if err != nil {
		t.Fatal(err)
	}
	script, _ := filepath.Abs("../../scripts/pg.sh")
	pg := func(verb string) string {
		cmd := exec.Command("bash", script, verb)
		cmd.Env = append(os.Environ(), "RENEWMAP_PGBASE="+base, "RENEWMAP_PGPORT="+port)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("pg.sh %s: %v\n%s", verb, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	url = pg("start")
	t.Cleanup(func() { pg("stop"); os.RemoveAll(base) })
	return url, func() { pg("stop") }, func() { pg("start") }
}

// loginClient logs in with the first admin's one-time password from the server's output.
func loginClient(t *testing.T, base, logs string) *http.Client {
	t.Helper()
	_, after, ok := strings.Cut(logs, "一次性密码：")
	if !ok {
		t.Fatalf("no admin password printed:\n%s", logs)
	}
	c, _ := loginAs(t, base, "admin", strings.Fields(after)[0])
	return c
}

// loginAs logs in and returns a client holding the session cookie, and the session's CSRF token.
func loginAs(t *testing.T, base, user, password string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 40 * time.Second}
	resp, err := c.Post(base+"/api/v1/login", "application/json", strings.NewReader(`{"username":"`+user+`","password":"`+password+`"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login as %s: %v %v", user, err, resp)
	}
	defer resp.Body.Close()
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	json.NewDecoder(resp.Body).Decode(&me)
	return c, me.CSRF
}

// The database goes away and comes back: the service answers 503 with Retry-After meanwhile,
// quickly and without dying, and works again by itself.
func TestDatabaseOutageAndRecovery(t *testing.T) {
	t.Parallel()
	url, stopDB, startDB := privateCluster(t)
	base, stop, logs := startServeLogs(t, map[string]string{"DATABASE_URL": url}, "-request-timeout", "8s", "-statement-timeout", "5s")
	if got := waitStatus(t, base+"/readyz", 200, 90*time.Second); got != 200 {
		t.Fatalf("/readyz = %d", got)
	}
	c := loginClient(t, base, logs.String())
	status := func(path string) (int, string) {
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Retry-After") + " " + string(b)
	}
	if code, _ := status("/api/v1/labels"); code != 200 {
		t.Fatalf("labels before the outage: %d", code)
	}

	stopDB()
	for _, p := range []string{"/readyz", "/api/v1/labels", "/api/v1/communities?q=小区", "/tiles/all/15/27702/11921.mvt"} {
		t0 := time.Now()
		code, body := status(p)
		if code != http.StatusServiceUnavailable || !strings.HasPrefix(body, "5 ") {
			t.Errorf("%s with the database down: %d %q, want 503 with Retry-After", p, code, body)
		}
		if d := time.Since(t0); d > 10*time.Second {
			t.Errorf("%s took %s to say 503", p, d)
		}
		for _, leak := range []string{"SELECT", "dial tcp", "connect:", "pgx"} {
			if strings.Contains(body, leak) {
				t.Errorf("%s leaks %q: %s", p, leak, body)
			}
		}
	}
	if code, _ := status("/healthz"); code != 200 {
		t.Errorf("/healthz while the database is down: %d (the process must stay up)", code)
	}

	startDB()
	if got := waitStatus(t, base+"/readyz", 200, 30*time.Second); got != 200 {
		t.Fatalf("/readyz after the database came back: %d", got)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, body := status("/api/v1/communities?q=小区")
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("communities after recovery: %d %s", code, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// A stop signal lets a request in flight finish before the process ends.
func TestGracefulShutdownFinishesRequests(t *testing.T) {
	t.Parallel()
	url, _, _ := privateCluster(t)
	base, stop, logs := startServeLogs(t, map[string]string{"DATABASE_URL": url})
	if got := waitStatus(t, base+"/readyz", 200, 90*time.Second); got != 200 {
		t.Fatalf("/readyz = %d", got)
	}
	c := loginClient(t, base, logs.String())
	ctx := context.Background()
	// Hold a lock so the request waits in the database.
	tx := lockCommunities(t, url)
	result := make(chan int, 1)
	go func() {
		resp, err := c.Get(base + "/api/v1/communities?q=小区")
		if err != nil {
			result <- -1
			return
		}
		resp.Body.Close()
		result <- resp.StatusCode
	}()
	time.Sleep(500 * time.Millisecond) // the request is now waiting for the lock
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	time.Sleep(500 * time.Millisecond)
	select {
	case err := <-stopped:
		t.Fatalf("serve ended (%v) while a request was in flight", err)
	default:
	}
	tx.Rollback(ctx) // the request can finish now
	if code := <-result; code != 200 {
		t.Errorf("request in flight during shutdown: %d, want 200", code)
	}
	if err := <-stopped; err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// lockCommunities locks the communities table in a transaction of its own, so requests that read
// it wait; the caller rolls it back to let them go (or the test's end does).
func lockCommunities(t *testing.T, url string) pgx.Tx {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE communities IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	return tx
}

// The database stops in the middle of an import: the import fails, and once the database is
// back nothing of it is there (one transaction, all or nothing).
func TestImportInterruptedByOutage(t *testing.T) {
	t.Parallel()
	url, stopDB, startDB := privateCluster(t)
	ctx := context.Background()
	db, err := postgis.Open(ctx, url, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	files, _, err := ingest.FilesFromFS(geodata.FS, "tiexi")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ingest.Parse(files)
	if err != nil {
		t.Fatal(err)
	}
	var stopped bool
	_, err = db.Import(ctx, b, postgis.ImportOptions{Progress: func(layer string, done, total int) {
		// Half-way through the features, the database goes down.
		if !stopped && done > total/2 {
			stopped = true
			stopDB()
		}
	}})
	if !stopped || err == nil {
		t.Fatalf("import went through (stopped %v, err %v)", stopped, err)
	}
	if !errors.Is(err, renew.ErrUnavailable) {
		t.Errorf("import error %v, want ErrUnavailable", err)
	}
	startDB()
	var n int
	for deadline := time.Now().Add(20 * time.Second); ; {
		err = db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM communities) + (SELECT count(*) FROM buildings)
			+ (SELECT count(*) FROM roads) + (SELECT count(*) FROM plans)`).Scan(&n)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d rows of the interrupted import are in the database", n)
	}
}
