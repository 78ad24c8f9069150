package foreign

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"

	"renewmap/internal/renew"
)

// Datum classifies a CRS's datum by what an import needs to know about it.
type Datum string

// The datums told apart.
const (
	DatumNone        Datum = ""             // the file says nothing
	DatumWGS84       Datum = "WGS 84"       // and ITRF-based: CGCS2000 differs from it by centimetres
	DatumCGCS2000    Datum = "CGCS2000"     // China Geodetic Coordinate System 2000
	DatumXian1980    Datum = "Xian 1980"    // needs a shift PROJ cannot guess
	DatumBeijing1954 Datum = "Beijing 1954" // likewise
	DatumLocal       Datum = "local"        // an engineering (city) system: no datum at all
	DatumOther       Datum = "other"        // any other datum: PROJ's own transformation
)

// CRS is what a source says of its coordinate system.
type CRS struct {
	Name  string // e.g. "CGCS2000 / 3-degree Gauss-Kruger CM 123E"
	EPSG  int    // 0 when GDAL does not identify one
	Datum Datum
	Shift bool   // the definition carries its own datum shift (TOWGS84, a BoundCRS)
	WKT   string // as GDAL reports it
}

// String names the CRS for a person.
func (c CRS) String() string {
	switch {
	case c.Datum == DatumNone:
		return "none given"
	case c.EPSG != 0:
		return fmt.Sprintf("%s (EPSG:%d)", c.Name, c.EPSG)
	}
	return c.Name
}

var (
	wktName  = regexp.MustCompile(`^\s*[A-Z]+\["([^"]*)"`)
	wktDatum = regexp.MustCompile(`(?:DATUM|ENSEMBLE)\["([^"]*)"`)
	wktID    = regexp.MustCompile(`ID\["EPSG",(\d+)\]\]\s*$`)
)

// crsFromWKT reads a CRS from GDAL's WKT2.
func crsFromWKT(wkt string) CRS {
	c := CRS{WKT: wkt}
	if m := wktName.FindStringSubmatch(wkt); m != nil {
		c.Name = m[1]
	}
	if m := wktID.FindStringSubmatch(wkt); m != nil {
		c.EPSG, _ = strconv.Atoi(m[1])
	}
	c.Shift = strings.Contains(wkt, "BOUNDCRS") || strings.Contains(wkt, "TOWGS84")
	datum := ""
	if m := wktDatum.FindStringSubmatch(wkt); m != nil {
		datum = m[1]
	}
	c.Datum = classifyDatum(datum, wkt)
	return c
}

func classifyDatum(datum, wkt string) Datum {
	d := strings.ToLower(strings.NewReplacer("_", " ", "'", "", "-", " ").Replace(datum))
	switch {
	case strings.HasPrefix(strings.TrimSpace(wkt), "ENGCRS"), strings.HasPrefix(strings.TrimSpace(wkt), "LOCAL_CS"):
		return DatumLocal
	case d == "":
		return DatumLocal
	case strings.Contains(d, "china 2000"), strings.Contains(d, "cgcs2000"), strings.Contains(d, "china geodetic coordinate system 2000"):
		return DatumCGCS2000
	case strings.Contains(d, "wgs 84"), strings.Contains(d, "wgs 1984"), strings.Contains(d, "world geodetic system 1984"):
		return DatumWGS84
	case strings.Contains(d, "xian 1980"), strings.Contains(d, "xian1980"):
		return DatumXian1980
	case strings.Contains(d, "beijing 1954"), strings.Contains(d, "beijing1954"):
		return DatumBeijing1954
	case strings.Contains(d, "unknown"), strings.Contains(d, "not specified"):
		return DatumLocal
	}
	return DatumOther
}

// CRSChoice is what the user said about the source's coordinates (flags or the mapping file).
type CRSChoice struct {
	// CRS overrides the file's: "EPSG:4550", a PROJ string, or "GCJ02" / "BD09" (Chinese web
	// maps' obfuscated longitude, latitude, which PROJ does not know).
	CRS string
	// Control, instead of TOWGS84, are control points (同名点) pairing the source's coordinates with
	// coordinates in ControlCRS, a projected system PROJ knows (EPSG:4550 …); a 4-parameter
	// transformation is fitted to them.
	Control    []ControlPoint
	ControlCRS string
	// TOWGS84 is the datum shift of a Xian 1980, Beijing 1954 or local source, as 3 or 7
	// parameters (dx,dy,dz[,rx,ry,rz,ds] in metres, arc-seconds and ppm, position vector).
	TOWGS84 string
}

