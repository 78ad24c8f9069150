package export

import (
	"archive/zip"
	"encoding/json"
	"io"
	"net/url"
	"strings"
	"time"
)

// Bundle is a zip archive written straight to w as its files are added (archive/zip streams:
// only the central directory, a few bytes per file, is held until Close).
type Bundle struct {
	zw       *zip.Writer
	modified time.Time
}

// NewBundle starts a zip on w; every file gets modified as its time.
func NewBundle(w io.Writer, modified time.Time) *Bundle {
	return &Bundle{zw: zip.NewWriter(w), modified: modified}
}

// Create adds a compressed file and returns the writer of its content, valid until the next
// Create or Close.
func (b *Bundle) Create(name string) (io.Writer, error) {
	return b.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: b.modified})
}

// WriteJSON adds a file holding v as indented JSON.
func (b *Bundle) WriteJSON(name string, v any) error {
	w, err := b.Create(name)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// WriteText adds a text file; line ends become CRLF so Windows Notepad shows it right.
func (b *Bundle) WriteText(name, text string) error {
	w, err := b.Create(name)
	if err != nil {
		return err
	}
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\r\n")
	// A UTF-8 byte order mark: Notepad on Chinese Windows otherwise guesses GBK.
	_, err = io.WriteString(w, "\ufeff"+text)
	return err
}

// Close writes the central directory.
func (b *Bundle) Close() error { return b.zw.Close() }

// ContentDisposition returns an attachment Content-Disposition for filename: an ASCII
// filename= (fallback, for old clients) and, when filename is not plain ASCII, the RFC 5987/6266
// filename*=UTF-8” form with the real (e.g. Chinese) name.
func ContentDisposition(filename, fallback string) string {
	fallback = asciiName(fallback)
	if fallback == "" {
		fallback = "download"
	}
	// The fallback holds only letters, digits and . _ -: quoting needs no escapes.
	v := `attachment; filename="` + fallback + `"`
	if filename != fallback && filename != "" {
		v += "; filename*=UTF-8''" + rfc5987(filename)
	}
	return v
}

// asciiName keeps letters, digits and . _ - of s; anything else becomes _.
func asciiName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// rfc5987 percent-encodes s as an RFC 5987 value (attr-char kept, everything else %XX of UTF-8).
func rfc5987(s string) string {
	e := url.PathEscape(s)
	// PathEscape leaves some characters that attr-char does not allow.
	r := strings.NewReplacer("'", "%27", "(", "%28", ")", "%29", "*", "%2A", ";", "%3B", ",", "%2C",
		"=", "%3D", "@", "%40", ":", "%3A", "/", "%2F", "+", "%2B", "$", "%24")
	return r.Replace(e)
}

// SafeName makes s usable in a file name: path separators, control and reserved characters of
// Windows become _; Chinese stays.
func SafeName(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`\/:*?"<>|`, r) {
			b.WriteByte('_')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
