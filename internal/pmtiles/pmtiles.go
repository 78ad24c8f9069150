// Package pmtiles reads PMTiles version 3 archives (https://github.com/protomaps/PMTiles, spec
// v3): one file holding a tile pyramid, addressed by Hilbert tile ids through a root directory
// and leaf directories. It is the base map of an offline intranet (renewmap serve -base-map
// pmtiles). It reads only: the header, the (gzip-compressed or plain) directories and metadata,
// and tiles by z/x/y. The upstream Go module was not used because its one package imports the
// cloud storage SDKs of three vendors.
package pmtiles

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"sort"
	"sync"
)

// HeaderLen is the fixed length of a v3 header.
const HeaderLen = 127

// Compression of the directories, the metadata or the tiles.
const (
	CompressionUnknown = 0
	CompressionNone    = 1
	CompressionGzip    = 2
	CompressionBrotli  = 3
	CompressionZstd    = 4
)

// Tile types.
const (
	TypeUnknown = 0
	TypeMVT     = 1
	TypePNG     = 2
	TypeJPEG    = 3
	TypeWebP    = 4
	TypeAVIF    = 5
)

// Header is a v3 header. Bounds are in degrees (the file stores them ×10⁷).
type Header struct {
	RootOffset, RootLength         uint64
	MetadataOffset, MetadataLength uint64
	LeafOffset, LeafLength         uint64
	DataOffset, DataLength         uint64
	AddressedTiles, TileEntries    uint64
	TileContents                   uint64
	Clustered                      bool
	InternalCompression            uint8
	TileCompression                uint8
	TileType                       uint8
	MinZoom, MaxZoom               uint8
	MinLon, MinLat, MaxLon, MaxLat float64
	CenterZoom                     uint8
	CenterLon, CenterLat           float64
}

// ContentType is the HTTP media type of the tiles.
func (h Header) ContentType() string {
	switch h.TileType {
	case TypeMVT:
		return "application/vnd.mapbox-vector-tile"
	case TypePNG:
		return "image/png"
	case TypeJPEG:
		return "image/jpeg"
	case TypeWebP:
		return "image/webp"
	case TypeAVIF:
		return "image/avif"
	}
	return "application/octet-stream"
}

// ErrFormat is wrapped by every error about a malformed archive.
var ErrFormat = errors.New("pmtiles: not a valid PMTiles v3 archive")

func bad(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, a...))
}

// ParseHeader decodes the first HeaderLen bytes of an archive.
func ParseHeader(b []byte) (Header, error) {
	var h Header
	if len(b) < HeaderLen {
		return h, bad("header of %d bytes", len(b))
	}
	if string(b[:7]) != "PMTiles" {
		return h, bad("no PMTiles magic")
	}
	if b[7] != 3 {
		return h, bad("version %d, only 3 is read", b[7])
	}
	u := func(at int) uint64 { return binary.LittleEndian.Uint64(b[at:]) }
	deg := func(at int) float64 { return float64(int32(binary.LittleEndian.Uint32(b[at:]))) / 1e7 }
	h = Header{
		RootOffset: u(8), RootLength: u(16), MetadataOffset: u(24), MetadataLength: u(32),
		LeafOffset: u(40), LeafLength: u(48), DataOffset: u(56), DataLength: u(64),
		AddressedTiles: u(72), TileEntries: u(80), TileContents: u(88),
		Clustered: b[96] == 1, InternalCompression: b[97], TileCompression: b[98], TileType: b[99],
		MinZoom: b[100], MaxZoom: b[101],
		MinLon: deg(102), MinLat: deg(106), MaxLon: deg(110), MaxLat: deg(114),
		CenterZoom: b[118], CenterLon: deg(119), CenterLat: deg(123),
	}
	if h.InternalCompression != CompressionNone && h.InternalCompression != CompressionGzip {
		return h, bad("directory compression %d (only none and gzip are read)", h.InternalCompression)
	}
	if h.MinZoom > h.MaxZoom || h.MaxZoom > MaxZoom {
		return h, bad("zooms %d–%d", h.MinZoom, h.MaxZoom)
	}
	return h, nil
}

// MaxZoom is the deepest zoom a tile id can address here (ids stay below 2⁶³).
const MaxZoom = 31

// ZxyToID is the Hilbert tile id of z/x/y: the tiles of the zooms above z, then the position of
// x/y along the Hilbert curve of zoom z.
func ZxyToID(z uint8, x, y uint32) uint64 {
	acc := (uint64(1)<<(2*uint(z)) - 1) / 3
	for a := int(z) - 1; a >= 0; a-- {
		s := uint32(1) << uint(a)
		var rx, ry uint32
		if x&s != 0 {
			rx = 1
		}
		if y&s != 0 {
			ry = 1
		}
		acc += uint64((3*rx)^ry) << (2 * uint(a))
		x, y = rotate(s, x, y, rx, ry)
	}
	return acc
}

