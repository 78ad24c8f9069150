package ingest

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"renewmap/internal/renew"
)

// File is one GeoJSON file to import.
type File struct {
	Name  string // shown in messages: the path as given, or dir/name in an fs.FS
	Layer string // the layer it holds
	Data  []byte
}

// LayerOfName returns the layer a file name stands for: its base name without .geojson or .json
// (buildings.geojson → buildings), or "" when that is not a known layer.
func LayerOfName(name string) string {
	base := path.Base(filepath.ToSlash(name))
	for _, ext := range []string{".geojson", ".json"} {
		if strings.HasSuffix(strings.ToLower(base), ext) {
			stem := base[:len(base)-len(ext)]
			if LayerByName(stem) != nil {
				return stem
			}
			return ""
		}
	}
	return ""
}

// FilesFromPaths reads the files and folders named by paths. A folder contributes every
// <layer>.geojson (or .json) in it, not its subfolders; other files there are skipped with a
// note. A file named explicitly must be a layer file unless layer is given, which then applies to
// every file named explicitly and restricts folders to that layer's file. It returns the files in
// dependency order of their layers, and notes for the user; an unreadable path, an unknown
// layer, or nothing to load is an ErrInvalid error (ErrNotFound for a missing path).
func FilesFromPaths(paths []string, layer string) ([]File, []string, error) {
	if layer != "" && LayerByName(layer) == nil {
		return nil, nil, renew.Invalid("unknown layer %q (the layers are %s)", layer, layerNames())
	}
	var files []File
	var notes []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			if os.IsNotExist(err) {
				return nil, nil, renew.NotFound("%s: no such file or folder", p)
			}
			return nil, nil, fmt.Errorf("read %s: %w", p, err)
		}
		if st.IsDir() {
			got, n, err := FilesFromFS(os.DirFS(p), ".")
			if err != nil {
				return nil, nil, err
			}
			for _, note := range n {
				notes = append(notes, filepath.Join(p, note))
			}
			found := 0
			for _, f := range got {
				if layer != "" && f.Layer != layer {
					continue
				}
				f.Name = filepath.Join(p, f.Name)
				files = append(files, f)
				found++
			}
			if found == 0 {
				want := "no layer files (<layer>.geojson)"
				if layer != "" {
					want = "no " + layer + ".geojson"
				}
				return nil, nil, renew.Invalid("%s: %s in this folder", p, want)
			}
			continue
		}
		l := layer
		if l == "" {
			if l = LayerOfName(p); l == "" {
				return nil, nil, renew.Invalid("%s: the file name does not name a layer (the layers are %s); rename it to <layer>.geojson or give the layer (--layer)", p, layerNames())
			}
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", p, err)
		}
		files = append(files, File{Name: p, Layer: l, Data: data})
	}
	if len(files) == 0 {
		return nil, nil, renew.Invalid("nothing to load: name GeoJSON files or folders")
	}
	sortFiles(files)
	return files, notes, nil
}

// FilesFromFS reads every <layer>.geojson (or .json) in dir of fsys, in dependency order of their
// layers; other files are skipped with a note naming them (dir/name). The server loads the
// embedded demo data this way.
func FilesFromFS(fsys fs.FS, dir string) ([]File, []string, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, nil, fmt.Errorf("read folder %s: %w", dir, err)
	}
	var files []File
	var notes []string
	for _, e := range entries {
		name := path.Join(dir, e.Name())
		if e.IsDir() {
			continue
		}
		l := LayerOfName(e.Name())
		if l == "" {
			notes = append(notes, fmt.Sprintf("%s: skipped, not a layer file (<layer>.geojson)", name))
			continue
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", name, err)
		}
		files = append(files, File{Name: name, Layer: l, Data: data})
	}
	sortFiles(files)
	return files, notes, nil
}

// sortFiles orders files by their layer's place in the dependency order, keeping the given order
// within a layer.
func sortFiles(files []File) {
	rank := map[string]int{}
	for i, l := range layers {
		rank[l.Name] = i
	}
	// A stable insertion sort: the lists are short.
	for i := 1; i < len(files); i++ {
		for j := i; j > 0 && rank[files[j].Layer] < rank[files[j-1].Layer]; j-- {
			files[j], files[j-1] = files[j-1], files[j]
		}
	}
}
