package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/rs/cors"
)

// corsMaxAge is how long, in seconds, a browser may reuse a preflight's answer.
const corsMaxAge = 600

// withCORS answers cross-origin requests from origins, a list ParseCORSOrigins accepted, with
// the Access-Control headers a browser frontend needs: the methods the API and the public
// pages take, the Authorization and Content-Type request headers, the request id readable.
// No credentials: gridgov signs in with bearer tokens, never cookies. With no origins, next
// as it is: browsers then allow the same origin only.
func withCORS(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodHead},
		AllowedHeaders: []string{"Authorization", "Content-Type", requestIDHeader},
		ExposedHeaders: []string{requestIDHeader, "Retry-After"},
		MaxAge:         corsMaxAge,
	}).Handler(next)
}

// ParseCORSOrigins parses a comma-separated list of origins, such as
// "http://localhost:5173,https://grid.example.cn": each a scheme (http or https) and a host
// with an optional port, no path; a "*" may stand for one part of the host
// (https://*.example.cn). A lone "*" is refused: name the frontends.
func ParseCORSOrigins(list string) ([]string, error) {
	var origins []string
	for _, o := range strings.Split(list, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		u, err := url.Parse(strings.Replace(o, "*", "wildcard", 1))
		switch {
		case o == "*":
			return nil, fmt.Errorf("origin %q: name each frontend's origin, e.g. https://grid.example.cn", o)
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.Count(o, "*") > 1:
			return nil, fmt.Errorf("origin %q: want a scheme and host, like http://localhost:5173 or https://*.example.cn", o)
		}
		origins = append(origins, strings.ToLower(strings.TrimSuffix(o, "/")))
	}
	return origins, nil
}
