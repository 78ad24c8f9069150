package web

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// literal is a string literal of a script: its text (a template literal's text without its
// ${…} parts) and the byte offset where it starts.
type literal struct {
	text string
	pos  int
}

// call is a call of a function by name, with the offsets of its parentheses and of the commas
// between its arguments.
type call struct {
	name       string
	open, shut int
	commas     []int
}

// arg returns the index of the argument of c at offset pos.
func (c call) arg(pos int) int {
	n := 0
	for _, p := range c.commas {
		if p < pos {
			n++
		}
	}
	return n
}

// scanJS splits a script into its string literals, the calls it makes and the names it uses
// other than in calls and after a dot, skipping comments and regular expression literals. It
// reads the shapes these scripts use, not all of JavaScript.
func scanJS(src string) (lits []literal, calls []call, names []literal) {
	type frame struct {
		name   string // the called name for "(", "" for other brackets
		open   int
		tmpl   bool // a ${ of a template literal
		commas []int
	}
	var stack []frame
	prevCode := byte('(') // the last code character, which tells a regexp from a division
	prevWord := ""
	i := 0
	// readTemplate reads template text from i up to its end or a ${, returning the text.
	readTemplate := func() (string, bool) {
		var b strings.Builder
		for i < len(src) {
			switch c := src[i]; {
			case c == '\\' && i+1 < len(src):
				b.WriteString(src[i : i+2])
				i += 2
			case c == '`':
				i++
				return b.String(), false
			case c == '$' && i+1 < len(src) && src[i+1] == '{':
				i += 2
				return b.String(), true
			default:
				b.WriteByte(c)
				i++
			}
		}
		return b.String(), false
	}
	for i < len(src) {
		c := src[i]
		switch {
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return
			}
			i += end + 4
		case c == '/' && (strings.IndexByte("(,=:[!&|?{};+-*%<>~^", prevCode) >= 0 || prevWord == "return"):
			// A regular expression literal.
			i++
			inClass := false
			for i < len(src) && (src[i] != '/' || inClass) {
				switch src[i] {
				case '\\':
					i++
				case '[':
					inClass = true
				case ']':
					inClass = false
				}
				i++
			}
			i++
			for i < len(src) && unicode.IsLetter(rune(src[i])) {
				i++
			}
			prevCode, prevWord = ')', ""
		case c == '\'' || c == '"':
			start := i
			i++
			var b strings.Builder
			for i < len(src) && src[i] != c {
				if src[i] == '\\' {
					b.WriteByte(src[i])
					i++
				}
				b.WriteByte(src[i])
				i++
			}
			i++
			lits = append(lits, literal{b.String(), start})
			prevCode, prevWord = ')', ""
		case c == '`' || c == '}' && len(stack) > 0 && stack[len(stack)-1].tmpl:
			// A template literal, or its text after a ${…}.
			if c == '}' {
				stack = stack[:len(stack)-1]
			}
			start := i
			i++
			text, more := readTemplate()
			lits = append(lits, literal{text, start})
			prevCode, prevWord = ')', ""
			if more {
				stack = append(stack, frame{open: i, tmpl: true})
				prevCode = '('
			}
		case c == '(' || c == '[' || c == '{':
			name := ""
			if c == '(' {
				name = prevWord
			}
			stack = append(stack, frame{name: name, open: i})
			prevCode, prevWord = c, ""
			i++
		case c == ')' || c == ']' || c == '}':
			if len(stack) > 0 {
				f := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if c == ')' && f.name != "" {
					calls = append(calls, call{f.name, f.open, i, f.commas})
				}
			}
			prevCode, prevWord = ')', ""
			i++
		case c == '_' || c == '$' || c < 0x80 && unicode.IsLetter(rune(c)) || c >= '0' && c <= '9':
			start := i
			for i < len(src) && (src[i] == '_' || src[i] == '$' || src[i] < 0x80 && (unicode.IsLetter(rune(src[i])) || unicode.IsDigit(rune(src[i])))) {
				i++
			}
			prevWord, prevCode = src[start:i], 'a'
			if start == 0 || src[start-1] != '.' {
				next := strings.TrimLeft(src[i:], " \t\n\r")
				if !strings.HasPrefix(next, "(") {
					names = append(names, literal{prevWord, start})
				}
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		default:
			if c == ',' && len(stack) > 0 {
				stack[len(stack)-1].commas = append(stack[len(stack)-1].commas, i)
			}
			prevCode, prevWord = c, ""
			i++
		}
	}
	return lits, calls, names
}

