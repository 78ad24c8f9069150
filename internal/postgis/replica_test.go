package postgis_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"renewmap/internal/postgis"
	"renewmap/internal/postgis/pgtest"
	"renewmap/internal/tiles"
	tilefiles "renewmap/tiles"
)

// The "replica" here is a second database whose data_versions the test sets, so it can be made
// to lag and catch up at will; the streaming replica itself is exercised by scripts/test-cluster.sh.
// The two hold different district names, so every answer tells where it came from.
func TestReplicatedReadsOnlyACaughtUpReplica(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	primary, _ := pgtest.New(t)
	replica, _ := pgtest.New(t)
	addDistrict := func(db *postgis.DB, name string) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, `INSERT INTO districts (code, name, source, geom)
			VALUES ('220302', $1, $1, ST_Multi(ST_MakeEnvelope(124.33, 43.15, 124.37, 43.18, 4326)))`, name); err != nil {
			t.Fatal(err)
		}
	}
	addDistrict(primary, "主库")
	addDistrict(replica, "副本")
	// catchUp gives the replica the primary's data versions, as replay would.
	catchUp := func() {
		t.Helper()
		if _, err := replica.Pool.Exec(ctx, "TRUNCATE data_versions"); err != nil {
			t.Fatal(err)
		}
		rows, err := primary.Pool.Query(ctx, "SELECT table_name, version FROM data_versions")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		var vers []int64
		for rows.Next() {
			var n string
			var v int64
			if err := rows.Scan(&n, &v); err != nil {
				t.Fatal(err)
			}
			names, vers = append(names, n), append(vers, v)
		}
		if _, err := replica.Pool.Exec(ctx, "INSERT INTO data_versions (table_name, version) SELECT * FROM unnest($1::text[], $2::bigint[])", names, vers); err != nil {
			t.Fatal(err)
		}
	}
	catchUp()

	versions := &tiles.Versions{}
	go primary.WatchVersions(ctx, versions, slog.New(slog.DiscardHandler))
	r := postgis.NewReplicated(primary, replica, versions, postgis.ReplicaOptions{Poll: 20 * time.Millisecond})
	go r.Run(ctx)

	cat, err := tiles.Load(tilefiles.FS)
	if err != nil {
		t.Fatal(err)
	}
	ls := []*tiles.Layer{cat.Layer("district")}
	coord := tiles.CoordAt(10, 124.35, 43.165)
	tileSays := func() string {
		t.Helper()
		b, err := r.Tile(ctx, ls, coord)
		if err != nil {
			t.Fatalf("tile: %v", err)
		}
		for _, name := range []string{"主库二", "主库", "副本"} {
			if bytes.Contains(b, []byte(name)) {
				return name
			}
		}
		t.Fatalf("the tile names no district (%d bytes)", len(b))
		return ""
	}
	sources := func() string {
		t.Helper()
		s, err := r.Sources(ctx)
		if err != nil {
			t.Fatalf("sources: %v", err)
		}
		return slices.Concat(s, []string{""})[0]
	}
	eventually := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 20 s", what)
			}
		}
	}

	eventually("a caught-up replica answers reads", func() bool { return sources() == "副本" })
	if got := tileSays(); got != "副本" {
		t.Errorf("tile from a caught-up replica came from %s", got)
	}

	// A change on the primary the replica has not replayed: every read goes to the primary, the
	// tile at once (its check is in its own statement), the others after the watcher has heard.
	before, _ := versions.Stamp([]string{"districts"})
	if _, err := primary.Pool.Exec(ctx, "UPDATE districts SET name = '主库二', source = '主库二'"); err != nil {
		t.Fatal(err)
	}
	eventually("the watcher sees the change", func() bool {
		s, ok := versions.Stamp([]string{"districts"})
		return ok && s != before
	})
	if got := tileSays(); got != "主库二" {
		t.Errorf("tile with the replica behind came from %s, want the primary's new data", got)
	}
	if got := sources(); got != "主库二" {
		t.Errorf("sources with the replica behind: %q, want the primary's", got)
	}

	// Caught up again: back to the replica.
	catchUp()
	eventually("the caught-up replica is used again", func() bool { return sources() == "副本" })
	if got := tileSays(); got != "副本" {
		t.Errorf("tile after catching up came from %s", got)
	}
	if rr, pr := r.Reads(); rr < 3 || pr < 2 {
		t.Errorf("reads counted: replica %d, primary %d", rr, pr)
	}

	// The replica goes away: reads go on, from the primary, without an error.
	replica.Close()
	if got := tileSays(); got != "主库二" {
		t.Errorf("tile with the replica gone came from %s", got)
	}
	eventually("reads with the replica gone come from the primary", func() bool { return sources() == "主库二" })
}

// A replica that never answers (nothing listens on its port) costs nothing: reads come from the
// primary at once.
func TestReplicatedWithoutReplica(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	primary, _ := pgtest.New(t)
	if _, err := primary.Pool.Exec(ctx, `INSERT INTO districts (code, name, source, geom)
		VALUES ('1', 'd', 'here', ST_Multi(ST_MakeEnvelope(124.33, 43.15, 124.37, 43.18, 4326)))`); err != nil {
		t.Fatal(err)
	}
	gone, err := postgis.Open(ctx, "postgres://postgres@127.0.0.1:1/renewmap?sslmode=disable", postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer gone.Close()
	versions := &tiles.Versions{}
	go primary.WatchVersions(ctx, versions, slog.New(slog.DiscardHandler))
	r := postgis.NewReplicated(primary, gone, versions, postgis.ReplicaOptions{Poll: 20 * time.Millisecond})
	go r.Run(ctx)
	for range 5 {
		t0 := time.Now()
		s, err := r.Sources(ctx)
		if err != nil || len(s) != 1 || s[0] != "here" {
			t.Fatalf("sources: %v %v", s, err)
		}
		if d := time.Since(t0); d > time.Second {
			t.Errorf("a read took %s with the replica down", d)
		}
		time.Sleep(30 * time.Millisecond)
	}
}
