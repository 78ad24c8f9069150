package access

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// failingSource fails the way a database does, with SQL in its error text.
type failingSource struct{}

var errSQL = errors.New(`ERROR: relation "walk_edges" does not exist (SQLSTATE 42P01) host=10.1.2.3`)

func (failingSource) LoadNetwork(context.Context) (Input, error)    { return Input{}, errSQL }
func (failingSource) NetworkVersion(context.Context) (int64, error) { return 1, nil }

// A failed build shows every role a short Chinese summary, never the database's own error text.
func TestStatusHidesTheRawError(t *testing.T) {
	h := NewHolder(failingSource{}, nil, HolderOptions{})
	if _, err := h.Engine(context.Background()); err == nil {
		t.Fatal("a failing source built an engine")
	}
	st := h.Status()
	if st.State != "failed" || st.Error == "" {
		t.Fatalf("status %+v: want failed with a message", st)
	}
	for _, leak := range []string{"relation", "SQLSTATE", "10.1.2.3", "walk_edges"} {
		if strings.Contains(st.Error, leak) {
			t.Errorf("status error %q shows %q", st.Error, leak)
		}
	}
}
