package msgcat

import (
	"regexp"
	"strings"
	"testing"

	"renewmap/internal/ingest"
)

// latinWord finds a word in Latin letters (snake_case included).
var latinWord = regexp.MustCompile(`\b[A-Za-z][A-Za-z_]+\b`)

// The problems of a GeoJSON file read by renewmap load (its structure, geometries and values) and
// of its check against the database (codes and references) are shown in Chinese, the parts they
// nest (a ring of a polygon, the range a value must be in) translated with them.
func TestDataProblemsTranslated(t *testing.T) {
	parse := `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"B1","community":"C1","number":"1号楼","floors":0,"units":2,"households":20,"floor_area":900},
 "geometry":{"type":"Polygon","coordinates":[[[124.33,43.15],[124.34,43.15],[124.34,43.16],[124.33,43.17]]]}},
{"type":"Feature","properties":{"code":"B2","community":"C1","number":"2号楼","floors":6,"units":2,"households":20,"floor_area":900},
 "geometry":{"type":"LineString","coordinates":[[124.33,43.15],[124.34,43.15]]}},
{"type":"Feature","properties":{"code":"B3","community":"C1","floors":6,"units":2,"households":20,"floor_area":900,"has_elevator":"有"},
 "geometry":{"type":"MultiPolygon","coordinates":[[[[124.33,43.15],[124.34,43.15],[124.34,43.16],[124.33,43.15]]],[[[224.33,43.15],[124.34,43.15],[124.34,43.16],[224.33,43.15]]]]}}]}`
	_, err := ingest.Parse([]ingest.File{{Name: "楼栋.geojson", Layer: "buildings", Data: []byte(parse)}})
	shown, ok := Messages.Text(err)
	wants := []string{"数据有 6 处问题", "楼栋.geojson 要素 0（编码“B1”，第 2 行）：属性“floors”应为 1 至 100 之间的整数，实际为 0",
		"几何图形环 0 未闭合（最后一个坐标点 [124.33 43.17] 与第一个 [124.33 43.15] 不同）", "几何图形应为面或多面，实际为 线", "缺少属性“number”（应为非空的文字）",
		"属性“has_elevator”应为“是”或“否”，实际为 \"有\"", "几何图形面 1 环 0 经度 224.33 超出 -180 至 180"}
	check(t, shown, ok, `floors|number|has_elevator`, wants...)

	ok2 := `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"B1","community":"C9","number":"1号楼","floors":6,"units":2,"households":20,"floor_area":900,"structure":"草房"},
 "geometry":{"type":"Polygon","coordinates":[[[124.33,43.15],[124.34,43.15],[124.34,43.16],[124.33,43.15]]]}}]}`
	b, err := ingest.Parse([]ingest.File{{Name: "楼栋.geojson", Layer: "buildings", Data: []byte(ok2)}})
	if err != nil {
		t.Fatal(err)
	}
	err = b.Check(ingest.Known{Enums: map[string][]string{"structure": {"brick", "frame"}}, Codes: map[string]map[string]bool{"communities": {"C1": true}}}, ingest.Replace{})
	shown, ok = Messages.Text(err)
	check(t, shown, ok, `community|structure|C9`, "属性“structure”的代码“草房”不在代码表中", "属性“community”引用的编码“C9”在数据库和本次导入中都不存在")
}

func check(t *testing.T, shown string, ok bool, own string, wants ...string) {
	t.Helper()
	if !ok {
		t.Fatal("no Chinese text")
	}
	if w := latinWord.FindAllString(regexp.MustCompile(`楼栋\.geojson|`+own).ReplaceAllString(shown, ""), -1); len(w) > 0 {
		t.Errorf("%q shows the Latin words %q", shown, w)
	}
	for _, want := range wants {
		if !strings.Contains(shown, want) {
			t.Errorf("%q lacks %q", shown, want)
		}
	}
}
