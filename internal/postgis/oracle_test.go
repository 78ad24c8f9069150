package postgis_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"renewmap/internal/access"
	"renewmap/internal/access/oracle"
	"renewmap/internal/postgis/pgtest"
)

// TestOracleOnRandomNetworks checks the engine against pgRouting (internal/access/oracle) on
// jittered street grids with communities of every shape: walled with paths and one gate, walled
// without paths, open with or without paths, and walled with paths that reach no gate
// (isolated). The demo district and the Beijing extract are checked where they are imported.
func TestOracleOnRandomNetworks(t *testing.T) {
	t.Parallel()
	db, _ := pgtest.New(t)
	oracle.Enable(t, db)
	for seed := range uint64(3) {
		in := oracle.RandomNetwork(seed)
		e, err := access.Build(in, access.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			st := e.Stats()
			if st.AccessLinks == 0 || st.Isolated == 0 {
				t.Errorf("the random network has %d access links and %d isolated communities; it should exercise both", st.AccessLinks, st.Isolated)
			}
			oracle.Compare(t, db, e, func(ctx context.Context, tx pgx.Tx) error { return oracle.FillInput(ctx, tx, in) })
		})
	}
}
