package httpapi

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"renewmap/internal/renew"
	"renewmap/internal/residents"
)

// FuzzBallotBody feeds arbitrary bytes to the residents' body parser and then to ballot
// validation: nothing panics, every refusal is a client error, and whatever passes is a clean
// ballot (valid UTF-8 comment of at most 500 characters, known menu codes, ratings 1–5).
func FuzzBallotBody(f *testing.F) {
	for _, s := range []string{
		`{"kind":"menu","code":"7KQ2M-XD9PA","choices":["I07","H01"],"priorities":["I07"],"consent":true,"comment":"楼道灯"}`,
		`{"kind":"satisfaction","code":"7kq2m xd9pa","ratings":{"drain":5,"road":1},"comment":"<script>alert(1)</script>"}`,
		`{"code":"OOOOO-IIIII","consent":false}`, `{"code":"x"}`, `{"kind":"poll","code":"7KQ2MXD9PA"}`,
		`{"code":"7KQ2MXD9PA","ratings":{"drain":1e9}}`, `{"code":"7KQ2MXD9PA","choices":"I07"}`,
		`{"code":"7KQ2MXD9PA","consent":true,"comment":"\u0000"}`, "{\"comment\":\"\xff\"}", `[]`, `null`, ``,
		`{"code":"7KQ2MXD9PA","consent":true,"priorities":["I07","I07"],"choices":["I07"]}`,
	} {
		f.Add([]byte(s))
	}
	menu := map[string]renew.MenuItem{
		"I07": {Code: "I07", Name: "排水管线改造", Goal: renew.GoalDrain},
		"H01": {Code: "H01", Name: "屋面防水维修", Goal: renew.GoalFunction},
	}
	e := echo.New()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		kind, code, b, err := parseBallot(e.NewContext(req, httptest.NewRecorder()))
		if err != nil {
			var he *echo.HTTPError
			if !errors.Is(err, renew.ErrInvalid) && !errors.As(err, &he) {
				t.Fatalf("not a client error: %v", err)
			}
			return
		}
		if !kind.Valid() {
			t.Fatalf("kind %q passed", kind)
		}
		if c, ok := residents.NormalizeCode(code); !ok || c != code {
			t.Fatalf("code %q is not canonical", code)
		}
		if err := residents.Validate(kind, &b, menu, 3); err != nil {
			if !errors.Is(err, renew.ErrInvalid) {
				t.Fatalf("validation: not a client error: %v", err)
			}
			return
		}
		if len([]rune(b.Comment)) > residents.MaxComment || bytes.ContainsRune([]byte(b.Comment), 0) {
			t.Fatalf("comment passed: %q", b.Comment)
		}
		for _, c := range b.Choices {
			if _, ok := menu[c]; !ok {
				t.Fatalf("choice %q passed", c)
			}
		}
		if len(b.Priorities) > 3 {
			t.Fatalf("%d priorities passed", len(b.Priorities))
		}
		for g, v := range b.Ratings {
			if v < 1 || v > 5 || g.Name() == string(g) {
				t.Fatalf("rating %s=%d passed", g, v)
			}
		}
	})
}
