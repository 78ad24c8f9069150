package renew

import "time"

// ApprovalRequest is an entry of the approval queue.
type ApprovalRequest struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	JobID       *int64     `json:"job_id,omitempty"`
	File        string     `json:"file,omitempty"`  // an import: the uploaded file's name
	Layer       string     `json:"layer,omitempty"` // an import: the target layer of its mapping
	Community   *int64     `json:"community,omitempty"`
	Name        string     `json:"name,omitempty"` // an outline: the community's name and code
	Code        string     `json:"code,omitempty"`
	RequestedBy string     `json:"requested_by"`
	RequestedAt time.Time  `json:"requested_at"`
	State       string     `json:"state"` // pending, approved, rejected
	DecidedBy   string     `json:"decided_by,omitempty"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
	Reason      string     `json:"reason,omitempty"`
}

// ApprovalSettings says, per kind, whether a planner's request waits for an admin.
type ApprovalSettings struct {
	Import  bool `json:"import"`
	Outline bool `json:"outline"`
}
