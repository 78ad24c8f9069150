package foreign

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// NormalizeName is the key names are matched on when table rows join features (docs/import.md):
// full-width characters become half-width (Ａ１（ → A1(), letters lower case, every space and
// middle dot goes, a trailing 小区 goes (铁西 小区 = 铁西), and a building number's suffix goes
// (3#, 3号楼, 3号, 3栋, 3幢 = 3). Two names match when their keys are equal.
func NormalizeName(s string) string {
	s = width.Fold.String(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r), r == '·', r == '•', r == '・', r == '\u200b', r == '\ufeff':
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	s = b.String()
	for {
		t := strings.TrimSuffix(s, "小区")
		if t == s || t == "" {
			break
		}
		s = t
	}
	return buildingSuffix.ReplaceAllString(s, "$1")
}

// buildingSuffix is a number followed by how Chinese tables write "building N".
var buildingSuffix = regexp.MustCompile(`(\d+)(?:#|号楼|号|栋|幢|楼)$`)
