package residents

import (
	"fmt"
	"time"

	"renewmap/internal/renew"
)

// Kind is what a survey asks.
type Kind string

// The kinds of survey.
const (
	// KindMenu: residents choose and rank works from the renovation menu and say whether they
	// agree to the renovation (决策共谋, 群众自选改造"菜单"). Opened in 制定方案 only.
	KindMenu Kind = "menu"
	// KindSatisfaction: residents rate each of the six goals after acceptance (效果共评).
	// Opened in 竣工验收 or 移交管理.
	KindSatisfaction Kind = "satisfaction"
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == KindMenu || k == KindSatisfaction }

// Name is the kind's Chinese title.
func (k Kind) Name() string {
	switch k {
	case KindMenu:
		return "改造内容征求意见（菜单式选择）"
	case KindSatisfaction:
		return "改造效果满意度评价"
	}
	return string(k)
}

// OpensAt reports whether a survey of kind k may be opened for a plan at stage s. A menu survey
// belongs to 制定方案, where the district plan puts 征求小区居民意愿 (六、方法步骤（三）): before it
// there is no plan to shape, after it (方案审核 on) the plan is with the city and residents'
// choices could no longer change it. A satisfaction survey follows 竣工验收 (效果共评).
func (k Kind) OpensAt(s renew.Stage) bool {
	switch k {
	case KindMenu:
		return s == renew.StagePlanning
	case KindSatisfaction:
		return s == renew.StageAccepted || s == renew.StageHandedOver
	}
	return false
}

// StageError explains, in Chinese, why a survey of kind k cannot be opened at stage s.
func (k Kind) StageError(s renew.Stage) error {
	switch k {
	case KindMenu:
		return renew.Conflict("方案当前处于“%s”阶段；改造内容征求意见只能在“制定方案”阶段发起 (a menu survey is opened in the planning stage only)", s.Name())
	default:
		return renew.Conflict("方案当前处于“%s”阶段；满意度评价只能在“竣工验收”或“移交管理”阶段发起 (a satisfaction survey follows acceptance)", s.Name())
	}
}

// Status is whether a survey takes ballots.
type Status string

// The survey states.
const (
	StatusOpen   Status = "open"
	StatusClosed Status = "closed"
)

// Survey is one survey of a plan's households.
type Survey struct {
	ID            int         `json:"id"`
	PlanID        int         `json:"plan_id"`
	PlanCode      string      `json:"plan_code"`
	PlanStage     renew.Stage `json:"plan_stage"`
	CommunityID   int         `json:"community_id"`
	CommunityCode string      `json:"community_code"`
	CommunityName string      `json:"community_name"`
	Kind          Kind        `json:"kind"`
	Status        Status      `json:"status"`
	// Households is the community's household count when the survey opened: the denominator of
	// consent (see ConsentRate).
	Households    int        `json:"households"`
	MaxPriorities int        `json:"max_priorities"`
	OpenedAt      time.Time  `json:"opened_at"`
	OpenedBy      string     `json:"opened_by"`
	ClosesAt      *time.Time `json:"closes_at"`
	ClosedAt      *time.Time `json:"closed_at"`
	ClosedBy      string     `json:"closed_by,omitempty"`
	// Consent is the consent rate computed when a menu survey closed.
	Consent     *float64 `json:"consent"`
	CodesIssued int      `json:"codes_issued"`
	Ballots     int      `json:"ballots"`
}

// ErrClosed and ErrExpired are the refusals of a ballot for a survey that no longer takes them.
var (
	ErrClosed  = &renew.Error{Kind: renew.ErrConflict, Msg: "本次调查已结束，登记码已失效，感谢您的参与 (the survey is closed)"}
	ErrExpired = &renew.Error{Kind: renew.ErrConflict, Msg: "本次调查已过截止时间，不再接受填写 (the survey's deadline has passed)"}
)

// Accepting returns nil when s takes ballots at now; ErrClosed or ErrExpired otherwise.
func (s Survey) Accepting(now time.Time) error {
	if s.Status != StatusOpen {
		return ErrClosed
	}
	if s.ClosesAt != nil && !now.Before(*s.ClosesAt) {
		return ErrExpired
	}
	return nil
}

// Limits bound wrong code entries per address within AddressWindow; beyond them code entry from
// that address is refused with 429 until older failures leave the window. There is no limit per
// community: wrong codes from a few addresses must not hold off the residents who have theirs,
// and a code is 50 random bits, so guesses spread over many addresses still get nowhere
// (docs/residents.md).
type Limits struct {
	AddressWindow time.Duration
	PerAddress    int
}

// DefaultLimits: 10 wrong codes per address in 15 minutes.
var DefaultLimits = Limits{AddressWindow: 15 * time.Minute, PerAddress: 10}

// Check returns a renew.ErrRateLimited error with a Chinese message when the failures counted
// from an address within the window reach the limit; nil otherwise.
func (l Limits) Check(byAddress int) error {
	if byAddress >= l.PerAddress {
		return &renew.Error{Kind: renew.ErrRateLimited, Msg: fmt.Sprintf(
			"登记码输错次数过多，请 %d 分钟后再试；如登记码遗失，请联系社区居委会补发 (too many wrong codes from this address)",
			int(l.AddressWindow.Minutes()))}
	}
	return nil
}

// WrongCode is the refusal of a code that no survey of the community issued. left is how many
// more tries the address has in its window.
func WrongCode(left int) error {
	msg := "登记码不正确，请核对入户通知单上的登记码后重新输入 (wrong code)"
	if left <= 3 && left > 0 {
		msg = fmt.Sprintf("登记码不正确，请核对后重新输入；再输错 %d 次将暂停填写 (wrong code; %d tries left)", left, left)
	}
	return &renew.Error{Kind: renew.ErrForbidden, Msg: msg}
}
