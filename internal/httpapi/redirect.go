package httpapi

import "strings"

// safeNext returns target when a browser following it stays on this site: a path that starts
// with one "/" and holds only visible ASCII other than "\" (browsers read "\" as "/" and drop
// tabs and newlines, so "/\evil.example" and "/<TAB>/evil.example" lead to another host).
// Anything else becomes "/". web/static/js/login.js applies the same rule to ?next=.
func safeNext(target string) string {
	if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") {
		return "/"
	}
	for i := 0; i < len(target); i++ {
		if b := target[i]; b <= ' ' || b >= 0x7f || b == '\\' {
			return "/"
		}
	}
	return target
}
