package osm_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"renewmap/internal/ingest/osm"
	"renewmap/internal/renew"
)

const tinyOSM = `<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
 <bounds minlat="40.0" minlon="116.0" maxlat="40.01" maxlon="116.01"/>
 <node id="1" lat="40.001" lon="116.001"/>
 <node id="2" lat="40.001" lon="116.005"/>
 <node id="3" lat="40.005" lon="116.005"/>
 <node id="4" lat="40.005" lon="116.001"/>
 <node id="5" lat="40.003" lon="116.000"/>
 <node id="6" lat="40.003" lon="116.001"><tag k="barrier" v="gate"/><tag k="name" v="西门"/></node>
 <node id="7" lat="40.003" lon="116.009"><tag k="highway" v="bus_stop"/></node>
 <node id="8" lat="40.002" lon="116.002"/>
 <node id="9" lat="40.002" lon="116.003"/>
 <node id="10" lat="40.0025" lon="116.003"/>
 <node id="11" lat="40.0025" lon="116.002"/>
 <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="landuse" v="residential"/><tag k="name" v="示例小区"/></way>
 <way id="101"><nd ref="5"/><nd ref="6"/><nd ref="9"/><tag k="highway" v="service"/></way>
 <way id="102"><nd ref="8"/><nd ref="9"/><nd ref="10"/><nd ref="11"/><nd ref="8"/><tag k="building" v="residential"/><tag k="building:levels" v="6"/></way>
</osm>`

// FuzzReadOSM feeds arbitrary bytes to the OSM reader and converter, with and without
// provisional communities from clusters of buildings: never a panic, and every error is
// renew.ErrInvalid.
func FuzzReadOSM(f *testing.F) {
	f.Add([]byte(tinyOSM))
	f.Add([]byte(`<osm><node id="1" lat="91" lon="0"/></osm>`))
	f.Add([]byte(`<osm><node id="1" lat="1" lon="1"/><way id="2"><nd ref="1"/><nd ref="1"/><nd ref="1"/><nd ref="1"/><tag k="building" v="yes"/></way></osm>`))
	f.Add([]byte(`<osm><node id="1" lat="1" lon="1"/><relation id="3"><member type="way" ref="2" role="outer"/><tag k="type" v="multipolygon"/><tag k="landuse" v="residential"/></relation></osm>`))
	f.Add([]byte(`<osm><bounds minlat="1" minlon="1" maxlat="1" maxlon="1"/><node id="1" lat="NaN" lon="x"/></osm>`))
	f.Add([]byte(`<?xml version="1.0"?><osm><node`))
	f.Add([]byte(``))
	// Three buildings outside the community, 10 m apart: one provisional community.
	f.Add([]byte(strings.Replace(tinyOSM, "</osm>", `
 <node id="20" lat="40.0060" lon="116.0060"/><node id="21" lat="40.0060" lon="116.0061"/><node id="22" lat="40.0061" lon="116.0061"/>
 <node id="23" lat="40.0060" lon="116.0063"/><node id="24" lat="40.0060" lon="116.0064"/><node id="25" lat="40.0061" lon="116.0064"/>
 <node id="26" lat="40.0060" lon="116.0066"/><node id="27" lat="40.0060" lon="116.0067"/><node id="28" lat="40.0061" lon="116.0067"/>
 <way id="120"><nd ref="20"/><nd ref="21"/><nd ref="22"/><nd ref="20"/><tag k="building" v="yes"/></way>
 <way id="121"><nd ref="23"/><nd ref="24"/><nd ref="25"/><nd ref="23"/><tag k="building" v="yes"/></way>
 <way id="122"><nd ref="26"/><nd ref="27"/><nd ref="28"/><nd ref="26"/><tag k="building" v="yes"/></way>
</osm>`, 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, provisional := range []bool{false, true} {
			b, _, err := osm.Load(bytes.NewReader(data), osm.Options{File: "fuzz.osm", Provisional: provisional})
			if err != nil {
				if !errors.Is(err, renew.ErrInvalid) || renew.UserMessage(err) == "" {
					t.Fatalf("error %v is not an ErrInvalid with a message", err)
				}
				return
			}
			if b == nil || b.Layer("districts") == nil || len(b.Layer("districts").Features) != 1 {
				t.Fatalf("Load returned %v and no error", b)
			}
		}
	})
}
