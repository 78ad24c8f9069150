package main

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"renewmap/geodata"
)

// The committed demo dataset is exactly what `renewmap gen-demo` writes: nobody edited the files
// by hand and nobody forgot to regenerate them after changing the generator.
func TestCommittedDemoIsCurrent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := &env{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}
	if err := run(context.Background(), []string{"gen-demo", "-out", dir}, e); err != nil {
		t.Fatal(err)
	}
	committed, err := fs.Glob(geodata.FS, "tiexi/*.geojson")
	if err != nil || len(committed) != 12 {
		t.Fatalf("committed layers %v (%v), want 12 files", committed, err)
	}
	for _, path := range committed {
		want, _ := fs.ReadFile(geodata.FS, path)
		got, err := os.ReadFile(filepath.Join(dir, filepath.Base(path)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output: run `make demo` and commit", path)
		}
	}
}
