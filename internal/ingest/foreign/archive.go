package foreign

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"renewmap/internal/renew"
)

// Limits bound what an untrusted file may expand to.
type Limits struct {
	// Expanded is the most bytes a zip archive or .xlsx workbook may expand to (all entries).
	Expanded int64
	// Entries is the most entries an archive may hold.
	Entries int
}

// DefaultLimits allow a district's data (a few hundred MB of Shapefiles) and refuse zip bombs.
func DefaultLimits() Limits { return Limits{Expanded: 1 << 30, Entries: 10_000} }

// checkZip refuses an archive whose entries leave their folder, are links, are too many, or
// declare more than the limits. The declared sizes are checked again while expanding, as a
// crafted archive may lie about them.
func checkZip(r *zip.Reader, name string, lim Limits) error {
	if len(r.File) > lim.Entries {
		return renew.Invalid("%s: the archive holds %d entries, more than the %d allowed", name, len(r.File), lim.Entries)
	}
	var total uint64
	for _, f := range r.File {
		if !filepath.IsLocal(f.Name) || strings.Contains(f.Name, `\`) {
			return renew.Invalid("%s: the archive entry %q leaves the archive's folder; refused", name, f.Name)
		}
		if f.Mode()&os.ModeSymlink != 0 {
			return renew.Invalid("%s: the archive entry %q is a link; refused", name, f.Name)
		}
		total += f.UncompressedSize64
		if total > uint64(lim.Expanded) {
			return renew.Invalid("%s: the archive expands to more than %d MB (entry %q); refused as a possible zip bomb", name, lim.Expanded>>20, f.Name)
		}
	}
	return nil
}

// expandZip expands the archive at path into dir, within lim.
func expandZip(path, name, dir string, lim Limits) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return renew.Invalid("%s: not a readable zip archive", name)
	}
	defer zr.Close()
	if err := checkZip(&zr.Reader, name, lim); err != nil {
		return err
	}
	budget := lim.Expanded
	for _, f := range zr.File {
		dst := filepath.Join(dir, filepath.FromSlash(f.Name))
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(dst, 0o700); err != nil {
				return fmt.Errorf("expand %s: %w", name, err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return fmt.Errorf("expand %s: %w", name, err)
		}
		n, err := copyEntry(f, dst, budget)
		if errors.Is(err, errTooBig) {
			return renew.Invalid("%s: the archive expands to more than %d MB (entry %q); refused as a possible zip bomb", name, lim.Expanded>>20, f.Name)
		}
		if err != nil {
			return renew.Invalid("%s: the archive entry %q cannot be read (%v)", name, f.Name, err)
		}
		budget -= n
	}
	return nil
}

var errTooBig = errors.New("expands beyond the limit")

// copyEntry writes one entry to dst, reading at most budget bytes.
func copyEntry(f *zip.File, dst string, budget int64) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, io.LimitReader(rc, budget+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, err
	}
	if n > budget {
		return n, errTooBig
	}
	return n, nil
}

// datasetIn finds the dataset an expanded archive holds: a folder of Shapefiles (each a layer),
// a FileGDB, or a single file of another format. More than one candidate is refused.
func datasetIn(dir, name string) (string, Format, error) {
	var shpDirs, others []string
	seen := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		low := strings.ToLower(d.Name())
		switch {
		case d.IsDir() && strings.HasSuffix(low, ".gdb"):
			others = append(others, p)
			return filepath.SkipDir
		case d.IsDir():
			return nil
		case strings.HasSuffix(low, ".shp"):
			if !seen[filepath.Dir(p)] {
				seen[filepath.Dir(p)] = true
				shpDirs = append(shpDirs, filepath.Dir(p))
			}
		case strings.HasSuffix(low, ".shx"), strings.HasSuffix(low, ".dbf"), strings.HasSuffix(low, ".prj"),
			strings.HasSuffix(low, ".cpg"), strings.HasSuffix(low, ".sbn"), strings.HasSuffix(low, ".sbx"),
			strings.HasSuffix(low, ".xml"), strings.HasSuffix(low, ".txt"), strings.HasPrefix(low, "."):
		default:
			others = append(others, p)
		}
		return nil
	})
	if err != nil {
		return "", "", fmt.Errorf("read expanded %s: %w", name, err)
	}
	cands := append(shpDirs, others...)
	switch len(cands) {
	case 0:
		return "", "", renew.Invalid("%s: the archive holds no data file (Shapefile, GeoPackage, GeoJSON, KML, DXF, CSV or FileGDB)", name)
	case 1:
	default:
		var names []string
		for _, c := range cands {
			rel, _ := filepath.Rel(dir, c)
			names = append(names, filepath.ToSlash(rel))
		}
		return "", "", renew.Invalid("%s: the archive holds several datasets (%s); zip one at a time", name, strings.Join(names, ", "))
	}
	rel, _ := filepath.Rel(dir, cands[0])
	inner := name + "/" + filepath.ToSlash(rel)
	if len(shpDirs) == 1 {
		return shpDirs[0], Shapefile, nil
	}
	f, err := sniff(cands[0], inner)
	if err != nil {
		return "", "", err
	}
	if f == zipArchive {
		return "", "", renew.Invalid("%s: an archive inside the archive; unzip it first", inner)
	}
	return cands[0], f, nil
}
