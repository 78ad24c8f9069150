// Package demo generates the Tiexi demonstration dataset (示例数据): an invented but credible
// urban fabric of old and newer residential communities (老旧小区) inside the real outline of
// 四平市铁西区, with roads, gates, pipelines, facilities, parking, candidate sites and renovation
// plans, written as one GeoJSON FeatureCollection per layer of docs/data-format.md.
//
// The output is deterministic: the same Options always give byte-identical files, so the dataset
// can be regenerated and diffed. At Scale 1 the 2021 implementation batch reproduces the district
// plan's own figures exactly (24 communities, 146 buildings, 9,120 households, 721,000 m²).
// Nothing in it is survey data.
package demo
