package residents

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"renewmap/internal/renew"
)

func TestNewCode(t *testing.T) {
	seen := map[string]bool{}
	for range 20000 {
		c := NewCode()
		if len(c) != CodeLength+1 || c[5] != '-' {
			t.Fatalf("code %q: want two groups of five", c)
		}
		n, ok := NormalizeCode(c)
		if !ok || n != strings.ReplaceAll(c, "-", "") {
			t.Fatalf("code %q does not normalise to itself: %q %v", c, n, ok)
		}
		if seen[n] {
			t.Fatalf("code %q drawn twice in 20000 (50 bits: should not happen)", c)
		}
		seen[n] = true
	}
	if CodeBits < 50 {
		t.Fatalf("codes carry %d bits, want at least 50", CodeBits)
	}
	// Every symbol of the alphabet turns up in every position: the draw covers the whole space.
	for pos := range CodeLength {
		got := map[byte]bool{}
		for c := range seen {
			got[c[pos]] = true
		}
		if len(got) != len(Alphabet) {
			t.Errorf("position %d: %d symbols seen, want %d", pos, len(got), len(Alphabet))
		}
	}
	if strings.ContainsAny(Alphabet, "ILOU") {
		t.Error("the alphabet holds a look-alike")
	}
}

func TestNormalizeCode(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"7KQ2M-XD9PA", "7KQ2MXD9PA", true},
		{" 7kq2m xd9pa ", "7KQ2MXD9PA", true},
		{"7KQ2M－XD9PA", "7KQ2MXD9PA", true}, // full-width dash from a Chinese keyboard
		{"OOOOO-IIIII", "0000011111", true},
		{"lllll.ooooo", "1111100000", true},
		{"7KQ2M-XD9P", "", false},   // too short
		{"7KQ2M-XD9PAA", "", false}, // too long
		{"7KQ2M-XD9PU", "", false},  // U is not in the alphabet
		{"7KQ2M-XD9P铁", "", false},  // not ASCII
		{"' OR '1'='1", "", false},  // an injection attempt
		{"", "", false},
		{strings.Repeat("A", 100), "", false},
	} {
		got, ok := NormalizeCode(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NormalizeCode(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestHashCode(t *testing.T) {
	a, b := HashCode("7KQ2MXD9PA"), HashCode("7KQ2MXD9PB")
	if len(a) != 32 || bytes.Equal(a, b) || !bytes.Equal(a, HashCode("7KQ2MXD9PA")) {
		t.Fatalf("hash: want a stable 32-byte digest, distinct per code")
	}
	if bytes.Contains(a, []byte("7KQ2M")) {
		t.Fatal("the hash holds the code")
	}
}

var testMenu = map[string]renew.MenuItem{
	"H01": {Code: "H01", Part: "housing", Name: "屋面防水维修", Class: "basic", Goal: renew.GoalFunction},
	"I07": {Code: "I07", Part: "infrastructure", Name: "排水管线改造", Class: "basic", Goal: renew.GoalDrain},
	"I17": {Code: "I17", Part: "infrastructure", Name: "修复小区路灯", Class: "improve", Goal: renew.GoalLight},
	"E05": {Code: "E05", Part: "environment", Name: "整治公共绿地", Class: "improve", Goal: renew.GoalEnvironment},
}

func yes() *bool { v := true; return &v }
func no() *bool  { v := false; return &v }

func TestValidate(t *testing.T) {
	long := strings.Repeat("好", MaxComment)
	for _, tc := range []struct {
		name    string
		kind    Kind
		b       Ballot
		wantErr string // a part of the message; "" for valid
		comment string // the cleaned comment, when valid
	}{
		{"menu ok", KindMenu, Ballot{Choices: []string{"I07", "H01"}, Priorities: []string{"I07"}, Consent: yes()}, "", ""},
		{"menu nothing chosen but consent", KindMenu, Ballot{Consent: no()}, "", ""},
		{"menu no consent", KindMenu, Ballot{Choices: []string{"I07"}}, "是否同意", ""},
		{"menu unknown item", KindMenu, Ballot{Choices: []string{"X99"}, Consent: yes()}, "菜单中没有", ""},
		{"menu duplicate", KindMenu, Ballot{Choices: []string{"I07", "I07"}, Consent: yes()}, "重复", ""},
		{"menu priority not chosen", KindMenu, Ballot{Choices: []string{"I07"}, Priorities: []string{"H01"}, Consent: yes()}, "须是已勾选", ""},
		{"menu priority twice", KindMenu, Ballot{Choices: []string{"I07"}, Priorities: []string{"I07", "I07"}, Consent: yes()}, "重复", ""},
		{"menu too many priorities", KindMenu, Ballot{Choices: []string{"I07", "H01", "I17"}, Priorities: []string{"I07", "H01", "I17"}, Consent: yes()}, "最多排序 2 项", ""},
		{"menu with ratings", KindMenu, Ballot{Consent: yes(), Ratings: map[renew.Goal]int{renew.GoalRoad: 5}}, "不含满意度", ""},
		{"comment markup kept verbatim", KindMenu, Ballot{Consent: yes(), Comment: "  <script>alert(1)</script>&amp;\r\n第二行 "}, "", "<script>alert(1)</script>&amp;\n第二行"},
		{"comment 500 chars", KindMenu, Ballot{Consent: yes(), Comment: long}, "", long},
		{"comment 501 chars", KindMenu, Ballot{Consent: yes(), Comment: long + "好"}, "最多 500 字", ""},
		{"comment NUL", KindMenu, Ballot{Consent: yes(), Comment: "a\x00b"}, "控制字符", ""},
		{"comment bad UTF-8", KindMenu, Ballot{Consent: yes(), Comment: "a\xffb"}, "无效字符", ""},
		{"satisfaction ok", KindSatisfaction, Ballot{Ratings: map[renew.Goal]int{renew.GoalRoad: 5, renew.GoalDrain: 1}}, "", ""},
		{"satisfaction empty", KindSatisfaction, Ballot{}, "至少为一项", ""},
		{"satisfaction 0", KindSatisfaction, Ballot{Ratings: map[renew.Goal]int{renew.GoalRoad: 0}}, "1至5分", ""},
		{"satisfaction 6", KindSatisfaction, Ballot{Ratings: map[renew.Goal]int{renew.GoalRoad: 6}}, "1至5分", ""},
		{"satisfaction unknown goal", KindSatisfaction, Ballot{Ratings: map[renew.Goal]int{"beauty": 3}}, "未知的目标", ""},
		{"satisfaction with consent", KindSatisfaction, Ballot{Ratings: map[renew.Goal]int{renew.GoalRoad: 3}, Consent: yes()}, "只含", ""},
		{"unknown kind", Kind("poll"), Ballot{}, "未知的调查类型", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.b
			err := Validate(tc.kind, &b, testMenu, 2)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if b.Comment != tc.comment {
					t.Errorf("comment %q, want %q", b.Comment, tc.comment)
				}
				if b.Choices == nil || b.Priorities == nil || b.Ratings == nil {
					t.Error("nil slices or map left in a valid ballot")
				}
				return
			}
			if !errors.Is(err, renew.ErrInvalid) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want ErrInvalid with %q", err, tc.wantErr)
			}
		})
	}
}

