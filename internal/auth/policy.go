package auth

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"gridgov/internal/apperr"
)

// usernamePattern is what an account name may look like: lower case, 2 to 32 characters (a
// pinyin surname such as "li" is a name), no spaces or markup, so that it prints safely in
// logs, audit entries and pages.
var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)

// CheckUsername refuses an account name outside usernamePattern with BAD_USER_INPUT.
func CheckUsername(username string) error {
	if !usernamePattern.MatchString(username) {
		return apperr.Invalid("username", "username must be 2 to 32 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit, got %q", username)
	}
	return nil
}

// CheckPassword refuses, with BAD_USER_INPUT, a password shorter than MinPasswordLen
// characters, one character repeated, the username itself, or one of the most common
// passwords.
func CheckPassword(username, password string) error {
	if utf8.RuneCountInString(password) < MinPasswordLen {
		return apperr.Invalid("password", "password must have at least %d characters", MinPasswordLen)
	}
	first, _ := utf8.DecodeRuneInString(password)
	if strings.Trim(password, string(first)) == "" {
		return apperr.Invalid("password", "password must not be one character repeated")
	}
	lower := strings.ToLower(password)
	if lower == strings.ToLower(username) {
		return apperr.Invalid("password", "password must not be the username")
	}
	if commonPasswords[lower] {
		return apperr.Invalid("password", "password is one of the most common passwords: choose another")
	}
	return nil
}

// commonPasswords are among the most used passwords of leaked lists, those of ten characters
// or more (shorter ones fail the length check anyway), compared in lower case.
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range strings.Fields(`
		1234567890 0123456789 0987654321 9876543210 1234567891 1234512345 1122334455 1qaz2wsx3edc
		qwertyuiop asdfghjkl; zxcvbnm123 qwerty1234 1q2w3e4r5t 1q2w3e4r5t6y q1w2e3r4t5 qwerty12345
		password12 password123 password1234 passw0rd12 p@ssw0rd12 p@ssword123 password01 password11
		iloveyou12 iloveyou123 sunshine12 princess12 football12 baseball12 superman12 starwars12
		abcdefghij abcd123456 abc1234567 a123456789 aa12345678 asdf123456 zaq12wsx12 qazwsx1234
		123qweasd1 1234qwerty qwertyuiop1 123456789a 123456789q 12345678910 11223344556 1234554321
		5201314520 1314520521 woaini1314 woaini5201 aini1314520 88888888888 66666666666 12341234123
		admin12345 admin123456 administrator root123456 welcome123 welcome1234 letmein123 changeme12
		default123 test123456 testtest12 guest12345 user123456 computer12 internet12 monkey1234
		dragon1234 shadow1234 master1234 michael123 jennifer12 trustno1234 whatever12 freedom123
		password2024 password2025 password2026 summer2024 summer2025 winter2025 spring2026 autumn2025
		qwer123456 asdfghjkl1 asdfghjkl123 zxcvbnm1234 1qazxsw23edc q1w2e3r4t5y6 !qaz2wsx#edc
		gridgov123 gridgov1234 gridgov12345 wanggeyuan1 wangge12345 zhangwei123 wangwei123 liuyang123
	`) {
		m[p] = true
	}
	return m
}()
