package ogc

import (
	"strings"

	"renewmap/internal/tiles"
)

// Collectable is a collection as the OpenAPI document lists it: its layer and the properties it
// can be filtered on.
type Collectable struct {
	Layer      *tiles.Layer
	Filterable []tiles.Property
}

type obj = map[string]any

// OpenAPI returns the OpenAPI 3.0 document of the API for the collections cs (those the asking
// role may see); base is the absolute URL of /ogc. Each collection gets its own items paths, so
// clients (GDAL, QGIS) learn which properties they can filter on.
func OpenAPI(base string, cs []Collectable) map[string]any {
	ref := func(name string) obj { return obj{"$ref": "#/components/parameters/" + name} }
	jsonResp := func(desc, media string) obj {
		return obj{"description": desc, "content": obj{media: obj{"schema": obj{"type": "object"}},
			MediaHTML: obj{"schema": obj{"type": "string"}}}}
	}
	errResp := func(desc string) obj {
		return obj{"description": desc, "content": obj{MediaJSON: obj{"schema": obj{"$ref": "#/components/schemas/error"}}}}
	}
	paths := obj{
		"/": obj{"get": obj{"summary": "Landing page 首页", "operationId": "getLandingPage", "tags": []string{"Capabilities"},
			"parameters": []obj{ref("f")},
			"responses":  obj{"200": jsonResp("The landing page", MediaJSON)}}},
		"/conformance": obj{"get": obj{"summary": "Conformance classes 符合的标准", "operationId": "getConformanceDeclaration",
			"tags": []string{"Capabilities"}, "parameters": []obj{ref("f")},
			"responses": obj{"200": jsonResp("The conformance classes", MediaJSON)}}},
		"/api": obj{"get": obj{"summary": "This API definition 接口定义", "operationId": "getAPI", "tags": []string{"Capabilities"},
			"parameters": []obj{ref("f")},
			"responses":  obj{"200": obj{"description": "The OpenAPI document", "content": obj{MediaOpenAPI: obj{"schema": obj{"type": "object"}}}}}}},
		"/collections": obj{"get": obj{"summary": "Feature collections 图层列表", "operationId": "getCollections",
			"tags": []string{"Capabilities"}, "parameters": []obj{ref("f")},
			"responses": obj{"200": jsonResp("The collections the user's role may read", MediaJSON), "401": errResp("Login required")}}},
	}
	for _, c := range cs {
		id := c.Layer.ID
		params := []obj{ref("bbox"), ref("bbox-crs"), ref("crs"), ref("limit"), ref("offset"), ref("f")}
		for _, p := range c.Filterable {
			schema := obj{"type": p.Type}
			params = append(params, obj{"name": p.Name, "in": "query", "required": false, "style": "form", "explode": false,
				"description": p.Title + " 等于 (equals)", "schema": schema})
		}
		paths["/collections/"+id] = obj{"get": obj{"summary": c.Layer.Title + " — collection 图层说明",
			"operationId": "describe_" + id, "tags": []string{id}, "parameters": []obj{ref("f")},
			"responses": obj{"200": jsonResp("The collection", MediaJSON), "404": errResp("Unknown collection")}}}
		paths["/collections/"+id+"/items"] = obj{"get": obj{"summary": c.Layer.Title + " — features 要素",
			"operationId": "getFeatures_" + id, "tags": []string{id}, "parameters": params,
			"responses": obj{
				"200": jsonResp("A page of features (GeoJSON FeatureCollection); the Content-Crs header names their CRS", MediaGeoJSON),
				"400": errResp("A bad parameter"), "403": errResp("The role may not read this collection")}}}
		paths["/collections/"+id+"/items/{featureId}"] = obj{"get": obj{"summary": c.Layer.Title + " — one feature 单个要素",
			"operationId": "getFeature_" + id, "tags": []string{id},
			"parameters": []obj{ref("featureId"), ref("crs"), ref("f")},
			"responses":  obj{"200": jsonResp("The feature (GeoJSON Feature)", MediaGeoJSON), "404": errResp("Unknown feature")}}}
	}
	crsEnum := URIs()
	return obj{
		"openapi": "3.0.3",
		"info": obj{"title": Title, "version": "1.0.0", "description": Description,
			"license": obj{"name": "示例数据（生成，非调查数据） demonstration data"}},
		"servers": []obj{{"url": base}},
		"paths":   paths,
		"components": obj{
			"parameters": obj{
				"f": obj{"name": "f", "in": "query", "required": false, "description": "Encoding 输出格式",
					"schema": obj{"type": "string", "enum": []string{"json", "html"}}},
				"bbox": obj{"name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
					"description": "Bounding box in bbox-crs (default CRS84: west,south,east,north); the axis order of bbox-crs applies " +
						"(EPSG:4490: south,west,north,east; EPSG:4550: min northing, min easting, max northing, max easting). 空间范围",
					"schema": obj{"type": "array", "minItems": 4, "maxItems": 6, "items": obj{"type": "number"}}},
				"bbox-crs": obj{"name": "bbox-crs", "in": "query", "required": false, "description": "CRS of bbox 范围参数的坐标系",
					"schema": obj{"type": "string", "format": "uri", "enum": crsEnum, "default": CRS84.URI}},
				"crs": obj{"name": "crs", "in": "query", "required": false,
					"description": "CRS of the response; coordinates follow its axis order (CRS84 lon/lat; EPSG:4490 lat/lon; EPSG:4550 northing/easting). 输出坐标系",
					"schema":      obj{"type": "string", "format": "uri", "enum": crsEnum, "default": CRS84.URI}},
				"limit": obj{"name": "limit", "in": "query", "required": false, "style": "form", "explode": false,
					"description": "Features per page 每页要素数", "schema": obj{"type": "integer", "minimum": 1, "maximum": MaxLimit, "default": DefaultLimit}},
				"offset": obj{"name": "offset", "in": "query", "required": false, "description": "Features to skip 跳过的要素数",
					"schema": obj{"type": "integer", "minimum": 0, "default": 0}},
				"featureId": obj{"name": "featureId", "in": "path", "required": true, "description": "Feature id (integer) 要素编号",
					"schema": obj{"type": "integer"}},
			},
			"schemas": obj{
				"error": obj{"type": "object", "required": []string{"error", "code"}, "properties": obj{
					"error": obj{"type": "string"}, "code": obj{"type": "string"}}},
			},
		},
		"tags": tags(cs),
	}
}

func tags(cs []Collectable) []obj {
	out := []obj{{"name": "Capabilities", "description": "Landing page, conformance, API, collections"}}
	for _, c := range cs {
		out = append(out, obj{"name": c.Layer.ID, "description": strings.TrimSpace(c.Layer.Title)})
	}
	return out
}
