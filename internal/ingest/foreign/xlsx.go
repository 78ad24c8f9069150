package foreign

import (
	"archive/zip"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"renewmap/internal/renew"
)

// table is one sheet of a workbook: its column names (merged header cells joined) and data rows.
type table struct {
	columns []string
	rows    []tableRow
}

type tableRow struct {
	row   int // the spreadsheet's row number, from 1
	cells []string
}

// openXLSX reads every sheet of a workbook as a table without geometry, within the limits.
func (s *Source) openXLSX(opt Options) error {
	zr, err := zip.OpenReader(s.path)
	if err != nil {
		return renew.Invalid("%s: not a readable .xlsx workbook", s.Name)
	}
	err = checkZip(&zr.Reader, s.Name, opt.Limits)
	zr.Close()
	if err != nil {
		return err
	}
	f, err := excelize.OpenFile(s.path, excelize.Options{UnzipSizeLimit: opt.Limits.Expanded, UnzipXMLSizeLimit: min(opt.Limits.Expanded, 64<<20)})
	if err != nil {
		return renew.Invalid("%s: not a readable .xlsx workbook (%v)", s.Name, err)
	}
	defer f.Close()
	s.tables = map[string]*table{}
	for _, sheet := range f.GetSheetList() {
		t, notes, err := readSheet(f, sheet, opt.HeaderRows)
		if err != nil {
			return renew.Invalid("%s: sheet %q: %v", s.Name, sheet, err)
		}
		if t == nil {
			continue
		}
		for _, n := range notes {
			s.Notes = append(s.Notes, renew.T("%s: sheet %q: %s", s.Name, sheet, n))
		}
		s.tables[sheet] = t
		s.Layers = append(s.Layers, LayerInfo{Name: sheet, Geometry: "None", Count: len(t.rows), Fields: t.columns})
	}
	if len(s.Layers) == 0 {
		return renew.Invalid("%s: every sheet is empty", s.Name)
	}
	return nil
}

// readSheet reads one sheet; nil for an empty sheet. headerRows 0 finds the header's height from
// the merged cells of its first row.
func readSheet(f *excelize.File, sheet string, headerRows int) (*table, []renew.Text, error) {
	rows, err := f.GetRows(sheet)
	if err != nil {
		return nil, nil, err
	}
	merged, err := f.GetMergeCells(sheet)
	if err != nil {
		return nil, nil, err
	}
	width := 0
	for _, r := range rows {
		width = max(width, len(r))
	}
	if width == 0 {
		return nil, nil, nil
	}
	grid := make([][]string, len(rows))
	for i, r := range rows {
		grid[i] = make([]string, width)
		for j, c := range r {
			grid[i][j] = cleanCell(c)
		}
	}
	type span struct{ r0, c0, r1, c1 int }
	var spans []span
	for _, m := range merged {
		c0, r0, err1 := excelize.CellNameToCoordinates(m.GetStartAxis())
		c1, r1, err2 := excelize.CellNameToCoordinates(m.GetEndAxis())
		if err1 != nil || err2 != nil {
			continue
		}
		sp := span{r0 - 1, c0 - 1, r1 - 1, c1 - 1}
		spans = append(spans, sp)
		v := cleanCell(m.GetCellValue())
		for r := sp.r0; r <= sp.r1 && r < len(grid); r++ {
			for c := sp.c0; c <= sp.c1 && c < width; c++ {
				grid[r][c] = v
			}
		}
	}
	// The header starts at the first row with two different values (a title row spans them all).
	start := -1
	for i, r := range grid {
		seen := map[string]bool{}
		for _, c := range r {
			if c != "" {
				seen[c] = true
			}
		}
		if len(seen) >= 2 {
			start = i
			break
		}
	}
	if start < 0 {
		return nil, nil, nil
	}
	if headerRows <= 0 {
		headerRows = 1
		for _, sp := range spans {
			if sp.r0 != start {
				continue
			}
			headerRows = max(headerRows, sp.r1-sp.r0+1)
			if sp.c1 > sp.c0 {
				headerRows = max(headerRows, 2) // a group heading over sub-headings
			}
		}
	}
	t := &table{columns: make([]string, width)}
	used := map[string]int{}
	for c := 0; c < width; c++ {
		var parts []string
		for r := start; r < start+headerRows && r < len(grid); r++ {
			v := strings.ReplaceAll(grid[r][c], " ", "") // headers wrap: "建成\n年代"
			if v != "" && (len(parts) == 0 || parts[len(parts)-1] != v) {
				parts = append(parts, v)
			}
		}
		name := strings.Join(parts, "/")
		if name == "" {
			name = fmt.Sprintf("column %d", c+1)
		}
		if n := used[name]; n > 0 {
			name = fmt.Sprintf("%s (%d)", name, n+1)
		}
		used[name]++
		t.columns[c] = name
	}
	var notes []renew.Text
	for r := start + headerRows; r < len(grid); r++ {
		empty, total := true, false
		for _, c := range grid[r] {
			if c != "" {
				empty = false
			}
			if isTotal(c) {
				total = true
			}
		}
		switch {
		case empty:
			continue
		case total:
			notes = append(notes, renew.T("row %d: a total row (合计), skipped", r+1))
			continue
		}
		t.rows = append(t.rows, tableRow{row: r + 1, cells: grid[r]})
	}
	return t, notes, nil
}

// cleanCell trims a cell and joins its lines with single spaces.
func cleanCell(s string) string { return strings.Join(strings.Fields(s), " ") }

// isTotal recognises the label of a total row: 合计, 总计, 小计 (with any spaces), 合计：…
func isTotal(s string) bool {
	s = strings.Join(strings.Fields(s), "")
	for _, w := range []string{"合计", "总计", "小计", "共计"} {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}

// read passes every data row to fn.
func (t *table) read(fn func(Record) error) error {
	for i, r := range t.rows {
		props := make(map[string]any, len(t.columns))
		for c, v := range r.cells {
			if v != "" {
				props[t.columns[c]] = v
			}
		}
		if err := fn(Record{Index: i, Where: renew.T("row %d", r.row), Props: props}); err != nil {
			return err
		}
	}
	return nil
}