// CRSPlan says how a layer's coordinates become WGS84 longitude, latitude.
type CRSPlan struct {
	SourceSRS string                                    // ogr2ogr -s_srs; "" uses the file's
	Reproject bool                                      // ogr2ogr -t_srs EPSG:4326
	Convert   func(lon, lat float64) (float64, float64) // after GDAL: GCJ-02 or BD-09 to WGS84
	Describe  renew.Text                                // for the user: "EPSG:4550 from the file → WGS84"
	// Helmert, with ControlCRS, takes the raw coordinates into the control points' system first.
	Helmert    *Helmert2D
	ControlCRS string
}

// Plan decides how to bring a layer to WGS84, or refuses: a source without a CRS and none given,
// and a datum that needs a shift (Xian 1980, Beijing 1954, local) without TOWGS84 parameters, are
// ErrInvalid errors that say why and what to give.
func Plan(ctx context.Context, source string, l *LayerInfo, choice CRSChoice) (CRSPlan, error) {
	if l.Geometry == "None" {
		return CRSPlan{Describe: renew.T("none (a table)")}, nil
	}
	if len(choice.Control) > 0 {
		return planControl(ctx, source, choice)
	}
	c := l.CRS
	from, given := renew.T("the file"), false
	switch up := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(choice.CRS), "-", "")); up {
	case "":
	case "GCJ02", "BD09":
		if c.Datum != DatumNone && c.Datum != DatumWGS84 && c.Datum != DatumCGCS2000 {
			return CRSPlan{}, renew.Invalid("%s: layer %q is in %s, not longitude, latitude: it cannot be %s", source, l.Name, c, choice.CRS)
		}
		conv, name := gcjToWGS84, "GCJ-02 (火星坐标)"
		if up == "BD09" {
			conv, name = bd09ToWGS84, "BD-09 (百度坐标)"
		}
		return CRSPlan{Convert: conv, Describe: renew.T("%s → WGS84, converted by renewmap", name)}, nil
	default:
		got, err := describeSRS(ctx, choice.CRS)
		if err != nil {
			return CRSPlan{}, renew.Invalid("%s: --crs %q is not a coordinate system GDAL knows (%v)", source, choice.CRS, err)
		}
		c, from, given = got, renew.T("--crs"), true
		c.Shift = c.Shift || strings.Contains(choice.CRS, "+towgs84")
	}
	if c.Datum == DatumNone {
		return CRSPlan{}, renew.Invalid("%s: layer %q does not say its coordinate system (no .prj or CRS in the file); "+
			"give it, e.g. --crs EPSG:4550 (CGCS2000 3° zone CM 123E), --crs EPSG:4490, --crs EPSG:4326 or --crs GCJ02", source, l.Name)
	}
	plan := CRSPlan{Reproject: true, Describe: renew.T("%s from %s → WGS84 (EPSG:4326) by GDAL", c, from)}
	if given {
		plan.SourceSRS = choice.CRS
	}
	needsShift := c.Datum == DatumXian1980 || c.Datum == DatumBeijing1954 || c.Datum == DatumLocal
	switch {
	case choice.TOWGS84 != "":
		params, err := parseTOWGS84(choice.TOWGS84)
		if err != nil {
			return CRSPlan{}, renew.Invalid("%s: --towgs84: %v", source, err)
		}
		proj4, err := proj4Of(ctx, c, choice.CRS)
		if err != nil {
			return CRSPlan{}, renew.Invalid("%s: cannot add --towgs84 to %s: %v", source, c, err)
		}
		plan.SourceSRS = proj4 + " +towgs84=" + params
		plan.Describe = renew.T("%s from %s with the datum shift +towgs84=%s → WGS84 by GDAL", c, from, params)
	case needsShift && !c.Shift:
		datum := "on the " + string(c.Datum) + " datum"
		if c.Datum == DatumLocal {
			datum = "a local system with no datum"
		}
		return CRSPlan{}, renew.Invalid("%s: layer %q is in %s, %s. Its shift to CGCS2000/WGS84 differs from place to place "+
			"by up to ~100 m and PROJ cannot know it; renewmap does not guess. Give the 7 (or 3) parameters your surveying institute (测绘院) "+
			"uses, --towgs84 dx,dy,dz,rx,ry,rz,ds, or control points (--control points.csv --control-crs EPSG:4550), or have the data delivered in CGCS2000", source, l.Name, c, datum)
	}
	return plan, nil
}