// messageSinks are the functions of the pages' scripts that show a message to the user, each with
// the index of its first argument that is a message: what they are given there must come from
// the message catalogue (t, codeText, errorText), not be written in the script.
var messageSinks = map[string]int{
	"toast": 0, "say": 0, "setMessage": 0, "setHint": 0, "message": 0, "confirm": 0, "alert": 0,
	"showError": 1, // (box, err, prefix)
	"setStatus": 1, // (id, text, error)
	"act":       3, // (method, url, body, done)
}

var (
	words = regexp.MustCompile(`\p{Han}|[A-Za-z]{2,}`)
	token = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
)

// TestScriptMessagesFromCatalogue checks that the messages the scripts show (toasts, errors,
// confirmations, status lines) are the catalogue's texts: no literal Chinese or English words in
// what a message function is given.
func TestScriptMessagesFromCatalogue(t *testing.T) {
	for name, src := range scripts(t) {
		lits, calls, _ := scanJS(src)
		for _, c := range calls {
			first, ok := messageSinks[c.name]
			if !ok {
				continue
			}
			for _, l := range lits {
				if l.pos > c.open && l.pos < c.shut && c.arg(l.pos) >= first && hasWords(l.text) && !isKeyArg(src, l) {
					t.Errorf("%s:%d: %s() is given %q: put the text in messages.json and use t()", name, line(src, l.pos), c.name, l.text)
				}
			}
		}
		// A status, hint, note or message element given its text directly.
		for _, m := range statusText.FindAllStringIndex(src, -1) {
			end := m[1] + strings.IndexByte(src[m[1]:], ';')
			for _, l := range lits {
				if l.pos > m[1] && l.pos < end && hasWords(l.text) && !isKeyArg(src, l) {
					t.Errorf("%s:%d: %s is given %q: put the text in messages.json and use t()", name, line(src, l.pos), src[m[0]:m[1]], l.text)
				}
			}
		}
	}
}

// statusText matches the assignment of a text to an element that shows a message: one whose name
// or id says so (hint, status, note, message, error).
var statusText = regexp.MustCompile(`(?i)\b(?:\w*(?:hint|status|message|note|error)|\$\('[\w-]*(?:hint|status|message|note|error)'\))\.textContent\s*=`)

// hasWords reports whether a literal holds words a user would read (Chinese, or English beyond
// single letters), ignoring CSS class names and similar tokens the sinks take as options.
func hasWords(s string) bool {
	if !words.MatchString(s) {
		return false
	}
	if token.MatchString(s) {
		return false // a class or kind such as 'conflict' or 'ok'
	}
	return true
}

// isKeyArg reports whether l is the first argument of a t(…), known(…) or codeText(…) call, a
// catalogue key.
func isKeyArg(src string, l literal) bool {
	before := strings.TrimRight(src[:l.pos], " \n\t")
	for _, f := range []string{"t(", "known(", "codeText("} {
		if strings.HasSuffix(before, f) {
			p := len(before) - len(f)
			return p == 0 || !isIdent(before[p-1])
		}
	}
	return false
}

