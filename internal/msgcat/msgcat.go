// Package msgcat is the one message catalogue (web/static/messages.json) the server and the
// pages share: it turns the messages of renew.Error and an import's problems, written in English
// with their format kept, into the Chinese a user sees. The API's error answers and the background
// import's failure text both use it.
package msgcat

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"renewmap/internal/ingest"
	"renewmap/internal/renew"
	"renewmap/web"
)

// Catalogue holds every text a user can see, in Chinese. Codes holds the message for each error code of
// the JSON error body; Server translates the messages of renew.Error, keyed by their format
// string (the gettext way: the source text is the key); UI holds the pages' own texts.
type Catalogue struct {
	Codes  map[string]string `json:"codes"`
	Server map[string]string `json:"server"`
	UI     map[string]string `json:"ui"`
}

// Messages is the catalogue embedded in the web package.
var Messages = mustLoad()

func mustLoad() Catalogue {
	data, err := web.FS.ReadFile("static/messages.json")
	if err != nil {
		panic("msgcat: embedded message catalogue: " + err.Error())
	}
	var c Catalogue
	if err := json.Unmarshal(data, &c); err != nil {
		panic("msgcat: message catalogue is not valid JSON: " + err.Error())
	}
	return c
}

// Code returns the catalogue's message for an error code, or the one for "error".
func (c Catalogue) Code(code string) string {
	if m, ok := c.Codes[code]; ok {
		return m
	}
	return c.Codes["error"]
}

// asideRE matches a remark in brackets without a Chinese character: the English gloss older
// messages carry, such as "登记码不正确 (wrong code)".
var asideRE = regexp.MustCompile(`\s*[(（][^()（）\p{Han}]*[)）]`)

var hanRE = regexp.MustCompile(`\p{Han}`)

// User returns the Chinese text of a user-safe error, or false when the catalogue has none.
// A message built at run time (not a literal format) that is Chinese with an English gloss is
// shown without the gloss.
func (c Catalogue) User(e *renew.Error) (string, bool) {
	key := e.Format
	if key == "" {
		key = e.Msg
	}
	if tmpl, ok := c.Server[key]; ok {
		args := make([]any, len(e.Args))
		for i, a := range e.Args {
			args[i] = a
			switch a := a.(type) {
			case string:
				if t, ok := c.Server[a]; ok {
					args[i] = t
				}
			case renew.Text: // a part of the message, such as a place in a file
				args[i] = c.Phrase(a)
			case error: // a cause, such as an import's problems
				if t, ok := c.Text(a); ok {
					args[i] = t
				}
			}
		}
		return Format(tmpl, args), true
	}
	if hanRE.MatchString(e.Msg) {
		return asideRE.ReplaceAllString(e.Msg, ""), true
	}
	return "", false
}

// Phrase returns the Chinese text of a part of a message, or its English when the catalogue has
// none (or it says nothing).
func (c Catalogue) Phrase(t renew.Text) string {
	if _, ok := c.Server[t.Format]; ok && !t.IsZero() {
		m, _ := c.User(&renew.Error{Format: t.Format, Args: t.Args})
		return m
	}
	return t.String()
}

// Text returns the Chinese text of a user-safe error (an import's problems, or a renew.Error),
// or false when the catalogue has none.
func (c Catalogue) Text(err error) (string, bool) {
	var ve *ingest.ValidationError
	if errors.As(err, &ve) {
		return c.problems(ve)
	}
	if e := renew.UserError(err); e != nil {
		return c.User(e)
	}
	return "", false
}

// problems returns the Chinese text of an import's validation error, one problem a line: a
// problem whose format the catalogue knows is translated; one it does not know is shown, without
// its English gloss, when it holds Chinese (as a whole message of that kind always was: it names
// the user's data), and left out, but counted, otherwise. ok is false when no problem can be shown.
func (c Catalogue) problems(ve *ingest.ValidationError) (string, bool) {
	var lines []string
	for i := range min(len(ve.Problems), len(ve.Formats), len(ve.Args)) {
		f := ve.Formats[i]
		if _, ok := c.Server[f]; ok {
			m, _ := c.User(&renew.Error{Format: f, Args: ve.Args[i]})
			lines = append(lines, m)
		} else if hanRE.MatchString(ve.Problems[i]) {
			lines = append(lines, asideRE.ReplaceAllString(ve.Problems[i], ""))
		}
	}
	if len(lines) == 0 {
		return "", false
	}
	total := len(ve.Problems) + ve.Omitted
	if total == 1 {
		return lines[0], true
	}
	if rest := total - len(lines); rest > 0 {
		lines = append(lines, Format(c.Server["… and %d more"], []any{rest}))
	}
	return Format(c.Server["%d problems in the data:"], []any{total}) + "\n" + strings.Join(lines, "\n"), true
}

// Format fills tmpl with args; a text that takes no arguments is shown as it is (a translation
// may leave out details of the English, such as the value given).
func Format(tmpl string, args []any) string {
	if !strings.Contains(strings.ReplaceAll(tmpl, "%%", ""), "%") {
		return strings.ReplaceAll(tmpl, "%%", "%")
	}
	return fmt.Sprintf(tmpl, args...)
}
