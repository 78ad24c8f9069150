package ingest

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"renewmap/internal/renew"
)

// A pipeline survey (物探, CJJ 61) comes as two tables: 管点 (survey points: id, projected X/Y,
// ground elevation, depth of the pipe there) and 管线 (segments joining two point ids, with the
// pipe's attributes). ParseSurvey joins them into 3D segments: the elevation of each end is the
// ground elevation less the depth, which a survey measures to the pipe top for pressure pipes and
// to the invert for gravity drains, so it is the elevation CJJ 61 records for either.

// SurveyPipe is one surveyed segment: its code, its two ends (X, Y in the survey's projected
// system, Z the elevation) and its attributes as written (codes or Chinese labels).
type SurveyPipe struct {
	Code       string
	Ends       [2][3]float64
	Kind       string
	Material   string
	Condition  string
	Operator   string
	DiameterMM int // 0 when not given
	LaidYear   int
}

// Column names of the two tables: the Chinese heading or its English alias.
var (
	pointColumns = [][2]string{{"点号", "id"}, {"X", "x"}, {"Y", "y"}, {"地面高程", "ground"}, {"埋深", "depth"}}
	lineColumns  = [][2]string{{"编码", "code"}, {"起点", "from"}, {"终点", "to"}, {"类型", "kind"}, {"材质", "material"},
		{"管径", "diameter_mm"}, {"敷设年份", "laid_year"}, {"状况", "condition"}, {"权属单位", "operator"}}
)

// maxSurveyProblems caps the problems reported at once.
const maxSurveyProblems = 20

type surveyPoint struct{ x, y, z float64 }

// ParseSurvey reads the points and lines tables (CSV, UTF-8, a byte order mark allowed, the first
// row the headings) and returns the segments. renew.ErrInvalid lists what is wrong, row by row:
// a missing column, a bad number, a depth outside 0–30 m, a duplicate point or code, a segment
// naming an unknown point or joining a point to itself.
func ParseSurvey(points, lines []byte) ([]SurveyPipe, error) {
	var problems []string
	add := func(format string, args ...any) {
		if len(problems) < maxSurveyProblems {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	pts := map[string]surveyPoint{}
	readTable("管点", points, pointColumns, add, func(row int, v []string) {
		var p surveyPoint
		var depth, ground float64
		ok := surveyNumber(&p.x, v[1], "X", row, "管点", add) && surveyNumber(&p.y, v[2], "Y", row, "管点", add) &&
			surveyNumber(&ground, v[3], "地面高程", row, "管点", add) && surveyNumber(&depth, v[4], "埋深", row, "管点", add)
		switch {
		case !ok:
		case v[0] == "":
			add("管点 第 %d 行：点号为空", row)
		case depth < 0 || depth > 30:
			add("管点 第 %d 行：埋深 %v 米不在 0–30 之间", row, depth)
		case ground < minElevation || ground > maxElevation:
			add("管点 第 %d 行：地面高程 %v 米不在 %d–%d 之间（1985国家高程基准）", row, ground, minElevation, maxElevation)
		default:
			if _, dup := pts[v[0]]; dup {
				add("管点 第 %d 行：点号 %q 重复", row, v[0])
			}
			p.z = math.Round((ground-depth)*1000) / 1000
			pts[v[0]] = p
		}
	})
	var out []SurveyPipe
	codes := map[string]bool{}
	readTable("管线", lines, lineColumns, add, func(row int, v []string) {
		s := SurveyPipe{Code: v[0], Kind: v[3], Material: v[4], Condition: v[7], Operator: v[8]}
		if v[5] != "" {
			n, err := strconv.Atoi(v[5])
			if err != nil {
				add("管线 第 %d 行：管径 %q 不是整数（毫米）", row, v[5])
			}
			s.DiameterMM = n
		}
		n, err := strconv.Atoi(v[6])
		if err != nil {
			add("管线 第 %d 行：敷设年份 %q 不是整数", row, v[6])
		}
		s.LaidYear = n
		switch {
		case s.Code == "":
			add("管线 第 %d 行：编码为空", row)
		case codes[s.Code]:
			add("管线 第 %d 行：编码 %q 重复", row, s.Code)
		case v[1] == v[2]:
			add("管线 第 %d 行：起点与终点相同（%q）", row, v[1])
		}
		codes[s.Code] = true
		for i, id := range []string{v[1], v[2]} {
			p, ok := pts[id]
			if !ok {
				add("管线 第 %d 行：点号 %q 不在管点表中", row, id)
				continue
			}
			s.Ends[i] = [3]float64{p.x, p.y, p.z}
		}
		out = append(out, s)
	})
	if len(problems) > 0 {
		return nil, renew.Invalid("物探成果表有误 (survey tables invalid):\n%s", strings.Join(problems, "\n"))
	}
	if len(out) == 0 {
		return nil, renew.Invalid("管线表没有数据 (no segments in the lines table)")
	}
	return out, nil
}

// readTable reads a CSV table whose headings include every column (Chinese or English), and
// calls row with each data row's values in the columns' order (1-based row numbers, the heading
// being row 1).
func readTable(name string, data []byte, cols [][2]string, add func(string, ...any), row func(int, []string)) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		add("%s表：读不出表头（应为 CSV，UTF-8）", name)
		return
	}
	idx := make([]int, len(cols))
	for i, c := range cols {
		idx[i] = -1
		for j, h := range head {
			h = strings.TrimSpace(h)
			if h == c[0] || strings.EqualFold(h, c[1]) {
				idx[i] = j
			}
		}
		if idx[i] < 0 {
			add("%s表：缺少列 %s（%s）", name, c[0], c[1])
		}
	}
	if slices.Contains(idx, -1) {
		return
	}
	for n := 2; ; n++ {
		rec, err := r.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			add("%s 第 %d 行：CSV 格式错误", name, n)
			return
		}
		v := make([]string, len(cols))
		for i, j := range idx {
			if j < len(rec) {
				v[i] = strings.TrimSpace(rec[j])
			}
		}
		row(n, v)
	}
}

// surveyNumber parses a finite number into f, or reports the row.
func surveyNumber(f *float64, v, col string, row int, table string, add func(string, ...any)) bool {
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
		add("%s 第 %d 行：%s %q 不是数字", table, row, col, v)
		return false
	}
	*f = n
	return true
}
