package httpapi_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"renewmap/internal/renew"
)

// smallBuffers gives every accepted connection a small send buffer, so a client that stops
// reading stalls the server's writes after a few kilobytes.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}

// Clients that request downloads and never read cannot take the database pool: logins and the
// API keep answering while they stall.
func TestStalledDownloadsLeaveThePool(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.db.Pool.Exec(ctx, `
		INSERT INTO buildings (code, community_id, number, floors, units, households, floor_area, completed_year, structure, geom)
		SELECT b.code || '-copy' || n, b.community_id, b.number, b.floors, b.units, b.households, b.floor_area, b.completed_year, b.structure, b.geom
		FROM buildings b, generate_series(1, 2000 / (SELECT count(*) FROM buildings)) n`); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(f.e)
	srv.Listener = smallBuffers{srv.Listener}
	srv.Start()
	defer srv.Close()
	designer := f.sessions[renew.RoleDesigner].cookie
	for range 6 {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.(*net.TCPConn).SetReadBuffer(1024)
		fmt.Fprintf(conn, "GET /download/buildings.geojson HTTP/1.1\r\nHost: example.com\r\nCookie: %s=%s\r\n\r\n", designer.Name, designer.Value)
	}
	time.Sleep(time.Second) // the downloads have started and stalled
	client := &http.Client{Timeout: 4 * time.Second}
	for _, path := range []string{"/api/v1/communities?q=机械", "/readyz"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.AddCookie(f.sessions[renew.RoleViewer].cookie)
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("%s while six downloads stall: %v", path, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s while six downloads stall: %d", path, resp.StatusCode)
		}
	}
	resp, err := client.Post(srv.URL+"/api/v1/login", "application/json", strings.NewReader(`{"username":"leader","password":"pw-leader"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("login while six downloads stall: %v %v", err, resp)
	}
}
