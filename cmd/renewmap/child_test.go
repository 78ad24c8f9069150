package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"renewmap/internal/postgis/pgtest"
)

// TestMain runs the tests, or, in a process started by startChild (RENEWMAP_SERVE_CHILD holds
// its flags), `renewmap serve` itself, so a test can measure that process's memory and send it a
// real SIGTERM.
func TestMain(m *testing.M) {
	flags, ok := os.LookupEnv("RENEWMAP_SERVE_CHILD")
	if !ok {
		os.Exit(m.Run())
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	e := &env{stdout: os.Stdout, stderr: os.Stdout, getenv: os.Getenv,
		listening: func(a net.Addr) { fmt.Printf("LISTENING %s\n", a) }}
	err := run(ctx, append([]string{"serve", "-addr", "127.0.0.1:0", "-load-demo=false"}, strings.Fields(flags)...), e)
	stop()
	if err != nil {
		fmt.Println("serve:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// child is a `renewmap serve` process on a fresh database.
type child struct {
	cmd    *exec.Cmd
	base   string
	url    string // its database
	client *http.Client
	csrf   string
	exited chan struct{}
}

// startChild starts the server in a process of its own with extra serve flags, waits until it
// is ready and logs in as its first administrator.
func startChild(t *testing.T, flags ...string) *child {
	t.Helper()
	_, url := pgtest.New(t)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "RENEWMAP_SERVE_CHILD="+strings.Join(flags, " "), "DATABASE_URL="+url)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, url: url, exited: make(chan struct{})}
	var logs strings.Builder
	var mu sync.Mutex
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			mu.Lock()
			logs.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if a, ok := strings.CutPrefix(sc.Text(), "LISTENING "); ok {
				addr <- a
			}
		}
		cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-c.exited
		if t.Failed() {
			mu.Lock()
			t.Logf("child log:\n%s", logs.String())
			mu.Unlock()
		}
	})
	select {
	case a := <-addr:
		c.base = "http://" + a
	case <-time.After(60 * time.Second):
		t.Fatal("the child server did not listen within 60 s")
	}
	if got := waitStatus(t, c.base+"/readyz", 200, 60*time.Second); got != 200 {
		t.Fatalf("/readyz = %d", got)
	}
	mu.Lock()
	text := logs.String()
	mu.Unlock()
	_, after, ok := strings.Cut(text, "一次性密码：")
	if !ok {
		t.Fatalf("no admin password printed:\n%s", text)
	}
	c.client, c.csrf = loginAs(t, c.base, "admin", strings.Fields(after)[0])
	return c
}

// post sends a JSON body as the logged-in administrator and returns the status (-1 when the
// connection failed).
func (c *child) post(path string, body []byte) int {
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", c.csrf)
	resp, err := c.client.Do(req)
	if err != nil {
		return -1
	}
	resp.Body.Close()
	return resp.StatusCode
}

// peakRSS is the child's peak resident memory so far (VmHWM), in bytes.
func (c *child) peakRSS(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}
