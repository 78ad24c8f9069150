package ogc

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"

	"renewmap/internal/tiles"
)

// Page is what the HTML rendering of any OGC API document shows: a title, the document's links
// and one of the bodies.
type Page struct {
	Title       string
	Links       []Link
	Landing     *Landing
	Conformance *Conformance
	Collections *Collections
	Collection  *Collection
	Items       *ItemsPage
	API         []APIPath
}

// ItemsPage is a page of features as a table.
type ItemsPage struct {
	Collection     string
	CRS            string
	NumberMatched  int64
	NumberReturned int
	Columns        []tiles.Property
	Rows           []ItemRow
}

// ItemRow is one feature: its id, link, geometry type and its property values as text.
type ItemRow struct {
	ID       int64
	Href     string
	Geometry string
	Values   []string
}

// APIPath is a line of the HTML API documentation.
type APIPath struct {
	Path, Summary string
	Params        []string
}

// NewItemRow builds a row from a feature's raw GeoJSON geometry and properties; a coded value
// shows as its Chinese label from labels (enumeration → code → label), when it has one.
func NewItemRow(id int64, href string, geometry, properties []byte, cols []tiles.Property, labels map[string]map[string]string) ItemRow {
	var g struct {
		Type string `json:"type"`
	}
	json.Unmarshal(geometry, &g) //nolint:errcheck // a missing type shows as blank
	var p map[string]any
	json.Unmarshal(properties, &p) //nolint:errcheck
	r := ItemRow{ID: id, Href: href, Geometry: g.Type}
	for _, c := range cols {
		v := text(p[c.Name])
		if l := labels[c.Enum][v]; c.Enum != "" && l != "" {
			v = l
		}
		r.Values = append(r.Values, v)
	}
	return r
}

func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "是"
		}
		return "否"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · OGC API</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/base.css">
<link rel="stylesheet" href="/static/downloads.css">
{{if .Items}}<link rel="stylesheet" href="/static/vendor/maplibre-gl.css?v=5.24.1">
<script src="/static/vendor/maplibre-gl.js?v=5.24.1" defer></script>
<script type="module" src="/static/js/ogc-map.js"></script>{{end}}
</head>
<body class="ogc">
<header class="top"><a class="brand" href="/ogc?f=html">OGC API – Features</a>
<nav><a href="/ogc/collections?f=html">图层 Collections</a> <a href="/ogc/conformance?f=html">标准 Conformance</a>
<a href="/ogc/api?f=html">接口 API</a> <a href="/downloads">数据下载 Downloads</a> <a href="/">地图 Map</a></nav></header>
<main class="doc">
<h1>{{.Title}}</h1>
<p class="notice"><span class="badge">示例数据</span>示例数据（生成，非调查数据）</p>
{{with .Landing}}<p>{{.Description}}</p>{{if .Attribution}}<p class="muted">{{.Attribution}}</p>{{end}}{{end}}
{{with .Conformance}}<ul>{{range .ConformsTo}}<li><code>{{.}}</code></li>{{end}}</ul>{{end}}
{{with .Collections}}<table><thead><tr><th>编号 id</th><th>名称 title</th><th>说明</th><th>要素</th></tr></thead><tbody>
{{range .Collections}}<tr><td><a href="/ogc/collections/{{.ID}}?f=html"><code>{{.ID}}</code></a></td><td>{{.Title}}</td><td>{{.Description}}</td>
<td><a href="/ogc/collections/{{.ID}}/items?f=html">浏览 items</a></td></tr>{{end}}</tbody></table>{{end}}
{{with .Collection}}<p>{{.Description}}</p>
{{with .Extent}}<p>范围 extent (CRS84)：{{range .Spatial.BBox}}<code>{{index . 0}}, {{index . 1}}, {{index . 2}}, {{index . 3}}</code>{{end}}</p>{{end}}
<p>坐标系 CRS：</p><ul>{{range .CRS}}<li><code>{{.}}</code></li>{{end}}</ul>
<table><thead><tr><th>属性 property</th><th>名称</th><th>类型 type</th></tr></thead><tbody>
{{range .Properties}}<tr><td><code>{{.Name}}</code></td><td>{{.Title}}</td><td>{{.Type}}</td></tr>{{end}}</tbody></table>
<p><a href="/ogc/collections/{{.ID}}/items?f=html">浏览要素 browse the features</a></p>{{end}}
{{with .Items}}<div id="ogc-map" class="ogc-map" role="img" aria-label="本页要素的地图 map of the features on this page"></div>
<p>共 {{.NumberMatched}} 个要素，本页 {{.NumberReturned}} 个 (numberMatched {{.NumberMatched}}, numberReturned {{.NumberReturned}})；坐标系 <code>{{.CRS}}</code></p>
<div class="scroll"><table><thead><tr><th>id</th><th>几何 geometry</th>{{range .Columns}}<th title="{{.Name}}">{{.Title}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr><td><a href="{{.Href}}">{{.ID}}</a></td><td>{{.Geometry}}</td>{{range .Values}}<td>{{.}}</td>{{end}}</tr>{{end}}
</tbody></table></div>{{end}}
{{if .API}}<table><thead><tr><th>路径 path</th><th>说明</th><th>参数 parameters</th></tr></thead><tbody>
{{range .API}}<tr><td><code>{{.Path}}</code></td><td>{{.Summary}}</td><td>{{range .Params}}<code>{{.}}</code> {{end}}</td></tr>{{end}}</tbody></table>{{end}}
<h2>链接 Links</h2>
<ul class="links">{{range .Links}}<li><a href="{{.Href}}">{{.Rel}}</a> <span class="muted">{{.Type}} {{.Title}}</span></li>{{end}}</ul>
</main>
</body>
</html>
`))

// RenderHTML writes p as an HTML page.
func RenderHTML(w io.Writer, p Page) error { return page.Execute(w, p) }
