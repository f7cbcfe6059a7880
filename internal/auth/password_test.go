package auth_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gridgov/internal/auth"
)

// phc is the PHC string form of an argon2id hash with OWASP's minimum parameters, a 16-byte
// salt and a 32-byte key, both in unpadded standard base64.
var phc = regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func mustHash(t *testing.T, password string) string {
	t.Helper()
	h, err := auth.HashPassword(password)
	if err != nil {
		t.Fatalf("HashPassword(%q): %v", password, err)
	}
	return h
}

// verify calls VerifyPassword and turns a panic into an error, so that one crashing case
// does not hide the others.
func verify(hash, password string) (ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			ok, err = false, fmt.Errorf("VerifyPassword panicked: %v", r)
		}
	}()
	return auth.VerifyPassword(hash, password)
}

func TestHashPasswordRoundTrip(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, password, attempt string
		want                    bool
	}{
		{name: "same password", password: "correct horse battery", attempt: "correct horse battery", want: true},
		{name: "wrong password", password: "correct horse battery", attempt: "correct horse batterx", want: false},
		{name: "case matters", password: "Correct-Horse-1", attempt: "correct-horse-1", want: false},
		{name: "prefix", password: "correct horse battery", attempt: "correct horse", want: false},
		{name: "trailing space", password: "correct horse battery", attempt: "correct horse battery ", want: false},
		{name: "empty attempt", password: "correct horse battery", attempt: "", want: false},
		{name: "empty password", password: "", attempt: "", want: true},
		{name: "unicode", password: "网格化管理-密码", attempt: "网格化管理-密码", want: true},
		{name: "unicode wrong", password: "网格化管理-密码", attempt: "网格化管理-密玛", want: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := mustHash(t, tc.password)
			got, err := verify(h, tc.attempt)
			if err != nil {
				t.Fatalf("VerifyPassword: %v", err)
			}
			if got != tc.want {
				t.Errorf("VerifyPassword(hash of %q, %q) = %v, want %v", tc.password, tc.attempt, got, tc.want)
			}
		})
	}
}

func TestHashPasswordFormat(t *testing.T) {
	t.Parallel()
	h := mustHash(t, "correct horse battery")
	if !phc.MatchString(h) {
		t.Errorf("HashPassword = %q, want a PHC string matching %s", h, phc)
	}
	if strings.Contains(h, "correct horse battery") {
		t.Errorf("HashPassword = %q contains the password", h)
	}
}

func TestHashPasswordSalted(t *testing.T) {
	t.Parallel()
	a, b := mustHash(t, "correct horse battery"), mustHash(t, "correct horse battery")
	if a == b {
		t.Fatalf("two hashes of the same password are equal: %q", a)
	}
	saltOf := func(h string) string { return strings.Split(h, "$")[4] }
	if saltOf(a) == saltOf(b) {
		t.Errorf("two hashes share the salt %q", saltOf(a))
	}
	for _, h := range []string{a, b} {
		if ok, err := verify(h, "correct horse battery"); err != nil || !ok {
			t.Errorf("VerifyPassword(%q) = %v, %v, want true, nil", h, ok, err)
		}
	}
}

// TestVerifyPasswordParametersFromHash: the parameters are read from the hash, so a hash
// made with other (here: weaker, faster) parameters still verifies.
func TestVerifyPasswordParametersFromHash(t *testing.T) {
	t.Parallel()
	// argon2id("password", salt "somesaltsomesalt", t=1, m=64 KiB, p=1, 32 bytes), computed
	// with golang.org/x/crypto/argon2.IDKey.
	const other = "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$55PWTvddWPUD1GMbKxSff4ASfF85k9ibHJt4HlHQtBM"
	cases := []struct {
		name     string
		password string
		want     bool
	}{
		{name: "right", password: "password", want: true},
		{name: "wrong", password: "passwore", want: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := verify(other, tc.password)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("VerifyPassword(%q) = %v, want %v", tc.password, got, tc.want)
			}
		})
	}
}

func TestVerifyPasswordBadHash(t *testing.T) {
	t.Parallel()
	good := mustHash(t, "correct horse battery")
	parts := strings.Split(good, "$")
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	cases := []struct {
		name string
		hash string
	}{
		{name: "empty", hash: ""},
		{name: "plain text", hash: "correct horse battery"},
		{name: "bcrypt", hash: "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{name: "argon2i", hash: with(1, "argon2i")},
		{name: "argon2d", hash: with(1, "argon2d")},
		{name: "old version", hash: with(2, "v=16")},
		{name: "no version", hash: with(2, "19")},
		{name: "missing version segment", hash: strings.Join(append(parts[:2:2], parts[3:]...), "$")},
		{name: "extra segment", hash: good + "$extra"},
		{name: "no parameters", hash: with(3, "")},
		{name: "garbled parameters", hash: with(3, "m=x,t=2,p=1")},
		{name: "parallelism out of range", hash: with(3, "m=19456,t=2,p=256")},
		{name: "salt not base64", hash: with(4, "not*base64!")},
		{name: "key not base64", hash: with(5, "not*base64!")},
		{name: "empty key", hash: with(5, "")},
		{name: "padded key", hash: with(5, parts[5]+"=")},
		// argon2.IDKey panics for zero passes or zero lanes; a stored hash like this must be
		// refused, not crash the sign-in.
		{name: "zero passes", hash: with(3, "m=19456,t=0,p=1")},
		{name: "zero lanes", hash: with(3, "m=19456,t=2,p=0")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, pw := range []string{"correct horse battery", "wrong"} {
				ok, err := verify(tc.hash, pw)
				if ok || !errors.Is(err, auth.ErrBadHash) {
					t.Errorf("VerifyPassword(%q, %q) = %v, %v; want false, ErrBadHash", tc.hash, pw, ok, err)
				}
			}
		})
	}
}

func TestVerifyPasswordTamperedHash(t *testing.T) {
	t.Parallel()
	good := mustHash(t, "correct horse battery")
	parts := strings.Split(good, "$")
	// Another well-formed salt or key: the hash parses but no longer matches.
	other := strings.Split(mustHash(t, "correct horse battery"), "$")
	cases := []struct {
		name string
		i    int
	}{
		{name: "other salt", i: 4},
		{name: "other key", i: 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := append([]string(nil), parts...)
			p[tc.i] = other[tc.i]
			got, err := verify(strings.Join(p, "$"), "correct horse battery")
			if diff := cmp.Diff(false, got); diff != "" || err != nil {
				t.Errorf("VerifyPassword (-want +got):\n%s (err %v)", diff, err)
			}
		})
	}
}
