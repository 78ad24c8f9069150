package foreign

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"renewmap/internal/ingest"
	"renewmap/internal/msgcat"
	"renewmap/internal/planning"
	"renewmap/internal/renew"
)

// Street is a road that separates clusters of buildings and names the streets around them.
type Street struct {
	Name string
	Line orb.LineString // longitude, latitude
}

// Place is a 街道 (subdistrict) a provisional community may lie in.
type Place struct {
	Code string
	Area orb.MultiPolygon // longitude, latitude
}

// GatherOptions are what Gather knows of the ground around the buildings.
type GatherOptions struct {
	Streets      []Street
	Subdistricts []Place
	List         []planning.ListedCommunity // the office's list of communities, to name them
	// Inside holds, per building of Result.Loose, the code of the stored community whose outline
	// holds it ("" for none): a building that names no community joins it instead of a cluster.
	Inside []string
}

// Gathered is what Gather made: the provisional communities (a file of the communities layer),
// the list rows no community matched, and the buildings left out.
type Gathered struct {
	File        ingest.File
	Communities []planning.Provisional
	Unmatched   []planning.ListedCommunity
	Left        []any // buildings alone or in groups of fewer than planning.ClusterMin (renew.Text)
	Outside     []any // buildings whose cluster lies in no 街道 (renew.Text)
	Attached    int   // buildings naming no community that joined the stored one holding them
}

// Codes are the codes of the provisional communities.
func (g *Gathered) Codes() []string {
	out := make([]string, len(g.Communities))
	for i, c := range g.Communities {
		out[i] = c.Code
	}
	return out
}

// Notes describe, in Chinese, what was gathered and what was left out.
func (g *Gathered) Notes() []string {
	var out []string
	n := 0
	for _, c := range g.Communities {
		n += c.Buildings
	}
	out = append(out, fmt.Sprintf("%d 个待核实小区（聚类生成，编码 pv-…）收纳 %d 栋没有所属小区的楼；请在地图上核实或重画轮廓", len(g.Communities), n))
	for _, c := range g.Communities {
		out = append(out, "待核实："+c.String())
	}
	for _, r := range g.Unmatched {
		out = append(out, fmt.Sprintf("未匹配：名单第 %d 行 %s %s", r.Row, r.Name, r.Address))
	}
	if g.Attached > 0 {
		out = append(out, fmt.Sprintf("%d 栋未写所属小区的楼位于已有小区轮廓内，归入该小区", g.Attached))
	}
	if len(g.Left) > 0 {
		out = append(out, fmt.Sprintf("%d 栋楼未导入：孤立或不足 %d 栋成群（%s）", len(g.Left), planning.ClusterMin, msgcat.Messages.Phrase(renew.List(g.Left[:min(5, len(g.Left))]...))))
	}
	if len(g.Outside) > 0 {
		out = append(out, fmt.Sprintf("%d 栋楼未导入：所在的聚类不在任何街道内（%s）", len(g.Outside), msgcat.Messages.Phrase(renew.List(g.Outside[:min(5, len(g.Outside))]...))))
	}
	return out
}