// Hand-made ballots with known shares: 10 households were issued codes in a community of 12;
// 4 ballots.
func TestTallyMenu(t *testing.T) {
	menu := []renew.MenuItem{testMenu["H01"], testMenu["I07"], testMenu["I17"], testMenu["E05"]}
	ballots := []Ballot{
		{Choices: []string{"I07", "I17", "H01"}, Priorities: []string{"I07", "I17"}, Consent: yes()},
		{Choices: []string{"I07", "I17"}, Priorities: []string{"I17", "I07"}, Consent: yes()},
		{Choices: []string{"I07"}, Priorities: []string{"I07"}, Consent: no()},
		{Choices: []string{"H01", "I17"}, Priorities: []string{"H01"}, Consent: yes()},
	}
	r := TallyMenu(menu, ballots, 10, 12, 2, map[string]bool{"I07": true})
	if r.Ballots != 4 || r.CodesIssued != 10 || r.Households != 12 {
		t.Fatalf("counts %+v", r)
	}
	if r.Participation != 0.4 {
		t.Errorf("participation %v, want 0.4", r.Participation)
	}
	if r.ConsentYes != 3 || r.ConsentNo != 1 || r.ConsentBase != 12 || r.Consent != 3.0/12 || r.ConsentOfBallots != 0.75 {
		t.Errorf("consent %d/%d base %d = %v (of ballots %v), want 3/1 base 12 = 0.25 (0.75)", r.ConsentYes, r.ConsentNo, r.ConsentBase, r.Consent, r.ConsentOfBallots)
	}
	// I07 and I17 are chosen 3 times each; I07 has 2+1+2 = 5 points, I17 1+2 = 3: I07 first.
	want := []struct {
		code          string
		chosen        int
		ofHouseholds  float64
		ofBallots     float64
		first, points int
		inPlan        bool
	}{
		{"I07", 3, 0.3, 0.75, 2, 5, true},
		{"I17", 3, 0.3, 0.75, 1, 3, false},
		{"H01", 2, 0.2, 0.5, 1, 2, false},
		{"E05", 0, 0, 0, 0, 0, false},
	}
	if len(r.Items) != len(want) {
		t.Fatalf("%d items, want %d", len(r.Items), len(want))
	}
	for i, w := range want {
		it := r.Items[i]
		if it.Rank != i+1 || it.Code != w.code || it.Chosen != w.chosen || it.ShareOfHouseholds != w.ofHouseholds ||
			it.ShareOfBallots != w.ofBallots || it.FirstPriority != w.first || it.PriorityPoints != w.points || it.InPlan != w.inPlan {
			t.Errorf("rank %d: %+v, want %+v", i+1, it, w)
		}
	}
}

