// Package pmtilestest writes small PMTiles v3 archives for tests (the reader's and the server's):
// tiles by id, gzip or plain directories, optionally in leaf directories.
package pmtilestest

import (
	"renewmap/internal/pmtiles"

	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"sort"
)

// Archive is what a test writes: tiles by id, the metadata, and how the directories are laid out.
type Archive struct {
	Tiles    map[uint64][]byte
	Meta     string
	GzipDirs bool
	// GzipTiles marks the tiles as gzip-compressed (the header's tile compression); the tiles
	// given must be so already.
	GzipTiles bool
	// LeafSize > 0 puts the entries in leaf directories of that many entries each.
	LeafSize int
	TileType uint8
	MinZoom  uint8
	MaxZoom  uint8
	Bounds   [4]float64 // min lon, min lat, max lon, max lat
}

// EncodeDirectory encodes directory entries (uncompressed).
func EncodeDirectory(es []pmtiles.Entry) []byte {
	var b []byte
	put := func(v uint64) { b = binary.AppendUvarint(b, v) }
	put(uint64(len(es)))
	var last uint64
	for _, e := range es {
		put(e.TileID - last)
		last = e.TileID
	}
	for _, e := range es {
		put(uint64(e.RunLength))
	}
	for _, e := range es {
		put(uint64(e.Length))
	}
	for i, e := range es {
		if i > 0 && e.Offset == es[i-1].Offset+uint64(es[i-1].Length) {
			put(0)
		} else {
			put(e.Offset + 1)
		}
	}
	return b
}

func (a Archive) compress(b []byte) []byte {
	if !a.GzipDirs {
		return b
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// Bytes writes the archive: identical tiles share their bytes, and consecutive ids with the
// same bytes make one run.
func (a Archive) Bytes() []byte {
	ids := make([]uint64, 0, len(a.Tiles))
	for id := range a.Tiles {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var data []byte
	at := map[string]uint64{}
	var es []pmtiles.Entry
	for _, id := range ids {
		t := a.Tiles[id]
		if n := len(es); n > 0 && es[n-1].TileID+uint64(es[n-1].RunLength) == id &&
			bytes.Equal(data[es[n-1].Offset:es[n-1].Offset+uint64(es[n-1].Length)], t) {
			es[n-1].RunLength++
			continue
		}
		off, ok := at[string(t)]
		if !ok {
			off = uint64(len(data))
			at[string(t)] = off
			data = append(data, t...)
		}
		es = append(es, pmtiles.Entry{TileID: id, Offset: off, Length: uint32(len(t)), RunLength: 1})
	}
	root, leaves := es, []byte(nil)
	if a.LeafSize > 0 {
		root = nil
		for i := 0; i < len(es); i += a.LeafSize {
			chunk := es[i:min(i+a.LeafSize, len(es))]
			dir := a.compress(EncodeDirectory(chunk))
			root = append(root, pmtiles.Entry{TileID: chunk[0].TileID, Offset: uint64(len(leaves)), Length: uint32(len(dir))})
			leaves = append(leaves, dir...)
		}
	}
	rootb := a.compress(EncodeDirectory(root))
	meta := a.compress([]byte(a.Meta))
	h := make([]byte, pmtiles.HeaderLen)
	copy(h, "PMTiles")
	h[7] = 3
	u := func(at int, v uint64) { binary.LittleEndian.PutUint64(h[at:], v) }
	off := uint64(pmtiles.HeaderLen)
	u(8, off)
	u(16, uint64(len(rootb)))
	off += uint64(len(rootb))
	u(24, off)
	u(32, uint64(len(meta)))
	off += uint64(len(meta))
	u(40, off)
	u(48, uint64(len(leaves)))
	off += uint64(len(leaves))
	u(56, off)
	u(64, uint64(len(data)))
	u(72, uint64(len(a.Tiles)))
	u(80, uint64(len(es)))
	u(88, uint64(len(at)))
	h[96] = 1
	h[97] = pmtiles.CompressionNone
	if a.GzipDirs {
		h[97] = pmtiles.CompressionGzip
	}
	h[98] = pmtiles.CompressionNone
	if a.GzipTiles {
		h[98] = pmtiles.CompressionGzip
	}
	h[99] = a.TileType
	h[100], h[101] = a.MinZoom, a.MaxZoom
	for i, v := range a.Bounds {
		binary.LittleEndian.PutUint32(h[102+4*i:], uint32(int32(math.Round(v*1e7))))
	}
	h[118] = a.MinZoom
	out := append(h, rootb...)
	out = append(out, meta...)
	out = append(out, leaves...)
	return append(out, data...)
}
