package ogc

import (
	"net/url"
	"strconv"

	"renewmap/internal/tiles"
)

// Media types.
const (
	MediaJSON    = "application/json"
	MediaGeoJSON = "application/geo+json"
	MediaHTML    = "text/html"
	MediaOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
)

// Conformance classes this service implements.
var ConformsTo = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
}

// Link is a web link of an OGC API document.
type Link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// Landing is the landing page.
type Landing struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Attribution string `json:"attribution,omitempty"`
	Links       []Link `json:"links"`
}

// Title and Description name the service.
const (
	Title       = "铁西区老旧小区改造一张图 · OGC API – Features"
	Description = "四平市铁西区老旧小区改造的图层（小区、楼栋、道路、管线等），供 QGIS、GDAL 等 GIS 软件直接读取。" +
		"示例数据（生成，非调查数据）。Layers of the renovation programme of old residential communities in Tiexi District, Siping."
)

// NewLanding returns the landing page; base is the absolute URL of /ogc.
func NewLanding(base, attribution string) Landing {
	return Landing{Title: Title, Description: Description, Attribution: attribution, Links: []Link{
		{base + "?f=json", "self", MediaJSON, "本页 (this document)"},
		{base + "?f=html", "alternate", MediaHTML, "本页 HTML (this document as HTML)"},
		{base + "/api", "service-desc", MediaOpenAPI, "OpenAPI 3.0 接口定义 (the API definition)"},
		{base + "/api?f=html", "service-doc", MediaHTML, "接口说明 (the API documentation)"},
		{base + "/conformance", "conformance", MediaJSON, "符合的标准 (conformance classes)"},
		{base + "/conformance", "http://www.opengis.net/def/rel/ogc/1.0/conformance", MediaJSON, "符合的标准 (conformance classes)"},
		{base + "/collections", "data", MediaJSON, "图层列表 (feature collections)"},
		{base + "/collections", "http://www.opengis.net/def/rel/ogc/1.0/data", MediaJSON, "图层列表 (feature collections)"},
	}}
}

// Conformance is the conformance declaration.
type Conformance struct {
	ConformsTo []string `json:"conformsTo"`
}

// Extent is a collection's extent: its bounding box in CRS84.
type Extent struct {
	Spatial SpatialExtent `json:"spatial"`
}

// SpatialExtent holds bounding boxes, west, south, east, north.
type SpatialExtent struct {
	BBox [][4]float64 `json:"bbox"`
	CRS  string       `json:"crs"`
}

// Collection describes one feature collection.
type Collection struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Links       []Link   `json:"links"`
	Extent      *Extent  `json:"extent,omitempty"`
	ItemType    string   `json:"itemType"`
	CRS         []string `json:"crs"`
	StorageCRS  string   `json:"storageCrs"`
	// Geometry and Properties are for the HTML page (not part of the standard's JSON).
	Geometry   string           `json:"-"`
	Properties []tiles.Property `json:"-"`
	Sensitive  bool             `json:"-"`
}

// Collections is the list of collections.
type Collections struct {
	Links       []Link       `json:"links"`
	Collections []Collection `json:"collections"`
}

var geometryZh = map[string]string{"polygon": "面", "line": "线", "point": "点", "mixed": "点或面"}

// NewCollection describes layer l; base is the absolute URL of /ogc; box is the data's extent
// in CRS84, or nil when the collection is empty; props are the feature properties.
func NewCollection(base string, l *tiles.Layer, box *[4]float64, props []tiles.Property) Collection {
	u := base + "/collections/" + url.PathEscape(l.ID)
	desc := l.Title + "（" + geometryZh[l.Geometry] + "）"
	if l.Sensitive {
		desc += "；涉密管线数据，仅限授权角色 (restricted)"
	}
	c := Collection{
		ID: l.ID, Title: l.Title, Description: desc,
		Links: []Link{
			{u + "?f=json", "self", MediaJSON, l.Title},
			{u + "?f=html", "alternate", MediaHTML, l.Title + " (HTML)"},
			{u + "/items?f=json", "items", MediaGeoJSON, l.Title + " 要素 (features)"},
			{u + "/items?f=html", "items", MediaHTML, l.Title + " 要素 HTML (features as HTML)"},
		},
		ItemType: "feature", CRS: URIs(), StorageCRS: CRS84.URI,
		Geometry: l.Geometry, Properties: props, Sensitive: l.Sensitive,
	}
	if box != nil {
		c.Extent = &Extent{Spatial: SpatialExtent{BBox: [][4]float64{*box}, CRS: CRS84.URI}}
	}
	return c
}

// NewCollections wraps cs with the links of /collections.
func NewCollections(base string, cs []Collection) Collections {
	if cs == nil {
		cs = []Collection{}
	}
	return Collections{Collections: cs, Links: []Link{
		{base + "/collections?f=json", "self", MediaJSON, "图层列表 (collections)"},
		{base + "/collections?f=html", "alternate", MediaHTML, "图层列表 HTML (collections as HTML)"},
	}}
}

// ItemsLinks returns the links of one page of items: self, the HTML (or JSON) alternate, and
// next and prev when there are such pages. itemsURL is the absolute URL of the items endpoint;
// q the request's query (its limit and offset are replaced). matched < 0 means unknown: then
// next is given whenever the page is full.
func ItemsLinks(itemsURL string, q url.Values, offset, limit, returned int, matched int64, format Format) []Link {
	page := func(off int, f string) string {
		v := url.Values{}
		for k, vs := range q {
			if k != "offset" && k != "limit" && k != "f" {
				v[k] = vs
			}
		}
		v.Set("limit", strconv.Itoa(limit))
		if off > 0 {
			v.Set("offset", strconv.Itoa(off))
		}
		v.Set("f", f)
		return itemsURL + "?" + v.Encode()
	}
	self, alt, selfType, altType := "json", "html", MediaGeoJSON, MediaHTML
	if format == HTML {
		self, alt, selfType, altType = alt, self, altType, selfType
	}
	links := []Link{
		{page(offset, self), "self", selfType, "本页 (this page)"},
		{page(offset, alt), "alternate", altType, "本页另一格式 (this page, other format)"},
	}
	more := int64(offset+returned) < matched
	if matched < 0 {
		more = returned == limit
	}
	if more {
		links = append(links, Link{page(offset+limit, self), "next", selfType, "下一页 (next page)"})
	}
	if offset > 0 {
		links = append(links, Link{page(max(0, offset-limit), self), "prev", selfType, "上一页 (previous page)"})
	}
	return links
}

// FeatureLinks returns the links of a single feature.
func FeatureLinks(collectionURL string, id int64, format Format) []Link {
	u := collectionURL + "/items/" + strconv.FormatInt(id, 10)
	self, alt, selfType, altType := "json", "html", MediaGeoJSON, MediaHTML
	if format == HTML {
		self, alt, selfType, altType = alt, self, altType, selfType
	}
	return []Link{
		{u + "?f=" + self, "self", selfType, "本要素 (this feature)"},
		{u + "?f=" + alt, "alternate", altType, "本要素另一格式 (this feature, other format)"},
		{collectionURL + "?f=json", "collection", MediaJSON, "所属图层 (the collection)"},
	}
}
