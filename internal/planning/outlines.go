package planning

import (
	"encoding/csv"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"renewmap/internal/renew"
)

// ListedCommunity is a row of an office's list of old communities: usually a spreadsheet of
// names and addresses with no boundaries.
type ListedCommunity struct {
	Row     int    `json:"row"` // the line in the file, from 2 (1 is the header)
	Name    string `json:"name"`
	Address string `json:"address,omitempty"`
	Year    int    `json:"year,omitempty"` // completed year; 0 when the list does not say
}

// OutlineClues is what a proposed outline offers to match a row: the names of the streets around
// it and of the facilities inside it (a 物业服务中心 or a shop often carries the community's name).
type OutlineClues struct {
	Streets []string
	Names   []string
}

// maxListRows bounds a community list.
const maxListRows = 100000

// ParseCommunityList reads a CSV list of communities (UTF-8, an optional BOM) whose header names
// the columns: 名称/小区名称/name (required), 地址/address, 建成年份/year. renew.ErrInvalid with a
// Chinese message naming the line for anything else.
func ParseCommunityList(r io.Reader) ([]ListedCommunity, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	header, err := cr.Read()
	if err != nil {
		return nil, renew.Invalid("小区名单：无法读取表头（第 1 行）")
	}
	list, err := NewCommunityList(header)
	if err != nil {
		return nil, err
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			return nil, renew.Invalid("小区名单第 %d 行：不是合法的 CSV", perr.Line)
		}
		if err != nil {
			return nil, renew.Invalid("小区名单：无法读取")
		}
		line, _ := cr.FieldPos(0) // blank lines are skipped, so count by the reader
		if err := list.Add(line, rec); err != nil {
			return nil, err
		}
	}
	return list.Rows, nil
}

// CommunityList gathers the rows of a community list read from a CSV file or a spreadsheet.
type CommunityList struct {
	col  map[string]int
	Rows []ListedCommunity
}

// NewCommunityList finds the columns in a list's header: 名称/小区名称/小区/name (required),
// 地址/address, 建成年份/建成年代/year (a merged header's last part names the column).
func NewCommunityList(header []string) (*CommunityList, error) {
	col := map[string]int{"name": -1, "address": -1, "year": -1}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		// A spreadsheet's merged header names a column by its parts: 基本情况/地址.
		h = h[strings.LastIndex(h, "/")+1:]
		switch strings.ToLower(h) {
		case "名称", "小区名称", "小区", "name":
			col["name"] = i
		case "地址", "address":
			col["address"] = i
		case "建成年份", "建成年代", "year":
			col["year"] = i
		}
	}
	if col["name"] < 0 {
		return nil, renew.Invalid("小区名单：表头须有“名称”（或 小区名称、name）一列")
	}
	return &CommunityList{col: col}, nil
}

// Add reads the row at line (the file's line or the sheet's row): a row without a name is skipped.
func (l *CommunityList) Add(line int, rec []string) error {
	cell := func(key string) string {
		if i := l.col[key]; i >= 0 && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	if len(l.Rows) >= maxListRows {
		return renew.Invalid("小区名单：超过 %d 行", maxListRows)
	}
	row := ListedCommunity{Row: line, Name: cell("name"), Address: cell("address")}
	if row.Name == "" {
		return nil // a blank line
	}
	if !utf8.ValidString(row.Name) || !utf8.ValidString(row.Address) || utf8.RuneCountInString(row.Name) > 100 {
		return renew.Invalid("小区名单第 %d 行：名称须为不超过 100 字的 UTF-8 文本", line)
	}
	if y := cell("year"); y != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(y, "年"))
		if err != nil || n < 1900 || n > 2100 {
			return renew.Invalid("小区名单第 %d 行：建成年份 %q 应为 1900–2100 的整数", line, y)
		}
		row.Year = n
	}
	l.Rows = append(l.Rows, row)
	return nil
}

// MatchOutlines pairs the rows of a community list with proposed outlines and returns, per row,
// the index of its outline or -1. A row scores 2 with an outline one of whose facility names
// contains the row's name, and 1 for each street around the outline that its address names. A
// row goes to its best outline only when that best is unique; pairs are made from the highest
// score down, each outline and row used once, ties broken by row, then outline order.
func MatchOutlines(outlines []OutlineClues, rows []ListedCommunity) []int {
	type pair struct{ row, outline, score int }
	var pairs []pair
	for r, row := range rows {
		best, count, at := 0, 0, -1
		for o, c := range outlines {
			s := score(c, row)
			switch {
			case s > best:
				best, count, at = s, 1, o
			case s == best && s > 0:
				count++
			}
		}
		if best > 0 && count == 1 {
			pairs = append(pairs, pair{r, at, best})
		}
	}
	sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].score > pairs[j].score })
	out := make([]int, len(rows))
	for i := range out {
		out[i] = -1
	}
	taken := make([]bool, len(outlines))
	for _, p := range pairs {
		if !taken[p.outline] {
			taken[p.outline] = true
			out[p.row] = p.outline
		}
	}
	return out
}

func score(c OutlineClues, row ListedCommunity) int {
	s := 0
	if utf8.RuneCountInString(row.Name) >= 2 {
		for _, n := range c.Names {
			if strings.Contains(n, row.Name) {
				s += 2
				break
			}
		}
	}
	if row.Address != "" {
		for _, st := range c.Streets {
			if utf8.RuneCountInString(st) >= 2 && strings.Contains(row.Address, st) {
				s++
			}
		}
	}
	return s
}

// OutlineOptions tune the store's ProposeOutlines. The zero value is the default.
type OutlineOptions struct {
	// MinArea and MaxArea bound a proposal's area in m² (0: 2,000 and 400,000): smaller blocks
	// are traffic islands, larger ones parks, campuses or unbuilt land.
	MinArea, MaxArea float64
	// Inset shrinks a block from the street centre lines to the kerb, in metres (0: 6).
	Inset float64
}

// WithDefaults fills in the zero fields.
func (o OutlineOptions) WithDefaults() OutlineOptions {
	if o.MinArea <= 0 {
		o.MinArea = 2000
	}
	if o.MaxArea <= 0 {
		o.MaxArea = 400000
	}
	if o.Inset <= 0 {
		o.Inset = 6
	}
	return o
}

// Outline is a proposed (provisional) community outline: a street block no community covers,
// with the clues to whose it is.
type Outline struct {
	Origin      string           `json:"origin"` // "block": the street network polygonised
	Geometry    orb.MultiPolygon `json:"-"`
	AreaM2      float64          `json:"area_m2"`
	Subdistrict string           `json:"subdistrict"` // the code of the 街道 it lies in; "" when none
	Streets     []string         `json:"streets"`     // names of the streets around it
	Names       []string         `json:"names"`       // names of the facilities inside it
	Year        *int             `json:"year"`        // median completed year of the buildings inside, if any
	// Name and Address come from a matched row of the community list (MatchOutlines).
	Name    string `json:"name,omitempty"`
	Address string `json:"address,omitempty"`
}
