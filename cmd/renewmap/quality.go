package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"renewmap/internal/access"
	"renewmap/internal/postgis"
	"renewmap/internal/topology"
)

// isolationReasons are the Chinese words for access.Isolated.Reason.
var isolationReasons = map[string]string{
	access.IsolatedUnreachable: "内部路网未接入城市道路",
	access.IsolatedNoPaths:     "没有内部道路",
}

// quality prints the data-quality report (docs/topology.md): what in the data makes the
// analyses wrong or unsure.
func quality(ctx context.Context, args []string, e *env) error {
	var asJSON bool
	var topo func() topology.Options
	db, _, err := openMigrated(ctx, "quality", args, e, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the report as JSON (as GET /api/v1/quality)")
		topo = topologyFlags(fs)
	})
	if err != nil {
		return err
	}
	defer db.Close()
	h := access.NewHolder(db, db, access.HolderOptions{Log: newLogger(io.Discard, 0)})
	eng, err := h.Refresh(ctx)
	if err != nil {
		return err
	}
	opt := topo()
	q, err := db.Quality(ctx, eng, opt)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(q)
	}
	dangle := opt.Dangle
	if dangle <= 0 {
		dangle = topology.DefaultDangle
	}
	writeQuality(e.stdout, q, dangle)
	return nil
}

func writeQuality(w io.Writer, q access.Quality, dangle float64) {
	fmt.Fprintf(w, "数据质量报告（步行网络 v%d）\n\n", q.Version)
	fmt.Fprintf(w, "孤立小区 %d 个\n", len(q.Isolated))
	for _, c := range q.Isolated {
		fmt.Fprintf(w, "  %s %s：%s，%d 栋楼、%d 户受影响\n", c.Code, c.Name, isolationReasons[c.Reason], c.Buildings, c.Households)
	}
	fmt.Fprintf(w, "\n断头路（距其他道路 %g 米内而未相接）%d 处\n", dangle, len(q.Dangles))
	for _, d := range q.Dangles {
		fmt.Fprintf(w, "  道路 %s 的端点距道路 %s %.2f 米（%.7f, %.7f）\n", d.Road, d.Near, d.Distance, d.End[0], d.End[1])
	}
	if len(q.Dangles) > 0 {
		fmt.Fprintln(w, "  重新导入时加 -snap-dangles 可将其接上")
	}
	fmt.Fprintf(w, "\n无路可接的楼栋和设施 %d 个；离步行道路超过 %d 米的 %d 个\n", q.Unsnapped, postgis.FarFromNetwork, q.FarCount)
	for _, f := range q.Far {
		dist := "附近没有步行道路"
		if f.Distance != nil {
			dist = fmt.Sprintf("%.0f 米", *f.Distance)
		}
		layer := "楼栋"
		if f.Layer == "facilities" {
			layer = "设施"
		}
		fmt.Fprintf(w, "  %s %s %s：%s\n", layer, f.Code, f.Name, dist)
	}
	fmt.Fprintln(w, "\n未知/待核实的属性")
	for _, u := range q.Unknown {
		fmt.Fprintf(w, "  %s：%d / %d 未知", u.Label, u.Unknown, u.Rows)
		if u.Placeholder > 0 {
			fmt.Fprintf(w, "，%d 仍为占位值 1900", u.Placeholder)
		}
		fmt.Fprintln(w)
	}
	layers := map[string]string{"communities": "小区", "buildings": "楼栋"}
	fmt.Fprintf(w, "\n建成年份未知的小区和楼栋 %d 个\n", q.UnknownYearCount)
	for _, f := range q.UnknownYear {
		fmt.Fprintf(w, "  %s %s %s\n", layers[f.Layer], f.Code, f.Name)
	}
	fmt.Fprintf(w, "\n待核实（推测）的小区轮廓 %d 个\n", len(q.Provisional))
	for _, f := range q.Provisional {
		fmt.Fprintf(w, "  %s %s\n", f.Code, f.Name)
	}
	fmt.Fprintf(w, "\n无数据的设施类型 %d 种（不计为配套缺口）\n", len(q.NoData))
	for _, k := range q.NoData {
		fmt.Fprintf(w, "  %s %s\n", k.Code, k.Name)
	}
}
