package renew

import "time"

// AccessToken is a personal access token (访问令牌) for desktop clients such as QGIS and GDAL:
// read-only, with the role of its owner. The token itself is shown once, when it is made; only
// its hash is kept.
type AccessToken struct {
	ID       int    `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	// Hint is the token's first characters, so its owner can tell tokens apart.
	Hint       string     `json:"hint"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	// Requests counts the requests made with it (token_uses).
	Requests int64 `json:"requests"`
}

// TokenUse is a number of requests made with one token from one address; the audit keeps one
// row per token, hour and address.
type TokenUse struct {
	TokenID  int
	Address  string
	Hour     time.Time
	Requests int64
}