// Gather clusters res.Loose (planning.ClusterBuildings; the streets are barriers) into
// provisional communities, named from the list where a row matches (a building's own community
// name counts as a name inside), else 待核实小区 with the streets around; each lies in the 街道
// holding its middle, completed in the median year of its buildings (or the list's year), of
// mixed property and no management. The clustered buildings join res.File with their community's
// code, pv- and the first building's code (stable across re-imports). A building that names no
// community and lies in a stored community's outline (opt.Inside) joins that community instead.
func Gather(res *Result, opt GatherOptions) (*Gathered, error) {
	g := &Gathered{File: ingest.File{Name: strings.TrimSuffix(res.File.Name, ")") + ", 待核实小区)", Layer: "communities"}}
	if len(res.Loose) == 0 {
		return g, nil
	}
	var box orb.Bound
	for i, l := range res.Loose {
		if i == 0 {
			box = l.Feature.Geometry.Bound()
		} else {
			box = box.Union(l.Feature.Geometry.Bound())
		}
	}
	m := planning.MetricAt(box.Center()[1])
	attached := func(i int) bool { return i < len(opt.Inside) && opt.Inside[i] != "" && res.Loose[i].Named == "" }
	streets := planning.NewSegments()
	for _, s := range opt.Streets {
		pts := make([]orb.Point, len(s.Line))
		for i, p := range s.Line {
			pts[i] = m.Fwd(p)
		}
		streets.AddLine(pts, strings.TrimSpace(s.Name))
	}
	loose := make([]planning.LooseBuilding, len(res.Loose))
	for i, l := range res.Loose {
		lb := planning.LooseBuilding{Key: fmt.Sprint(l.Feature.Properties["code"])}
		for _, poly := range polygons(l.Feature.Geometry) {
			for _, p := range poly[0] {
				lb.Shell = append(lb.Shell, m.Fwd(p))
			}
		}
		lb.Site = len(lb.Shell) == 0 || attached(i)
		loose[i] = lb
	}
	clusters, _ := planning.ClusterBuildings(loose, streets)
	in := make([]bool, len(loose))
	clues := make([]planning.OutlineClues, len(clusters))
	for k, c := range clusters {
		names := map[string]bool{}
		for _, i := range c.Members {
			in[i] = true
			if n := res.Loose[i].Named; n != "" {
				names[n] = true
			}
		}
		clues[k] = planning.OutlineClues{Streets: streets.StreetsAround(c.Hull), Names: planning.SortedKeys(names)}
	}
	var comms, buildings bytes.Buffer
	for i, ok := range in {
		switch {
		case attached(i):
			f := res.Loose[i].Feature
			f.Properties["community"] = opt.Inside[i]
			if err := appendFeature(&buildings, f); err != nil {
				return nil, err
			}
			g.Attached++
		case !ok:
			g.Left = append(g.Left, res.Loose[i].Where)
		}
	}
	rows := make([]*planning.ListedCommunity, len(clusters))
	for r, k := range planning.MatchOutlines(clues, opt.List) {
		if k >= 0 {
			rows[k] = &opt.List[r]
		} else {
			g.Unmatched = append(g.Unmatched, opt.List[r])
		}
	}
	for k, c := range clusters {
		first := loose[c.Members[0]].Key
		p := planning.Provisional{Code: "pv-" + first, Buildings: len(c.Members), Streets: clues[k].Streets, Names: clues[k].Names}
		hull := m.Inv(c.Hull)
		sub := ""
		mid := hull.Bound().Center()
		if cen, _ := planar.CentroidArea(hull); planar.RingContains(hull, cen) {
			mid = cen
		}
		for _, pl := range opt.Subdistricts {
			if pl.Area.Bound().Contains(mid) && planar.MultiPolygonContains(pl.Area, mid) {
				sub = pl.Code
				break
			}
		}
		if sub == "" {
			for _, i := range c.Members {
				g.Outside = append(g.Outside, res.Loose[i].Where)
			}
			continue
		}
		var years []int
		for _, i := range c.Members {
			if y, ok := res.Loose[i].Feature.Properties["completed_year"].(int64); ok {
				years = append(years, int(y))
			}
		}
		props := map[string]any{"code": p.Code, "subdistrict": sub, "property_type": "mixed", "management": "none"}
		if len(years) > 0 {
			sort.Ints(years)
			props["completed_year"] = years[(len(years)-1)/2]
		}
		if row := rows[k]; row != nil {
			p.Name, p.ListRow = row.Name, row.Row
			if row.Address != "" {
				props["address"] = row.Address
			}
			if row.Year != 0 {
				props["completed_year"] = row.Year
			}
		} else {
			p.Name = planning.ProvisionalName
			if len(p.Streets) > 0 {
				p.Name += "（" + strings.Join(p.Streets[:min(3, len(p.Streets))], "、") + "）"
			}
			p.Name += " " + first
		}
		props["name"] = p.Name
		if err := appendFeature(&comms, &geojson.Feature{Type: "Feature", Geometry: orb.Polygon{hull}, Properties: props}); err != nil {
			return nil, err
		}
		for _, i := range c.Members {
			f := res.Loose[i].Feature
			f.Properties["community"] = p.Code
			if err := appendFeature(&buildings, f); err != nil {
				return nil, err
			}
		}
		g.Communities = append(g.Communities, p)
	}
	g.File.Data = []byte(`{"type":"FeatureCollection","features":[` + comms.String() + "\n]}\n")
	if buildings.Len() > 0 {
		data := bytes.TrimSuffix(res.File.Data, []byte("\n]}\n"))
		if res.Features > 0 {
			data = append(data, ',')
		}
		res.File.Data = append(append(data, buildings.Bytes()...), "\n]}\n"...)
		res.Features += len(res.Loose) - len(g.Left) - len(g.Outside)
	}
	return g, nil
}

// appendFeature writes a feature to a FeatureCollection's list, after a comma when not the first.
func appendFeature(b *bytes.Buffer, f *geojson.Feature) error {
	js, err := json.Marshal(f)
	if err != nil {
		return err
	}
	if b.Len() > 0 {
		b.WriteByte(',')
	}
	b.WriteString("\n")
	b.Write(js)
	return nil
}

// polygons are a geometry's polygons (none for another kind).
func polygons(g orb.Geometry) []orb.Polygon {
	switch t := g.(type) {
	case orb.Polygon:
		return []orb.Polygon{t}
	case orb.MultiPolygon:
		return t
	}
	return nil
}
