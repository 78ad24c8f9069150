package residents

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"strings"
)

// Alphabet is the symbols of a household code: Crockford's base32 (digits and capital letters
// without I, L, O and U). Look-alikes are folded on entry (O → 0, I and L → 1), so a resident who
// reads 0 as O still gets in; 32 symbols make 5 bits each.
const Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// CodeLength is the number of symbols in a code: 10 symbols × 5 bits = 50 bits from crypto/rand.
// Guessing online is rate-limited (see Limits): at the full rate a community allows (50 wrong codes
// an hour, from any number of addresses), a survey of a thousand households has one of its codes
// guessed with a chance of about 1 in 2.5 million per year of trying (1000 / 2⁵⁰ × 50 × 8760).
const CodeLength = 10

// CodeBits is the entropy of a code.
const CodeBits = CodeLength * 5

// NewCode returns a fresh random code in its display form, two groups of five: "7KQ2M-XD9PA".
func NewCode() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	v := binary.BigEndian.Uint64(b[:])
	out := make([]byte, 0, CodeLength+1)
	for i := range CodeLength {
		if i == CodeLength/2 {
			out = append(out, '-')
		}
		out = append(out, Alphabet[v&31])
		v >>= 5
	}
	return string(out)
}

// NormalizeCode turns what a resident typed into the canonical code: upper case, spaces, dashes
// and dots dropped, look-alikes folded (O → 0, I/L → 1). ok is false when the result is not
// CodeLength symbols of the alphabet (then it cannot be any issued code, and is not worth a
// database lookup).
func NormalizeCode(s string) (code string, ok bool) {
	if len(s) > 64 {
		return "", false
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '-' || r == '.' || r == '\t' || r == '　' || r == '－':
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		switch r {
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if r > 127 || strings.IndexByte(Alphabet, byte(r)) < 0 {
			return "", false
		}
		b.WriteRune(r)
	}
	if b.Len() != CodeLength {
		return "", false
	}
	return b.String(), true
}

// HashCode is what the store keeps of a code: the SHA-256 of its canonical form. A fast hash is
// right here, unlike for passwords: a code carries 50 random bits (not a human choice a
// dictionary can reach), the store must find a ballot by its code with an index lookup (a salted
// slow hash such as bcrypt would force comparing against every code of the survey on each
// entry), and online guessing is bounded by the rate limits, not by the hash. What the hash
// prevents is reading usable codes off a backup, the audit log or a database console; codes also
// die with their survey. code must be canonical (NormalizeCode).
func HashCode(code string) []byte {
	h := sha256.Sum256([]byte("renewmap survey code\x00" + code))
	return h[:]
}
