package server

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
)

// ParseTrustedProxies parses a comma-separated list of CIDRs or single addresses, the
// reverse proxies whose X-Forwarded-* headers are believed.
func ParseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: not an address or CIDR", s)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: not an address or CIDR", s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// proxies are the trusted reverse proxies.
type proxies []netip.Prefix

func (p proxies) trusted(addr string) bool {
	a, err := netip.ParseAddr(strings.TrimSpace(addr))
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, pr := range p {
		if pr.Contains(a) {
			return true
		}
	}
	return false
}

// peer is the TCP peer's IP.
func peer(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// clientAddr is the address the rate limits count by: the TCP peer's IP, or, when the peer
// is a trusted proxy, the rightmost address of X-Forwarded-For that is not a trusted proxy
// (the leftmost ones are whatever the client wrote), else X-Real-IP.
func (p proxies) clientAddr(r *http.Request) string {
	addr := peer(r)
	if !p.trusted(addr) {
		return addr
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(hop); err != nil {
			break // a malformed hop: nothing left of it can be believed
		}
		if !p.trusted(hop) {
			return hop
		}
		addr = hop
	}
	if real := strings.TrimSpace(r.Header.Get("X-Real-IP")); real != "" && len(hops) <= 1 && hops[0] == "" {
		if _, err := netip.ParseAddr(real); err == nil {
			return real
		}
	}
	return addr
}

// hostPattern is a host name or address with an optional port, nothing else.
var hostPattern = regexp.MustCompile(`^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+)(:[0-9]{1,5})?$`)

// publicBase is the absolute address of this server for links printed on paper: publicURL
// when configured, else X-Forwarded-Proto and X-Forwarded-Host from a trusted proxy, else the
// address the connection reached. The Host header is never used: anyone can write it.
func (p proxies) publicBase(r *http.Request, publicURL string) string {
	if publicURL != "" {
		return strings.TrimRight(publicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p.trusted(peer(r)) {
		if proto := r.Header.Get("X-Forwarded-Proto"); proto == "http" || proto == "https" {
			scheme = proto
		}
		if host := r.Header.Get("X-Forwarded-Host"); hostPattern.MatchString(host) {
			return scheme + "://" + host
		}
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		return scheme + "://" + a.String()
	}
	return scheme + "://localhost"
}