// IDToZxy is the inverse of ZxyToID.
func IDToZxy(id uint64) (uint8, uint32, uint32) {
	z := uint8((bits.Len64(3*id+1) - 1) / 2)
	t := id - (uint64(1)<<(2*uint(z))-1)/3
	var x, y uint32
	for a := uint8(0); a < z; a++ {
		s := uint32(1) << a
		rx := uint32(1 & (t >> 1))
		ry := uint32(1 & (t ^ uint64(rx)))
		x, y = rotate(s, x, y, rx, ry)
		x += rx << a
		y += ry << a
		t >>= 2
	}
	return z, x, y
}

func rotate(n, x, y, rx, ry uint32) (uint32, uint32) {
	if ry == 0 {
		if rx == 1 {
			x, y = n-1-x, n-1-y
		}
		return y, x
	}
	return x, y
}

// Entry is one directory entry: RunLength tiles from TileID on sharing the bytes at Offset
// (relative to the tile data), or, with RunLength 0, a leaf directory at Offset (relative to the
// leaf directories).
type Entry struct {
	TileID    uint64
	Offset    uint64
	Length    uint32
	RunLength uint32
}

// maxEntries bounds a directory's entry count, so a corrupt count cannot allocate without end
// (every entry takes at least four bytes).
func maxEntries(n int) uint64 { return uint64(n) / 4 }

// ParseDirectory decodes an uncompressed directory: the entry count, then the columns tile id
// deltas, run lengths, lengths and offsets (0: right after the previous entry; else offset+1),
// all varints.
func ParseDirectory(b []byte) ([]Entry, error) {
	r := bytes.NewReader(b)
	next := func() (uint64, error) {
		v, err := binary.ReadUvarint(r)
		if err != nil {
			return 0, bad("directory varint: %v", err)
		}
		return v, nil
	}
	n, err := next()
	if err != nil {
		return nil, err
	}
	if n > maxEntries(len(b)) {
		return nil, bad("directory of %d bytes claims %d entries", len(b), n)
	}
	es := make([]Entry, n)
	var id uint64
	for i := range es {
		d, err := next()
		if err != nil {
			return nil, err
		}
		id += d
		if id < d {
			return nil, bad("tile id overflows")
		}
		es[i].TileID = id
	}
	for i := range es {
		v, err := next()
		if err != nil {
			return nil, err
		}
		if v > 1<<32-1 {
			return nil, bad("run length %d", v)
		}
		es[i].RunLength = uint32(v)
	}
	for i := range es {
		v, err := next()
		if err != nil {
			return nil, err
		}
		if v > 1<<32-1 {
			return nil, bad("length %d", v)
		}
		es[i].Length = uint32(v)
	}
	for i := range es {
		v, err := next()
		if err != nil {
			return nil, err
		}
		switch {
		case v == 0 && i == 0:
			return nil, bad("the first entry has no offset")
		case v == 0:
			es[i].Offset = es[i-1].Offset + uint64(es[i-1].Length)
		default:
			es[i].Offset = v - 1
		}
	}
	if r.Len() != 0 {
		return nil, bad("%d bytes after the directory", r.Len())
	}
	return es, nil
}

// find is the entry holding id, or the leaf whose range may: the last entry with TileID ≤ id,
// when id falls within its run (a leaf's run is open-ended).
func find(es []Entry, id uint64) (Entry, bool) {
	i := sort.Search(len(es), func(i int) bool { return es[i].TileID > id }) - 1
	if i < 0 {
		return Entry{}, false
	}
	e := es[i]
	if e.RunLength == 0 || id-e.TileID < uint64(e.RunLength) {
		return e, true
	}
	return Entry{}, false
}

// Limits of what Open and Tile accept, whatever the header says.
const (
	maxDirectoryBytes = 16 << 20 // compressed or not
	maxTileBytes      = 64 << 20
	maxDepth          = 4 // leaf directories below the root (the spec's writers use one level)
	leafCacheSize     = 64
)

// Reader reads tiles from an archive. It is safe for concurrent use.
type Reader struct {
	ra     io.ReaderAt
	size   int64
	header Header
	root   []Entry
	meta   []byte

	mu     sync.Mutex
	leaves map[uint64][]Entry // by offset; at most leafCacheSize, emptied when full
}

