package foreign

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"renewmap/internal/ingest"
	"renewmap/internal/renew"
)

// Proposal is a first mapping for a source layer, from its field names and values, for a person
// to check and save.
type Proposal struct {
	Layer   *LayerInfo
	Samples map[string][]string // source field → up to three distinct values
	Mapping *Mapping
	Why     []renew.Text // one line per proposed entry: which field, and why
}

// hints are pieces of field names (Chinese and English, lower case) that suggest a property.
var hints = map[string][]string{
	"number":         {"楼号", "幢号", "栋号", "楼栋", "幢", "栋", "number", "bldg", "building_no"},
	"floors":         {"层数", "层", "floors", "storey", "levels"},
	"units":          {"单元", "units", "entrance"},
	"households":     {"户数", "户", "households", "dwelling"},
	"floor_area":     {"建筑面积", "面积", "floor_area", "area", "gfa"},
	"completed_year": {"建成", "竣工", "年代", "年份", "建造", "year", "built"},
	"structure":      {"结构", "structure"},
	"has_elevator":   {"电梯", "elevator", "lift"},
	"safety_grade":   {"安全", "鉴定", "safety"},
	"community":      {"所属小区", "小区", "community", "estate"},
	"name":           {"名称", "名字", "路名", "name"},
	"property_type":  {"产权", "property", "tenure", "ownership"},
	"management":     {"物业", "管理", "management"},
	"address":        {"地址", "位置", "address"},
	"subdistrict":    {"街道", "subdistrict"},
	"class":          {"等级", "道路类", "class", "highway"},
	"kind":           {"类型", "类别", "种类", "kind", "type", "amenity"},
	"surface":        {"路面", "surface"},
	"width_m":        {"路宽", "宽度", "width"},
	"capacity":       {"规模", "容量", "床位", "泊位", "capacity"},
	"diameter_mm":    {"管径", "diameter"},
	"material":       {"材质", "material"},
	"operator":       {"权属单位", "运营", "operator"},
	"laid_year":      {"敷设", "埋设", "laid"},
	"depth_m":        {"埋深", "depth"},
}

// codeHints suggest a field that identifies a feature.
var codeHints = []string{"编码", "编号", "代码", "标识码", "bsm", "code", "id", "fid", "uuid"}

