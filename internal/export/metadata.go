package export

import (
	"fmt"
	"strings"
	"time"
)

// DemoNotice is said wherever the generated demonstration data is shown.
const DemoNotice = "示例数据（生成，非调查数据）"

// Metadata describes a download: where the data comes from, its coordinate system, when and for
// whom it was made, and what each file holds. It is metadata.json in a bundle.
type Metadata struct {
	Title       string      `json:"title"`
	Source      string      `json:"source"`
	Notice      string      `json:"notice"`
	Attribution string      `json:"attribution"`
	CRS         CRSInfo     `json:"crs"`
	Clip        *ClipInfo   `json:"clip,omitempty"`
	CreatedAt   time.Time   `json:"created_at"`
	CreatedBy   string      `json:"created_by"`
	Files       []FileInfo  `json:"files"`
	Semantics   string      `json:"semantics"`
	Service     ServiceInfo `json:"service"`
}

// CRSInfo names the coordinate reference system of the files.
type CRSInfo struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	URN       string `json:"urn"`
	AxisOrder string `json:"axis_order"`
	Units     string `json:"units"`
}

// ClipInfo says which community (小区) or renovation area (片区) the files are clipped to.
type ClipInfo struct {
	Kind string `json:"kind"` // community or area
	ID   int    `json:"id"`
	Code string `json:"code"`
	Name string `json:"name"`
}

// FileInfo is one file of a bundle.
type FileInfo struct {
	File     string  `json:"file"`
	Layer    string  `json:"layer"`
	Title    string  `json:"title"`
	Geometry string  `json:"geometry"`
	Features int     `json:"features"`
	Fields   []Field `json:"fields"`
}

// Field is a property of the features of a file.
type Field struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	Type  string `json:"type"`
}

// ServiceInfo tells where the same data can be read live.
type ServiceInfo struct {
	OGCAPI string `json:"ogc_api_features"`
	Tiles  string `json:"xyz_vector_tiles"`
}

// README returns README.txt of a bundle: the metadata for people, in Chinese.
func README(m Metadata) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s\n\n", m.Title, strings.Repeat("=", 40))
	fmt.Fprintf(&b, "【重要】%s。本数据包中的几何与属性由程序生成，仅用于演示与测试，不能作为设计、施工依据。\n\n", DemoNotice)
	if m.Clip != nil {
		kind := "小区"
		if m.Clip.Kind == "area" {
			kind = "片区"
		}
		fmt.Fprintf(&b, "范围：%s %s（编码 %s，编号 %d）\n", kind, m.Clip.Name, m.Clip.Code, m.Clip.ID)
	}
	fmt.Fprintf(&b, "坐标系：%s %s\n", m.CRS.Code, m.CRS.Name)
	fmt.Fprintf(&b, "坐标顺序：%s；单位：%s\n", m.CRS.AxisOrder, m.CRS.Units)
	fmt.Fprintf(&b, "生成时间：%s\n", m.CreatedAt.Format("2006-01-02 15:04:05 MST"))
	fmt.Fprintf(&b, "下载人：%s\n", m.CreatedBy)
	fmt.Fprintf(&b, "数据来源：%s\n", m.Source)
	fmt.Fprintf(&b, "署名：%s\n\n", m.Attribution)
	fmt.Fprintf(&b, "裁剪方式：%s\n\n", m.Semantics)
	b.WriteString("文件清单：\n")
	for _, f := range m.Files {
		fmt.Fprintf(&b, "  %-28s %s（%s），%d 个要素\n", f.File, f.Title, f.Geometry, f.Features)
	}
	b.WriteString("  metadata.json                 元数据（机器可读）\n\n")
	b.WriteString("使用方法：\n")
	b.WriteString("  QGIS：把 .geojson 文件拖入 QGIS 即可；EPSG:4490 / EPSG:4550 文件带有 crs 声明，QGIS 会自动识别坐标系。\n")
	b.WriteString("  CAD：可先在 QGIS 中“导出 → 另存为”DXF；EPSG:4550 为米制平面坐标（X 为东坐标约 60 万，Y 为北坐标约 478 万）。\n")
	b.WriteString("  GDAL：ogr2ogr -f DXF out.dxf buildings.geojson\n\n")
	fmt.Fprintf(&b, "在线服务（需登录）：\n  OGC API – Features：%s\n  XYZ 矢量瓦片：%s\n", m.Service.OGCAPI, m.Service.Tiles)
	return b.String()
}
