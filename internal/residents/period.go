package residents

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"renewmap/internal/renew"
)

// NoticePeriod is the 公示期 of a plan's public notice and the channel for residents' views
// (a phone number, an office, a mailbox).
type NoticePeriod struct {
	OpensOn  renew.Date `json:"opens_on"`
	ClosesOn renew.Date `json:"closes_on"`
	Feedback string     `json:"feedback"`
}

// MaxNoticeDays bounds a notice period; MaxFeedbackChars the feedback channel's text.
const (
	MaxNoticeDays    = 90
	MaxFeedbackChars = 200
)

// ParseNoticePeriod checks a period given as two dates (YYYY-MM-DD) and a feedback channel.
func ParseNoticePeriod(opens, closes, feedback string) (NoticePeriod, error) {
	o, err := renew.ParseDate(opens)
	if err != nil {
		return NoticePeriod{}, err
	}
	c, err := renew.ParseDate(closes)
	if err != nil {
		return NoticePeriod{}, err
	}
	if c.Before(o) || c.Time().Sub(o.Time()).Hours() > 24*MaxNoticeDays {
		return NoticePeriod{}, renew.Invalid("公示期的结束日期不能早于开始日期，最长 %d 天", MaxNoticeDays)
	}
	feedback = strings.TrimSpace(feedback)
	if n := utf8.RuneCountInString(feedback); n == 0 || n > MaxFeedbackChars || !utf8.ValidString(feedback) ||
		strings.IndexFunc(feedback, unicode.IsControl) >= 0 {
		return NoticePeriod{}, renew.Invalid("意见反馈渠道应为 1 至 %d 个字，如电话或接待地点", MaxFeedbackChars)
	}
	return NoticePeriod{OpensOn: o, ClosesOn: c, Feedback: feedback}, nil
}
