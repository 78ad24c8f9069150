package renew

import "time"

// Role is what a user may do (SPEC §9.3).
type Role string

// The roles, from least to most trusted.
const (
	RoleViewer   Role = "viewer"   // 查看者: maps without pipelines
	RolePlanner  Role = "planner"  // 规划人员: edits plans and areas
	RoleDesigner Role = "designer" // 设计人员: downloads, pipelines
	RoleLeader   Role = "leader"   // 领导: dashboard, every layer read
	RoleAdmin    Role = "admin"    // 管理员: users, imports, standards
)

// Roles lists every role.
var Roles = []Role{RoleViewer, RolePlanner, RoleDesigner, RoleLeader, RoleAdmin}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// SeesSensitive: pipelines (tiles, JSON, downloads) are for designers, leaders and admins.
func (r Role) SeesSensitive() bool {
	return r == RoleDesigner || r == RoleLeader || r == RoleAdmin
}

// Downloads: designers and admins take geometry away.
func (r Role) Downloads() bool { return r == RoleDesigner || r == RoleAdmin }

// Edits: planners and admins change plans and areas.
func (r Role) Edits() bool { return r == RolePlanner || r == RoleAdmin }

// Administers: only admins manage users and read the audit log.
func (r Role) Administers() bool { return r == RoleAdmin }

// User is an account.
type User struct {
	ID          int       `json:"id"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Role        Role      `json:"role"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
}

// Session is a logged-in user's session: who, and the token that state-changing requests must
// echo (CSRF).
type Session struct {
	User      User
	CSRFToken string
	ExpiresAt time.Time
}

// AuditEntry is one row of the audit log: who did what, when, from where.
type AuditEntry struct {
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Address string    `json:"address"`
	Action  string    `json:"action"`
	Table   string    `json:"table,omitempty"`
	RowID   string    `json:"row_id,omitempty"`
	Before  any       `json:"before,omitempty"`
	After   any       `json:"after,omitempty"`
}
