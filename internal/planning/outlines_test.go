package planning

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"renewmap/internal/renew"
)

func TestParseCommunityList(t *testing.T) {
	rows, err := ParseCommunityList(strings.NewReader("\ufeff小区名称,地址,建成年份\n铁路小区,四平市铁西区英雄街12号,1987年\n\n胜利小区,,\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []ListedCommunity{{Row: 2, Name: "铁路小区", Address: "四平市铁西区英雄街12号", Year: 1987}, {Row: 4, Name: "胜利小区"}}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows = %+v", rows)
	}
	for _, bad := range []string{"", "地址\n英雄街1号\n", "名称,建成年份\n铁路小区,87\n"} {
		if _, err := ParseCommunityList(strings.NewReader(bad)); !errors.Is(err, renew.ErrInvalid) || !utf8.ValidString(err.Error()) {
			t.Errorf("%q: err = %v, want ErrInvalid", bad, err)
		}
	}
}

// A name found among the facilities inside an outline beats a street in the address; a row whose
// best outline is not unique stays unmatched, as does a row nothing points to.
func TestMatchOutlines(t *testing.T) {
	outlines := []OutlineClues{
		{Streets: []string{"英雄街", "南环路"}, Names: []string{"铁路小区物业服务中心"}},
		{Streets: []string{"英雄街", "北环路"}},
		{Streets: []string{"英雄街", "中央路"}},
		{Streets: []string{"北环路", "中央路"}, Names: []string{"胜利便利店"}},
	}
	rows := []ListedCommunity{
		{Name: "铁路小区", Address: "英雄街12号"},    // facility name: outline 0
		{Name: "机械厂家属楼", Address: "英雄街北环路口"}, // streets 英雄街 + 北环路: outline 1 (2 points), unique
		{Name: "红旗小区", Address: "英雄街"},       // 英雄街 borders 0, 1 and 2: ambiguous
		{Name: "无名小区", Address: "不存在路"},      // nothing
		{Name: "胜利", Address: "中央路"},         // facility name (2) + 中央路 (1): outline 3
	}
	got := MatchOutlines(outlines, rows)
	if want := []int{0, 1, -1, -1, 3}; !reflect.DeepEqual(got, want) {
		t.Errorf("matches = %v, want %v", got, want)
	}
}

func FuzzParseCommunityList(f *testing.F) {
	for _, s := range []string{"名称,地址\n甲,乙\n", "name,year\nA,1990\n", "\"名称\n", "名称\n\"a\"\"b\n", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rows, err := ParseCommunityList(strings.NewReader(s))
		if err != nil {
			if !errors.Is(err, renew.ErrInvalid) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		for _, r := range rows {
			if r.Name == "" || (r.Year != 0 && (r.Year < 1900 || r.Year > 2100)) {
				t.Fatalf("%q → %+v", s, r)
			}
		}
	})
}