// Open reads the header, the root directory and the metadata of the archive of size bytes.
func Open(ra io.ReaderAt, size int64) (*Reader, error) {
	hb := make([]byte, HeaderLen)
	if _, err := ra.ReadAt(hb, 0); err != nil {
		return nil, bad("reading the header: %v", err)
	}
	h, err := ParseHeader(hb)
	if err != nil {
		return nil, err
	}
	r := &Reader{ra: ra, size: size, header: h, leaves: map[uint64][]Entry{}}
	if r.root, err = r.directory(h.RootOffset, h.RootLength); err != nil {
		return nil, err
	}
	if h.MetadataLength > 0 {
		raw, err := r.section(h.MetadataOffset, h.MetadataLength, maxDirectoryBytes)
		if err != nil {
			return nil, err
		}
		if r.meta, err = decompress(raw, h.InternalCompression); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Header is the archive's header.
func (r *Reader) Header() Header { return r.header }

// Metadata is the archive's JSON metadata, decompressed (empty when it has none).
func (r *Reader) Metadata() []byte { return r.meta }

// section reads length bytes at off, checked against the file's size and limit.
func (r *Reader) section(off, length uint64, limit int) ([]byte, error) {
	if length > uint64(limit) || off > uint64(r.size) || length > uint64(r.size)-off {
		return nil, bad("section of %d bytes at %d in a file of %d", length, off, r.size)
	}
	b := make([]byte, length)
	if _, err := r.ra.ReadAt(b, int64(off)); err != nil && !(errors.Is(err, io.EOF) && length == 0) {
		return nil, fmt.Errorf("pmtiles: reading %d bytes at %d: %w", length, off, err)
	}
	return b, nil
}

func (r *Reader) directory(off, length uint64) ([]Entry, error) {
	raw, err := r.section(off, length, maxDirectoryBytes)
	if err != nil {
		return nil, err
	}
	b, err := decompress(raw, r.header.InternalCompression)
	if err != nil {
		return nil, err
	}
	return ParseDirectory(b)
}

func decompress(b []byte, c uint8) ([]byte, error) {
	switch c {
	case CompressionNone:
		return b, nil
	case CompressionGzip:
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, bad("gzip: %v", err)
		}
		out, err := io.ReadAll(io.LimitReader(zr, maxDirectoryBytes+1))
		if err != nil {
			return nil, bad("gzip: %v", err)
		}
		if len(out) > maxDirectoryBytes {
			return nil, bad("a directory larger than %d bytes", maxDirectoryBytes)
		}
		return out, nil
	}
	return nil, bad("compression %d", c)
}

// Tile returns the stored bytes of tile z/x/y (compressed as Header().TileCompression says),
// and false when the archive has no such tile.
func (r *Reader) Tile(z uint8, x, y uint32) ([]byte, bool, error) {
	if z < r.header.MinZoom || z > r.header.MaxZoom || uint64(x) >= 1<<z || uint64(y) >= 1<<z {
		return nil, false, nil
	}
	id := ZxyToID(z, x, y)
	dir := r.root
	for depth := 0; depth <= maxDepth; depth++ {
		e, ok := find(dir, id)
		if !ok {
			return nil, false, nil
		}
		if e.RunLength > 0 {
			if e.Offset > r.header.DataLength || uint64(e.Length) > r.header.DataLength-e.Offset {
				return nil, false, bad("tile %d/%d/%d outside the tile data", z, x, y)
			}
			b, err := r.section(r.header.DataOffset+e.Offset, uint64(e.Length), maxTileBytes)
			return b, err == nil, err
		}
		leaf, err := r.leaf(e)
		if err != nil {
			return nil, false, err
		}
		dir = leaf
	}
	return nil, false, bad("leaf directories nested deeper than %d", maxDepth)
}

func (r *Reader) leaf(e Entry) ([]Entry, error) {
	r.mu.Lock()
	es, ok := r.leaves[e.Offset]
	r.mu.Unlock()
	if ok {
		return es, nil
	}
	if e.Offset > r.header.LeafLength || uint64(e.Length) > r.header.LeafLength-e.Offset {
		return nil, bad("leaf directory outside its section")
	}
	es, err := r.directory(r.header.LeafOffset+e.Offset, uint64(e.Length))
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if len(r.leaves) >= leafCacheSize {
		clear(r.leaves)
	}
	r.leaves[e.Offset] = es
	r.mu.Unlock()
	return es, nil
}

// OpenFile opens the archive at path for a server: the file stays open for the reader's life
// (close it with the returned file). Tiles compressed other than gzip or not at all are refused:
// they could not be served to every client.
func OpenFile(path string) (*Reader, *os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*Reader, *os.File, error) {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	r, err := Open(f, st.Size())
	if err != nil {
		return fail(err)
	}
	switch r.header.TileCompression {
	case CompressionUnknown, CompressionNone, CompressionGzip:
	default:
		return fail(bad("tiles compressed with method %d; only gzip or none are served", r.header.TileCompression))
	}
	return r, f, nil
}
