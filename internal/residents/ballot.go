package residents

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"renewmap/internal/renew"
)

// MaxComment is the longest comment, in characters.
const MaxComment = 500

// Ballot is one household's answer. A menu ballot has Choices (menu codes), Priorities (up to the
// survey's MaxPriorities of the choices, most important first) and Consent; a satisfaction ballot
// has Ratings (goal → 1–5; a goal the household does not judge is left out). Comment is plain text,
// stored as written and always shown as text, never as markup.
type Ballot struct {
	Choices    []string           `json:"choices"`
	Priorities []string           `json:"priorities"`
	Consent    *bool              `json:"consent"`
	Ratings    map[renew.Goal]int `json:"ratings"`
	Comment    string             `json:"comment"`
}

// Validate checks b for a survey of kind k against the renovation menu and cleans it in place:
// nil slices and maps become empty, line breaks in the comment become "\n" and surrounding space
// is trimmed. It returns a renew.ErrInvalid error with a Chinese message naming the problem.
func Validate(k Kind, b *Ballot, menu map[string]renew.MenuItem, maxPriorities int) error {
	if b.Choices == nil {
		b.Choices = []string{}
	}
	if b.Priorities == nil {
		b.Priorities = []string{}
	}
	if b.Ratings == nil {
		b.Ratings = map[renew.Goal]int{}
	}
	comment, err := cleanComment(b.Comment)
	if err != nil {
		return err
	}
	b.Comment = comment
	switch k {
	case KindMenu:
		return validateMenu(b, menu, maxPriorities)
	case KindSatisfaction:
		return validateSatisfaction(b)
	}
	return renew.Invalid("未知的调查类型 (unknown survey kind)")
}

func validateMenu(b *Ballot, menu map[string]renew.MenuItem, maxPriorities int) error {
	if len(b.Ratings) > 0 {
		return renew.Invalid("ratings: 改造内容征求意见不含满意度评分 (a menu ballot has no ratings)")
	}
	if b.Consent == nil {
		return renew.Invalid("consent: 请选择是否同意本小区实施改造 (say whether you agree to the renovation)")
	}
	if len(b.Choices) > len(menu) {
		return renew.Invalid("choices: 所选项目超过菜单项目数 (more choices than menu items)")
	}
	chosen := make(map[string]bool, len(b.Choices))
	for _, c := range b.Choices {
		if _, ok := menu[c]; !ok {
			return renew.Invalid("choices: 菜单中没有项目 %.12q (unknown menu item)", c)
		}
		if chosen[c] {
			return renew.Invalid("choices: 项目 %s 重复 (an item chosen twice)", c)
		}
		chosen[c] = true
	}
	if len(b.Priorities) > maxPriorities {
		return renew.Invalid("priorities: 最多排序 %d 项优先改造内容 (at most %d priorities)", maxPriorities, maxPriorities)
	}
	ranked := make(map[string]bool, len(b.Priorities))
	for _, p := range b.Priorities {
		if !chosen[p] {
			return renew.Invalid("priorities: 优先项 %.12q 须是已勾选的项目 (a priority must be one of the choices)", p)
		}
		if ranked[p] {
			return renew.Invalid("priorities: 优先项 %s 重复 (an item ranked twice)", p)
		}
		ranked[p] = true
	}
	return nil
}

func validateSatisfaction(b *Ballot) error {
	if len(b.Choices) > 0 || len(b.Priorities) > 0 || b.Consent != nil {
		return renew.Invalid("满意度评价只含各目标的评分和意见 (a satisfaction ballot has ratings and a comment only)")
	}
	if len(b.Ratings) == 0 {
		return renew.Invalid("ratings: 请至少为一项目标打分 (rate at least one goal)")
	}
	for g, v := range b.Ratings {
		if !validGoal(g) {
			return renew.Invalid("ratings: 未知的目标 %.20q (unknown goal)", string(g))
		}
		if v < 1 || v > 5 {
			return renew.Invalid("ratings: %s 的评分应为1至5分 (a rating is 1 to 5)", g.Name())
		}
	}
	return nil
}

// cleanComment trims the comment, folds \r\n and \r into \n, and refuses invalid UTF-8, control
// characters other than line breaks and tabs, and more than MaxComment characters. Markup is not
// touched: it is stored as written and the pages show it as text.
func cleanComment(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", renew.Invalid("comment: 意见含有无效字符 (not valid UTF-8)")
	}
	s = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"))
	for _, r := range s {
		if r != '\n' && r != '\t' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029') {
			return "", renew.Invalid("comment: 意见含有控制字符 (control characters)")
		}
	}
	if n := utf8.RuneCountInString(s); n > MaxComment {
		return "", renew.Invalid("comment: 意见最多 %d 字，当前 %d 字 (at most %d characters)", MaxComment, n, MaxComment)
	}
	return s, nil
}

func validGoal(g renew.Goal) bool {
	for _, x := range renew.Goals {
		if g == x {
			return true
		}
	}
	return false
}
