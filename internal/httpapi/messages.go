package httpapi

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"renewmap/internal/renew"
	"renewmap/web"
)

// catalogue is the one message catalogue (web/static/messages.json) the server and the pages
// share: every text a user can see, in Chinese. Codes holds the message for each error code of
// the JSON error body; Server translates the messages of renew.Error, keyed by their format
// string (the gettext way: the source text is the key); UI holds the pages' own texts.
type catalogue struct {
	Codes  map[string]string `json:"codes"`
	Server map[string]string `json:"server"`
	UI     map[string]string `json:"ui"`
}

var messages = mustLoadCatalogue()

func mustLoadCatalogue() catalogue {
	data, err := web.FS.ReadFile("static/messages.json")
	if err != nil {
		panic("httpapi: embedded message catalogue: " + err.Error())
	}
	var c catalogue
	if err := json.Unmarshal(data, &c); err != nil {
		panic("httpapi: message catalogue is not valid JSON: " + err.Error())
	}
	return c
}

// code returns the catalogue's message for an error code, or the one for "error".
func (c catalogue) code(code string) string {
	if m, ok := c.Codes[code]; ok {
		return m
	}
	return c.Codes["error"]
}

// asideRE matches a remark in brackets without a Chinese character: the English gloss older
// messages carry, such as "登记码不正确 (wrong code)".
var asideRE = regexp.MustCompile(`\s*[(（][^()（）\p{Han}]*[)）]`)

var hanRE = regexp.MustCompile(`\p{Han}`)

// user returns the Chinese text of a user-safe error, or false when the catalogue has none.
// A message built at run time (not a literal format) that is Chinese with an English gloss is
// shown without the gloss.
func (c catalogue) user(e *renew.Error) (string, bool) {
	key := e.Format
	if key == "" {
		key = e.Msg
	}
	if tmpl, ok := c.Server[key]; ok {
		args := make([]any, len(e.Args))
		for i, a := range e.Args {
			args[i] = a
			if s, ok := a.(string); ok {
				if t, ok := c.Server[s]; ok {
					args[i] = t
				}
			}
		}
		return format(tmpl, args), true
	}
	if hanRE.MatchString(e.Msg) {
		return asideRE.ReplaceAllString(e.Msg, ""), true
	}
	return "", false
}

// format fills tmpl with args; a text that takes no arguments is shown as it is (a translation
// may leave out details of the English, such as the value given).
func format(tmpl string, args []any) string {
	if !strings.Contains(strings.ReplaceAll(tmpl, "%%", ""), "%") {
		return strings.ReplaceAll(tmpl, "%%", "%")
	}
	return fmt.Sprintf(tmpl, args...)
}