func TestTallyMenuEmpty(t *testing.T) {
	r := TallyMenu([]renew.MenuItem{testMenu["H01"]}, nil, 0, 0, 5, nil)
	if r.Participation != 0 || r.Consent != 0 || r.Items[0].ShareOfHouseholds != 0 || r.Items[0].ShareOfBallots != 0 {
		t.Fatalf("empty survey: %+v", r)
	}
}

func TestConsentRate(t *testing.T) {
	for _, tc := range []struct {
		yes, households, codes int
		rate                   float64
		base                   int
		ok                     bool
	}{
		{72, 108, 108, 2.0 / 3, 108, true},
		{72, 108, 80, 2.0 / 3, 108, true}, // households without codes count as not agreeing
		{8, 0, 10, 0.8, 10, true},         // no household count: codes stand in
		{0, 0, 0, 0, 0, false},
	} {
		rate, base, ok := ConsentRate(tc.yes, tc.households, tc.codes)
		if rate != tc.rate || base != tc.base || ok != tc.ok {
			t.Errorf("ConsentRate(%d, %d, %d) = %v, %d, %v", tc.yes, tc.households, tc.codes, rate, base, ok)
		}
	}
	if RoundConsent(2.0/3) != 0.667 || RoundConsent(0.6664) != 0.666 {
		t.Error("RoundConsent")
	}
	// No k/n below 2/3 with n < 2000 rounds to 0.667 or more.
	for n := 1; n < 2000; n++ {
		for k := 2 * n / 3; k >= 0 && k*3 >= 2*n-3; k-- {
			if 3*k < 2*n && RoundConsent(float64(k)/float64(n)) >= 0.667 {
				t.Fatalf("%d/%d rounds up to the threshold", k, n)
			}
		}
	}
}