func isIdent(c byte) bool {
	return c == '_' || c == '$' || c == '.' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

// TestScriptKeysInCatalogue checks that every key a script looks up (t('…'), known('…'),
// and the fixed part of t(`prefix.${…}`)) is in the catalogue.
func TestScriptKeysInCatalogue(t *testing.T) {
	var cat struct {
		UI    map[string]string `json:"ui"`
		Codes map[string]string `json:"codes"`
	}
	data, err := fs.ReadFile(FS, "static/messages.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &cat); err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	keyRE := regexp.MustCompile("(?:^|[^\\w.$])(?:t|known)\\(\\s*(?:'([^']*)'|`([^`$]*)\\$\\{)")
	for name, src := range scripts(t) {
		for _, m := range keyRE.FindAllStringSubmatchIndex(src, -1) {
			if m[2] >= 0 {
				key := src[m[2]:m[3]]
				used[key] = true
				_, inUI := cat.UI[key]
				_, inCodes := cat.Codes[key]
				if !inUI && !inCodes {
					t.Errorf("%s:%d: key %q is not in messages.json", name, line(src, m[2]), key)
				}
				continue
			}
			prefix := src[m[4]:m[5]]
			found := false
			for k := range cat.UI {
				if strings.HasPrefix(k, prefix) {
					found, used[k] = true, true
				}
			}
			if !found {
				t.Errorf("%s:%d: no key of messages.json starts with %q", name, line(src, m[4]), prefix)
			}
		}
	}
	if t.Failed() {
		return
	}
	// Every ui key is used by a script or by a page template (the Go side reads "page.*",
	// "app.name", "residents.name" and the nav list).
	var unused []string
	for k := range cat.UI {
		if !used[k] && !strings.HasPrefix(k, "page.") && k != "app.name" && k != "residents.name" {
			unused = append(unused, k)
		}
	}
	sort.Strings(unused)
	if len(unused) > 0 {
		t.Errorf("messages.json ui keys no script uses: %v", unused)
	}
}

// TestScanJS checks the scanner on the shapes that matter: a comment, a regexp with a quote in it,
// a template literal with a call inside.
func TestScanJS(t *testing.T) {
	src := "// toast('注释')\nconst r = /['\"]/;\ntoast(`已保存：${t('a.b', x)}`, 'ok');\nsay(n / 2, '完成');"
	lits, calls, _ := scanJS(src)
	var got []string
	for _, l := range lits {
		got = append(got, l.text)
	}
	if want := "已保存：|a.b||ok|完成"; strings.Join(got, "|") != want {
		t.Errorf("literals %q, want %q", strings.Join(got, "|"), want)
	}
	var names []string
	for _, c := range calls {
		names = append(names, fmt.Sprintf("%s:%d", c.name, line(src, c.open)))
	}
	if want := "t:3 toast:3 say:4"; strings.Join(names, " ") != want {
		t.Errorf("calls %q, want %q", strings.Join(names, " "), want)
	}
	if say := calls[2]; say.arg(strings.Index(src, "'完成'")) != 1 || say.arg(strings.Index(src, "n / 2")) != 0 {
		t.Errorf("say's arguments misread: commas at %v", say.commas)
	}
}

// TestScriptsKeepT checks that a script that imports the catalogue's t (msg.js) does not also
// name something else t, which would hide it: t('…') there would call a number or a record.
func TestScriptsKeepT(t *testing.T) {
	imports := regexp.MustCompile(`import \{[^}]*\bt\b[^}]*\} from '\./msg\.js'`)
	for name, src := range scripts(t) {
		if !imports.MatchString(src) {
			continue
		}
		_, _, names := scanJS(src)
		for _, n := range names {
			lineStart := strings.LastIndexByte(src[:n.pos], '\n') + 1
			if n.text == "t" && !strings.HasPrefix(src[lineStart:], "import ") &&
				!strings.HasPrefix(strings.TrimLeft(src[n.pos+1:], " "), ":") {
				t.Errorf("%s:%d: a name t hides the catalogue's t()", name, line(src, n.pos))
			}
		}
	}
}

func scripts(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	paths, err := fs.Glob(FS, "static/js/*.js")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, p := range paths {
		b, err := fs.ReadFile(FS, p)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = string(b)
	}
	return out
}

func line(src string, pos int) int { return strings.Count(src[:pos], "\n") + 1 }