// parseTOWGS84 checks 3 or 7 comma-separated numbers and returns them comma-joined.
func parseTOWGS84(s string) (string, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 && len(parts) != 7 {
		return "", fmt.Errorf("want 3 or 7 numbers separated by commas, got %d", len(parts))
	}
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if _, err := strconv.ParseFloat(p, 64); err != nil {
			return "", fmt.Errorf("%q is not a number", p)
		}
		parts[i] = p
	}
	return strings.Join(parts, ","), nil
}

// describeSRS asks GDAL what a user's CRS definition is.
func describeSRS(ctx context.Context, def string) (CRS, error) {
	if strings.HasPrefix(strings.TrimSpace(def), "-") {
		return CRS{}, fmt.Errorf("not a definition")
	}
	out, err := exec.CommandContext(ctx, "gdalsrsinfo", "--single-line", "-o", "wkt2", def).Output()
	if err != nil {
		return CRS{}, fmt.Errorf("unknown")
	}
	return crsFromWKT(strings.TrimSpace(string(out))), nil
}

// proj4Of returns the PROJ.4 string of a CRS (the user's definition, or the file's WKT).
func proj4Of(ctx context.Context, c CRS, def string) (string, error) {
	if def == "" {
		def = strings.Join(strings.Fields(c.WKT), " ")
	}
	out, err := exec.CommandContext(ctx, "gdalsrsinfo", "-o", "proj4", def).Output()
	if err != nil {
		return "", fmt.Errorf("GDAL cannot express it as PROJ.4")
	}
	s := strings.TrimSpace(string(out))
	s = strings.Trim(s, "'")
	if i := strings.Index(s, " +towgs84="); i >= 0 {
		j := strings.Index(s[i+1:], " ")
		if j < 0 {
			s = s[:i]
		} else {
			s = s[:i] + s[i+1+j:]
		}
	}
	return s, nil
}

// planControl fits the 4-parameter transformation from the source's system into the control
// points' and refuses a fit with a point off by more than MaxResidual.
func planControl(ctx context.Context, source string, choice CRSChoice) (CRSPlan, error) {
	target, err := describeSRS(ctx, choice.ControlCRS)
	if err != nil || !strings.HasPrefix(target.WKT, "PROJCRS") {
		return CRSPlan{}, renew.Invalid("%s: --control-crs %q must be a projected system in metres that PROJ knows (e.g. EPSG:4550), in which the control points' e,n are given", source, choice.ControlCRS)
	}
	h, res, err := FitHelmert2D(choice.Control)
	if err != nil {
		return CRSPlan{}, renew.Invalid("%s: control points: %v", source, err)
	}
	var parts []string
	worst := 0
	for i, r := range res {
		parts = append(parts, fmt.Sprintf("%s %.3f m", choice.Control[i].Name, r))
		if r > res[worst] {
			worst = i
		}
	}
	fit := renew.T("4-parameter fit on %d control points into %s: scale %.6f, rotation %.1f″; residuals %s",
		len(res), target, h.Scale(), h.Rotation(), strings.Join(parts, ", "))
	if res[worst] > MaxResidual {
		return CRSPlan{}, renew.Invalid("%s: control point %s is %.2f m from where the fit puts it (at most %.1f m allowed): check its coordinates. %s",
			source, choice.Control[worst].Name, res[worst], MaxResidual, fit)
	}
	return CRSPlan{Helmert: h, ControlCRS: choice.ControlCRS, Describe: renew.T("%s → WGS84 by GDAL", fit)}, nil
}
