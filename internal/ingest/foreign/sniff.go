package foreign

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"

	"renewmap/internal/renew"
)

// Format is a source format, named by the GDAL driver that reads it (XLSX is read by excelize).
type Format string

// The formats read. Anything else is refused.
const (
	Shapefile  Format = "ESRI Shapefile"
	GeoPackage Format = "GPKG"
	GeoJSON    Format = "GeoJSON"
	GeoJSONSeq Format = "GeoJSONSeq"
	KML        Format = "KML"
	DXF        Format = "DXF"
	CSV        Format = "CSV"
	FileGDB    Format = "OpenFileGDB"
	XLSX       Format = "XLSX"
	zipArchive Format = "zip" // expanded, then the dataset inside is recognised
)

// sniff recognises the format of the file at path by its first bytes (a FileGDB is a folder). It
// returns an ErrInvalid error naming the file for anything not on the allow-list, with a hint
// for DWG and OGR VRT.
func sniff(path, name string) (Format, error) {
	st, err := os.Stat(path)
	if err != nil {
		if os.IsNotExist(err) {
			return "", renew.NotFound("%s: no such file or folder", name)
		}
		return "", renew.Invalid("%s: cannot be read", name)
	}
	if st.IsDir() {
		if strings.HasSuffix(strings.ToLower(filepath.Base(path)), ".gdb") {
			if _, err := os.Stat(filepath.Join(path, "gdb")); err == nil {
				return FileGDB, nil
			}
			if m, _ := filepath.Glob(filepath.Join(path, "*.gdbtable")); len(m) > 0 {
				return FileGDB, nil
			}
		}
		return "", renew.Invalid("%s: a folder, and not a FileGDB (.gdb); name a file in it", name)
	}
	if st.Size() == 0 {
		return "", renew.Invalid("%s: the file is empty", name)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", renew.Invalid("%s: cannot be read", name)
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	return sniffBytes(head, name)
}

// sniffBytes recognises a format from the first bytes of a file (up to 4 KiB).
func sniffBytes(head []byte, name string) (Format, error) {
	switch {
	case len(head) >= 4 && binary.BigEndian.Uint32(head) == 9994 && len(head) >= 100:
		return Shapefile, nil
	case bytes.HasPrefix(head, []byte("SQLite format 3\x00")):
		if len(head) >= 72 {
			switch string(head[68:72]) {
			case "GPKG", "GP10", "GP11":
				return GeoPackage, nil
			}
		}
		return "", renew.Invalid("%s: an SQLite database that is not a GeoPackage; export the data as GeoPackage, Shapefile or GeoJSON", name)
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return zipArchive, nil
	case bytes.HasPrefix(head, []byte("AC10")) || bytes.HasPrefix(head, []byte("AC1.")) || bytes.HasPrefix(head, []byte("MC0.")):
		return "", renew.Invalid("%s: a DWG drawing. DWG has no reader here (its format is closed); save it as DXF in the CAD program (另存为 DXF) and import the .dxf", name)
	case bytes.HasPrefix(head, []byte("AutoCAD Binary DXF")):
		return DXF, nil
	}
	text := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case bytes.HasPrefix(text, []byte{0x1e}):
		return GeoJSONSeq, nil
	case bytes.HasPrefix(text, []byte("{")):
		// One object per line is GeoJSONSeq; one object for the file is GeoJSON.
		if line, _, ok := bytes.Cut(text, []byte("\n")); ok && bytes.HasSuffix(bytes.TrimSpace(line), []byte("}")) &&
			bytes.Contains(line, []byte(`"Feature"`)) && !bytes.Contains(line, []byte(`"FeatureCollection"`)) {
			return GeoJSONSeq, nil
		}
		return GeoJSON, nil
	case bytes.HasPrefix(text, []byte("<")):
		lower := bytes.ToLower(text)
		switch {
		case bytes.Contains(lower, []byte("<ogrvrtdatasource")), bytes.Contains(lower, []byte("<vrtdataset")):
			return "", renew.Invalid("%s: an OGR/GDAL VRT file, which points at other files or servers; it is not read. Import the data it points at instead", name)
		case bytes.Contains(lower, []byte("<kml")):
			return KML, nil
		}
		return "", renew.Invalid("%s: an XML file that is not KML; not a format renewmap imports", name)
	case isDXFText(text):
		return DXF, nil
	case isCSV(text):
		return CSV, nil
	}
	return "", renew.Invalid("%s: not a format renewmap imports (Shapefile, GeoPackage, GeoJSON, KML, DXF, CSV, FileGDB, .xlsx, or a .zip of one)", name)
}

// isDXFText recognises an ASCII DXF: group code 0 then SECTION (or a leading 999 comment).
func isDXFText(text []byte) bool {
	lines := strings.SplitN(string(text), "\n", 5)
	if len(lines) < 2 {
		return false
	}
	first, second := strings.TrimSpace(lines[0]), strings.TrimSpace(lines[1])
	return (first == "0" && second == "SECTION") || (first == "999" && len(lines) >= 4 && strings.TrimSpace(lines[2]) == "0")
}

// isCSV recognises delimited text: valid UTF-8 (or GBK) lines without NULs, the first holding a
// comma, semicolon or tab.
func isCSV(text []byte) bool {
	if bytes.IndexByte(text, 0) >= 0 {
		return false
	}
	line, _, _ := bytes.Cut(text, []byte("\n"))
	return bytes.ContainsAny(line, ",;\t")
}
