package auth

import "renewmap/internal/renew"

// UserChange is a change to an account; nil fields stay as they are.
type UserChange struct {
	Role         *renew.Role
	DisplayName  *string
	Disabled     *bool
	PasswordHash *string
}
