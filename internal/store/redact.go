package store

import (
	neturl "net/url"
	"regexp"
	"strings"
)

// redacted replaces secrets in URLs and messages.
const redacted = "xxxxx"

// secretParam matches password parameters in a URL query or a key=value connection string,
// with quoted values as libpq writes them ('it\'s').
var secretParam = regexp.MustCompile(`(?i)((?:^|[?&\s])(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^&\s]*)`)

func isSecretKey(k string) bool {
	k = strings.ToLower(k)
	return k == "password" || k == "sslpassword"
}

// RedactURL returns url with its password (in the user info or a password parameter) replaced
// by "xxxxx", fit for logs and error messages.
func RedactURL(url string) string {
	if u, err := neturl.Parse(url); err == nil && u.Scheme != "" && u.Opaque == "" {
		if _, ok := u.User.Password(); ok {
			u.User = neturl.UserPassword(u.User.Username(), redacted)
		}
		u.RawQuery = secretParam.ReplaceAllString(u.RawQuery, "${1}"+redacted)
		return u.String()
	}
	// Not a URL net/url can read: redact what looks like user:password@ after the scheme.
	s := url
	if i := strings.Index(s, "://"); i >= 0 {
		if j := strings.LastIndex(s, "@"); j > i {
			if k := strings.Index(s[i+3:j], ":"); k >= 0 {
				s = s[:i+3+k+1] + redacted + s[j:]
			}
		}
	}
	return secretParam.ReplaceAllString(s, "${1}"+redacted)
}