// Propose reads up to 100 features of a source layer and proposes a mapping onto a renewmap layer
// (communities joined by name for a table without geometry).
func Propose(ctx context.Context, src *Source, layer string, cat *Catalog) (*Proposal, error) {
	info, err := src.Layer(layer)
	if err != nil {
		return nil, err
	}
	p := &Proposal{Layer: info, Samples: map[string][]string{}}
	values := map[string][]string{}
	errEnough := errors.New("enough")
	err = src.Read(ctx, info.Name, CRSPlan{}, func(r Record) error {
		if r.Index >= 100 {
			return errEnough
		}
		for _, f := range info.Fields {
			v := strings.TrimSpace(text(r.Props[f]))
			if v == "" {
				continue
			}
			values[f] = append(values[f], v)
			if len(p.Samples[f]) < 3 && !contains(p.Samples[f], v) {
				p.Samples[f] = append(p.Samples[f], v)
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, err
	}
	target := guessLayer(info, values)
	lay := ingest.LayerByName(target)
	m := &Mapping{Layer: target, Source: strings.TrimSuffix(filepath.Base(src.Name), filepath.Ext(src.Name)), Fields: map[string]FieldRule{}}
	if len(src.Layers) > 1 {
		m.SourceLayer = info.Name
	}
	used := map[string]bool{}
	a := applier{cat: cat}
	a.labels = map[string]map[string]string{}
	for vocab, codes := range cat.Labels {
		idx := map[string]string{}
		for code, label := range codes {
			idx[NormalizeName(code)], idx[NormalizeName(label)] = code, code
		}
		a.labels[vocab] = idx
	}
	names := map[string]bool{}
	for _, n := range cat.Names["communities"] {
		names[NormalizeName(n.Name)] = true
	}
	for _, fld := range lay.Fields[1:] {
		best, bestScore, why := "", 0, ""
		for _, f := range info.Fields {
			if used[f] {
				continue
			}
			score, reason := fieldScore(&fld, f, values[f], a.labels, names)
			if score > bestScore {
				best, bestScore, why = f, score, reason
			}
		}
		if best == "" {
			continue
		}
		used[best] = true
		rule := FieldRule{From: best}
		if fld.Kind == ingest.KindRef && ingest.LayerByName(fld.Ref).Field("name") != nil && !looksLikeCodes(values[best]) {
			rule.Match = "name"
		}
		m.Fields[fld.Name] = rule
		p.Why = append(p.Why, renew.T("%s ← %s (%s)", fld.Name, best, why))
	}
	if info.Geometry == "None" {
		field := ""
		if r, ok := m.Fields["name"]; ok {
			field = r.From
			delete(m.Fields, "name")
		}
		m.Join = &Join{By: "name", Field: field}
		p.Why = append(p.Why, renew.T("join: rows update existing %s matched by name (field %q); a table has no geometry", target, field))
	} else {
		for _, f := range info.Fields {
			if unique(values[f]) && hasHint(f, codeHints) {
				m.Code = strings.ToUpper(m.Source) + "-{" + f + "}"
				break
			}
		}
		if m.Code == "" {
			m.Code = strings.ToUpper(m.Source) + "-{?}"
			p.Why = append(p.Why, renew.T("code: no field identifies the features uniquely; write a template from fields that do"))
		}
	}
	p.Mapping = m
	return p, nil
}

// guessLayer picks the target layer from the geometry and the field names.
func guessLayer(info *LayerInfo, values map[string][]string) string {
	has := func(prop string) bool {
		for _, f := range info.Fields {
			if hasHint(f, hints[prop]) {
				return true
			}
		}
		return false
	}
	g := strings.ToLower(info.Geometry)
	switch {
	case g == "none":
		return "communities"
	case strings.Contains(g, "polygon"):
		if has("floors") || has("households") || has("number") || has("structure") {
			return "buildings"
		}
		return "communities"
	case strings.Contains(g, "line"):
		if has("diameter_mm") || has("material") {
			return "pipelines"
		}
		return "roads"
	case strings.Contains(g, "point"):
		return "facilities"
	}
	return "buildings" // a CAD drawing's mixed geometry: site plans are mostly buildings
}

// fieldScore rates a source field for a property: its values matching the property's labels,
// names or range weigh more than its name.
func fieldScore(fld *ingest.Field, name string, values []string, labels map[string]map[string]string, names map[string]bool) (int, string) {
	score, why := 0, ""
	if hasHint(name, hints[fld.Name]) {
		score, why = 2, "its name"
	}
	if len(values) == 0 {
		return score, why
	}
	hit := 0
	for _, v := range values {
		switch fld.Kind {
		case ingest.KindEnum:
			if _, ok := labels[fld.Enum][NormalizeName(v)]; ok {
				hit++
			}
		case ingest.KindRef:
			if fld.Ref == "communities" && names[NormalizeName(v)] {
				hit++
			}
		case ingest.KindInt:
			if n, ok := number(v); ok && fld.Name == "completed_year" && n >= 1900 && n <= 2100 {
				hit++
			}
		}
	}
	if hit*2 > len(values) {
		score += 3
		why = "its values"
		if score == 5 {
			why = "its name and values"
		}
	}
	if score > 0 && !valuesFit(fld, values) {
		return 0, ""
	}
	return score, why
}

// valuesFit rules out a field whose values cannot be the property's (text for a number).
func valuesFit(fld *ingest.Field, values []string) bool {
	if fld.Kind != ingest.KindInt && fld.Kind != ingest.KindNumber {
		return true
	}
	ok := 0
	for _, v := range values {
		if _, isNum := number(v); isNum {
			ok++
		}
	}
	return ok*2 >= len(values)
}

func hasHint(field string, hs []string) bool {
	f := strings.ToLower(field)
	for _, h := range hs {
		if strings.Contains(f, h) {
			return true
		}
	}
	return false
}

func unique(vs []string) bool {
	seen := map[string]bool{}
	for _, v := range vs {
		if seen[v] {
			return false
		}
		seen[v] = true
	}
	return len(vs) > 0
}

func looksLikeCodes(vs []string) bool {
	for _, v := range vs {
		for _, r := range v {
			if r > 0x2e80 { // CJK: a name
				return false
			}
		}
	}
	return len(vs) > 0
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// String renders the proposal for the terminal.
func (p *Proposal) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "layer %q: %s, %d features, CRS %s\n", p.Layer.Name, p.Layer.Geometry, p.Layer.Count, p.Layer.CRS)
	b.WriteString("fields (sample values):\n")
	for _, f := range p.Layer.Fields {
		fmt.Fprintf(&b, "  %-20s %s\n", f, strings.Join(p.Samples[f], " | "))
	}
	b.WriteString("proposed:\n")
	for _, w := range p.Why {
		fmt.Fprintf(&b, "  %s\n", w)
	}
	return b.String()
}
