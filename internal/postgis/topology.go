package postgis

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"renewmap/internal/topology"
)

// ApplyTopology checks the walk network stored in tx (the walkable roads, public and internal)
// with topology.Check and writes back the lines it changed: merged vertices, ends joined to the
// line they lie on, and with opt.SnapDangles the dangles joined. Every importer calls it inside
// its transaction, after writing its rows. It returns renew.ErrUnavailable when the database
// cannot be reached.
func ApplyTopology(ctx context.Context, tx pgx.Tx, opt topology.Options) (topology.Report, error) {
	rep, err := checkTopology(ctx, tx, opt)
	if err != nil || len(rep.Changed) == 0 {
		return rep, err
	}
	ids := make([]int64, len(rep.Changed))
	geoms := make([][]byte, len(rep.Changed))
	for i, l := range rep.Changed {
		ids[i] = l.ID
		if geoms[i], err = wkb.Marshal(l.Line); err != nil {
			return rep, fmt.Errorf("topology: encode road %s: %w", l.Code, err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE roads r SET geom = ST_GeomFromWKB(u.wkb, 4326)
		FROM unnest($1::int[], $2::bytea[]) AS u(id, wkb) WHERE r.id = u.id`, ids, geoms); err != nil {
		return rep, mapError(err, "topology: update roads")
	}
	return rep, nil
}

// Topology reports the stored walk network's topology as ApplyTopology would find it, changing
// nothing (the data-quality report). It returns renew.ErrUnavailable when the database cannot be
// reached.
func (db *DB) Topology(ctx context.Context, opt topology.Options) (topology.Report, error) {
	tx, err := db.Pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return topology.Report{}, mapError(err, "topology: begin")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	opt.SnapDangles = false
	return checkTopology(ctx, tx, opt)
}

func checkTopology(ctx context.Context, tx pgx.Tx, opt topology.Options) (topology.Report, error) {
	rows, err := tx.Query(ctx, `SELECT id, code, ST_AsBinary(geom) FROM roads WHERE walkable ORDER BY id`)
	if err != nil {
		return topology.Report{}, mapError(err, "topology: read roads")
	}
	var lines []topology.Line
	var id int64
	var code string
	var b []byte
	_, err = pgx.ForEachRow(rows, []any{&id, &code, &b}, func() error {
		g, err := wkb.Unmarshal(b)
		if err != nil {
			return fmt.Errorf("road %s: %w", code, err)
		}
		ls, ok := g.(orb.LineString)
		if !ok {
			return fmt.Errorf("road %s: a %s, not a line", code, g.GeoJSONType())
		}
		lines = append(lines, topology.Line{ID: id, Code: code, Line: ls})
		return nil
	})
	if err != nil {
		return topology.Report{}, mapError(err, "topology: read roads")
	}
	return topology.Check(lines, opt), nil
}

// maxListedDangles bounds the dangles an import report lists; `renewmap quality` lists them all.
const maxListedDangles = 20

func writeTopology(b *strings.Builder, r topology.Report) {
	joined := 0
	for _, d := range r.Dangles {
		if d.Joined {
			joined++
		}
	}
	fmt.Fprintf(b, "walk network: %d roads checked, %d vertices merged, %d ends joined to the road they lie on, %d dangles", r.Lines, r.Merged, r.Joined, len(r.Dangles))
	if joined > 0 {
		fmt.Fprintf(b, " (%d joined)", joined)
	} else if len(r.Dangles) > 0 {
		b.WriteString(" (join them with -snap-dangles)")
	}
	b.WriteString("\n")
	for i, d := range r.Dangles {
		if i == maxListedDangles {
			fmt.Fprintf(b, "  … and %d more (renewmap quality lists them all)\n", len(r.Dangles)-i)
			break
		}
		state := "not joined"
		if d.Joined {
			state = "joined"
		}
		fmt.Fprintf(b, "  dangle: road %s ends %.2f m from road %s at %.7f,%.7f (%s)\n", d.Road, d.Distance, d.Near, d.End[0], d.End[1], state)
	}
}
