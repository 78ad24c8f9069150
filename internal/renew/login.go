package renew

import "time"

// LoginLimits bound password checks. Failures are counted per (account, address) pair, per
// account from addresses that never logged in to it, and per address over every account:
//   - a pair may fail PerPair times; after that each further check waits Delay, doubling with
//     every failure up to MaxDelay (a delay for that client, not a lock of the account);
//   - addresses that have logged in to the account before ("familiar") are exempt from the
//     account-wide and address-wide counts, so failures from elsewhere never refuse the right
//     password from them;
//   - PerAccount failures from unfamiliar addresses, or PerAddress failures from one address,
//     within Window refuse further unfamiliar checks until the window ends.
type LoginLimits struct {
	Window     time.Duration
	PerPair    int
	PerAccount int
	PerAddress int
	Delay      time.Duration
	MaxDelay   time.Duration
}

// LoginGate is the verdict on one login attempt, taken before its password check.
type LoginGate struct {
	// Allowed: the check may run; it is already counted as a failure until FinishLogin says
	// otherwise, so concurrent attempts cannot overtake the limits.
	Allowed bool
	// Familiar: the address has logged in to the account before.
	Familiar bool
	// RetryAfter is how long a refused client must wait.
	RetryAfter time.Duration
}

// LoginThrottle is the throttling state of one account and address ("" stands for every
// address or every account), for the administrators.
type LoginThrottle struct {
	Account  string    `json:"account"`
	Address  string    `json:"address"`
	Failures int       `json:"failures"`
	FirstAt  time.Time `json:"first_at"`
	LastAt   time.Time `json:"last_at"`
	// Until is when the next check is allowed; zero when it is allowed now.
	Until time.Time `json:"until,omitzero"`
}
