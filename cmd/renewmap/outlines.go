package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"renewmap/internal/ingest/foreign"
	"renewmap/internal/planning"
	"renewmap/internal/renew"
)

// outlines proposes community outlines where none exist (street blocks no community covers),
// matches them to the rows of a community list, and with -save stores them as provisional (待核实)
// communities for planners to confirm or redraw on the map.
func outlines(ctx context.Context, args []string, e *env) error {
	var opt planning.OutlineOptions
	var list string
	var save bool
	db, rest, err := openMigrated(ctx, "outlines", args, e, func(fs *flag.FlagSet) {
		fs.StringVar(&list, "list", "", "a list of communities, CSV or .xlsx (columns 名称, 地址, 建成年份), to match by name and address")
		fs.BoolVar(&save, "save", false, "store the proposals as provisional (待核实) communities")
		fs.Float64Var(&opt.MinArea, "min-area", 0, "smallest block in m² (default 2000)")
		fs.Float64Var(&opt.MaxArea, "max-area", 0, "largest block in m² (default 400000)")
		fs.Float64Var(&opt.Inset, "inset", 0, "metres from the street centre line to the outline (default 6)")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if len(rest) > 0 {
		return fmt.Errorf("outlines: unexpected argument %q", rest[0])
	}
	var rows []planning.ListedCommunity
	if list != "" {
		if rows, err = readCommunityList(ctx, list); err != nil {
			return err
		}
	}
	props, err := db.ProposeOutlines(ctx, opt)
	if err != nil {
		return err
	}
	clues := make([]planning.OutlineClues, len(props))
	for i, o := range props {
		clues[i] = planning.OutlineClues{Streets: o.Streets, Names: o.Names}
	}
	matched := planning.MatchOutlines(clues, rows)
	var unmatched []planning.ListedCommunity
	for r, o := range matched {
		if o < 0 {
			unmatched = append(unmatched, rows[r])
			continue
		}
		props[o].Name, props[o].Address = rows[r].Name, rows[r].Address
		if rows[r].Year != 0 {
			y := rows[r].Year
			props[o].Year = &y
		}
	}
	for i, o := range props {
		year := "年份未知"
		if o.Year != nil {
			year = fmt.Sprintf("%d年", *o.Year)
		}
		fmt.Fprintf(e.stdout, "%3d  %8.0f m²  %-8s %s  街道 %s  四周：%s  名单：%s\n", i+1, o.AreaM2, year,
			fmt.Sprintf("(%.5f, %.5f)", o.Geometry.Bound().Center()[0], o.Geometry.Bound().Center()[1]),
			o.Subdistrict, strings.Join(o.Streets, "、"), o.Name)
	}
	fmt.Fprintf(e.stdout, "%d 个街区可作为待核实的小区轮廓；名单 %d 行，匹配 %d 行\n", len(props), len(rows), len(rows)-len(unmatched))
	for _, r := range unmatched {
		fmt.Fprintf(e.stdout, "未匹配：第 %d 行 %s %s\n", r.Row, r.Name, r.Address)
	}
	if !save {
		return nil
	}
	saved, skipped, err := db.SaveOutlines(ctx, props, renew.AuditEntry{Actor: "renewmap outlines"})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已保存 %d 个待核实小区（%s）；%d 个未保存：没有建成年份（街区内无楼栋、名单未匹配）或不在任何街道内\n",
		len(saved), strings.Join(saved, ", "), len(skipped))
	return nil
}

// readCommunityList reads the list of communities at path: a CSV file (planning.ParseCommunityList)
// or the first sheet of an .xlsx workbook, read as the import reads one (merged header cells,
// 合计 rows skipped).
func readCommunityList(ctx context.Context, path string) ([]planning.ListedCommunity, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, renew.NotFound("%s: 无法打开 (%v)", path, err)
	}
	defer f.Close()
	magic := make([]byte, 4)
	if n, _ := io.ReadFull(f, magic); n < 4 || string(magic) != "PK\x03\x04" {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		return planning.ParseCommunityList(f)
	}
	src, err := foreign.Open(ctx, path, filepath.Base(path), foreign.Options{})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if src.Format != foreign.XLSX || len(src.Layers) == 0 {
		return nil, renew.Invalid("%s: 小区名单须为 CSV 或 .xlsx 工作簿", path)
	}
	sheet := src.Layers[0]
	list, err := planning.NewCommunityList(sheet.Fields)
	if err != nil {
		return nil, err
	}
	err = src.Read(ctx, sheet.Name, foreign.CRSPlan{}, func(r foreign.Record) error {
		cells := make([]string, len(sheet.Fields))
		for i, name := range sheet.Fields {
			if v, ok := r.Props[name]; ok {
				cells[i] = fmt.Sprint(v)
			}
		}
		var row int
		fmt.Sscanf(r.Where.String(), "row %d", &row)
		return list.Add(row, cells)
	})
	return list.Rows, err
}