func TestTallySatisfaction(t *testing.T) {
	ballots := []Ballot{
		{Ratings: map[renew.Goal]int{renew.GoalDrain: 5, renew.GoalRoad: 4}},
		{Ratings: map[renew.Goal]int{renew.GoalDrain: 3, renew.GoalRoad: 4, renew.GoalManagement: 1}},
		{Ratings: map[renew.Goal]int{renew.GoalDrain: 4}},
	}
	gs := TallySatisfaction(ballots)
	if len(gs) != 6 || gs[0].Goal != renew.GoalDrain || gs[0].Name != "排水通" || gs[5].Goal != renew.GoalManagement {
		t.Fatalf("goals %+v", gs)
	}
	if g := gs[0]; g.Count != 3 || g.Mean != 4 || g.Distribution != [5]int{0, 0, 1, 1, 1} {
		t.Errorf("排水通 %+v", g)
	}
	if g := gs[1]; g.Count != 2 || g.Mean != 4 || g.Distribution != [5]int{0, 0, 0, 2, 0} {
		t.Errorf("路面平 %+v", g)
	}
	if g := gs[2]; g.Count != 0 || g.Mean != 0 {
		t.Errorf("路灯亮 %+v", g)
	}
	if g := gs[5]; g.Count != 1 || g.Mean != 1 {
		t.Errorf("管理优 %+v", g)
	}
	if m := OverallMean(gs); m != 21.0/6 {
		t.Errorf("overall mean %v, want 3.5", m)
	}
	// Pooled: a second community with one ballot of 2 for 排水通: (5+3+4+2)/4 = 3.5.
	other := TallySatisfaction([]Ballot{{Ratings: map[renew.Goal]int{renew.GoalDrain: 2}}})
	m := MergeGoals(gs, other)
	if m[0].Count != 4 || m[0].Mean != 3.5 || m[0].Distribution != [5]int{0, 1, 1, 1, 1} {
		t.Errorf("merged 排水通 %+v", m[0])
	}
}

func TestLimits(t *testing.T) {
	l := DefaultLimits
	for _, tc := range []struct {
		addr int
		want string
	}{
		{0, ""}, {9, ""}, {10, "15 分钟后"},
	} {
		err := l.Check(tc.addr)
		if tc.want == "" && err != nil || tc.want != "" && (!errors.Is(err, renew.ErrRateLimited) || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Check(%d) = %v, want %q", tc.addr, err, tc.want)
		}
	}
	if err := WrongCode(2); !errors.Is(err, renew.ErrForbidden) || !strings.Contains(err.Error(), "再输错 2 次") {
		t.Errorf("WrongCode(2) = %v", err)
	}
}

func TestSurveyAccepting(t *testing.T) {
	now := time.Date(2021, 5, 10, 12, 0, 0, 0, time.UTC)
	later, earlier := now.Add(time.Hour), now.Add(-time.Hour)
	for _, tc := range []struct {
		s    Survey
		want error
	}{
		{Survey{Status: StatusOpen}, nil},
		{Survey{Status: StatusOpen, ClosesAt: &later}, nil},
		{Survey{Status: StatusOpen, ClosesAt: &earlier}, ErrExpired},
		{Survey{Status: StatusOpen, ClosesAt: &now}, ErrExpired},
		{Survey{Status: StatusClosed}, ErrClosed},
	} {
		if got := tc.s.Accepting(now); got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestOpensAt(t *testing.T) {
	for _, s := range renew.Stages {
		if got, want := KindMenu.OpensAt(s), s == renew.StagePlanning; got != want {
			t.Errorf("menu at %s: %v", s, got)
		}
		if got, want := KindSatisfaction.OpensAt(s), s == renew.StageAccepted || s == renew.StageHandedOver; got != want {
			t.Errorf("satisfaction at %s: %v", s, got)
		}
	}
	if err := KindMenu.StageError(renew.StageReview); !errors.Is(err, renew.ErrConflict) || !strings.Contains(err.Error(), "方案审核") {
		t.Errorf("StageError %v", err)
	}
}
