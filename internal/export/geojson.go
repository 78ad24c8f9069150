package export

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"strconv"
)

// Member is an extra top-level member of a FeatureCollection (links, numberMatched, …).
type Member struct {
	Key   string
	Value any
}

// Header is what comes before the features.
type Header struct {
	// Name is GDAL's layer name member ("name"); empty leaves it out.
	Name string
	// CRSName, when set, adds the legacy GeoJSON 2008 member
	// "crs": {"type": "name", "properties": {"name": CRSName}} (e.g. urn:ogc:def:crs:EPSG::4550),
	// which GDAL and QGIS read. RFC 7946 output (WGS 84 lon/lat) leaves it empty.
	CRSName string
	// Members come after the crs member, in order.
	Members []Member
}

// FeatureWriter writes one GeoJSON FeatureCollection to w a feature at a time; nothing but a
// small buffer is held, so memory stays constant whatever the number of features.
type FeatureWriter struct {
	w      *bufio.Writer
	n      int
	err    error
	closed bool
	num    []byte
}

// ErrClosed is returned by Write and Close after Close.
var ErrClosed = errors.New("export: feature writer closed")

// NewFeatureWriter writes the collection's opening and returns the writer; the first write error
// is returned by every later call.
func NewFeatureWriter(w io.Writer, h Header) (*FeatureWriter, error) {
	fw := &FeatureWriter{w: bufio.NewWriterSize(w, 32<<10)}
	fw.str(`{"type":"FeatureCollection"`)
	if h.Name != "" {
		fw.member("name", h.Name)
	}
	if h.CRSName != "" {
		fw.member("crs", map[string]any{"type": "name", "properties": map[string]string{"name": h.CRSName}})
	}
	for _, m := range h.Members {
		fw.member(m.Key, m.Value)
	}
	fw.str(`,"features":[`)
	return fw, fw.err
}

func (fw *FeatureWriter) str(s string) {
	if fw.err == nil {
		_, fw.err = fw.w.WriteString(s)
	}
}

func (fw *FeatureWriter) raw(b []byte) {
	if fw.err == nil {
		_, fw.err = fw.w.Write(b)
	}
}

func (fw *FeatureWriter) member(key string, v any) {
	b, err := json.Marshal(v)
	if err != nil && fw.err == nil {
		fw.err = err
	}
	k, _ := json.Marshal(key)
	fw.str(",")
	fw.raw(k)
	fw.str(":")
	fw.raw(b)
}

// Write adds a feature. geometry and properties are JSON texts (a GeoJSON geometry and an
// object) as PostGIS made them; they are copied out before Write returns, so the caller may
// reuse their memory. A nil geometry is written as null, nil properties as {}.
func (fw *FeatureWriter) Write(id int64, geometry, properties []byte) error {
	if fw.closed {
		return ErrClosed
	}
	if fw.n > 0 {
		fw.str(",\n")
	} else {
		fw.str("\n")
	}
	fw.str(`{"type":"Feature","id":`)
	fw.num = strconv.AppendInt(fw.num[:0], id, 10)
	fw.raw(fw.num)
	fw.str(`,"geometry":`)
	if len(geometry) == 0 {
		fw.str("null")
	} else {
		fw.raw(geometry)
	}
	fw.str(`,"properties":`)
	if len(properties) == 0 {
		fw.str("{}")
	} else {
		fw.raw(properties)
	}
	fw.str("}")
	if fw.err == nil {
		fw.n++
	}
	return fw.err
}

// Count is the number of features written.
func (fw *FeatureWriter) Count() int { return fw.n }

// Close ends the features array, adds the trailer members (numberReturned and the like, known
// only now) and flushes.
func (fw *FeatureWriter) Close(trailer ...Member) error {
	if fw.closed {
		return ErrClosed
	}
	fw.closed = true
	fw.str("\n]")
	for _, m := range trailer {
		fw.member(m.Key, m.Value)
	}
	fw.str("}\n")
	if fw.err == nil {
		fw.err = fw.w.Flush()
	}
	return fw.err
}
