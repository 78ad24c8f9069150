package residents

import (
	"errors"
	"testing"
	"unicode/utf8"

	"renewmap/internal/renew"
)

func TestParseNoticePeriod(t *testing.T) {
	p, err := ParseNoticePeriod("2021-10-01", "2021-10-08", "  社区居委会 0434-1234567 ")
	if err != nil || p.Feedback != "社区居委会 0434-1234567" || p.OpensOn.String() != "2021-10-01" || p.ClosesOn.String() != "2021-10-08" {
		t.Fatalf("%+v %v", p, err)
	}
	for _, c := range [][3]string{
		{"2021-10-08", "2021-10-01", "电话"}, {"2021-10-01", "2022-01-01", "电话"}, {"2021-10-01", "2021-10-02", ""},
		{"2021-10-01", "2021-10-02", "a\x00b"}, {"10/01/2021", "2021-10-02", "电话"},
	} {
		if _, err := ParseNoticePeriod(c[0], c[1], c[2]); !errors.Is(err, renew.ErrInvalid) {
			t.Errorf("%q: %v", c, err)
		}
	}
}

// Whatever is given, the answer is a period that can be shown or an ErrInvalid with a message.
func FuzzParseNoticePeriod(f *testing.F) {
	f.Add("2021-10-01", "2021-10-08", "社区居委会")
	f.Add("2021-02-30", "2021-03-01", "\xff")
	f.Fuzz(func(t *testing.T, opens, closes, feedback string) {
		p, err := ParseNoticePeriod(opens, closes, feedback)
		if err != nil {
			if !errors.Is(err, renew.ErrInvalid) || renew.UserMessage(err) == "" {
				t.Fatalf("error %v", err)
			}
			return
		}
		if p.ClosesOn.Before(p.OpensOn) || p.Feedback == "" || utf8.RuneCountInString(p.Feedback) > MaxFeedbackChars || !utf8.ValidString(p.Feedback) {
			t.Fatalf("accepted %+v", p)
		}
	})
}
