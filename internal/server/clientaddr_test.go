package server

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestClientAddr(t *testing.T) {
	t.Parallel()
	trusted, err := ParseTrustedProxies("10.0.0.0/8, 192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, remote, xff, realIP string
		want                      string
	}{
		{name: "no proxy", remote: "198.51.100.7:4000", want: "198.51.100.7"},
		{name: "spoofed XFF from an untrusted peer", remote: "198.51.100.7:4000", xff: "203.0.113.50", want: "198.51.100.7"},
		{name: "spoofed X-Real-IP from an untrusted peer", remote: "198.51.100.7:4000", realIP: "203.0.113.50", want: "198.51.100.7"},
		{name: "trusted proxy", remote: "10.1.2.3:4000", xff: "203.0.113.50", want: "203.0.113.50"},
		{name: "rightmost untrusted hop", remote: "10.1.2.3:4000", xff: "1.1.1.1, 203.0.113.50, 10.9.9.9", want: "203.0.113.50"},
		{name: "single trusted proxy address", remote: "192.0.2.1:4000", xff: "203.0.113.50", want: "203.0.113.50"},
		{name: "X-Real-IP from a trusted proxy", remote: "10.1.2.3:4000", realIP: "203.0.113.60", want: "203.0.113.60"},
		{name: "garbage hop", remote: "10.1.2.3:4000", xff: "203.0.113.50, garbage", want: "10.1.2.3"},
		{name: "all hops trusted", remote: "10.1.2.3:4000", xff: "10.4.4.4", want: "10.4.4.4"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.remote
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			if tc.realIP != "" {
				r.Header.Set("X-Real-IP", tc.realIP)
			}
			if got := proxies(trusted).clientAddr(r); got != tc.want {
				t.Errorf("clientAddr = %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := ParseTrustedProxies("10.0.0.0/33"); err == nil {
		t.Errorf("ParseTrustedProxies accepted a bad CIDR")
	}
}

// TestPublicBase: the Host header never reaches the links printed on cards; forwarded host
// and scheme count only from a trusted proxy.
func TestPublicBase(t *testing.T) {
	t.Parallel()
	trusted, _ := ParseTrustedProxies("10.0.0.0/8")
	local := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 10), Port: 8080}
	cases := []struct {
		name, remote, publicURL, xfh, xfp string
		tls                               bool
		want                              string
	}{
		{name: "public URL wins", remote: "10.1.1.1:1", publicURL: "https://grid.example.cn/", xfh: "evil.example", want: "https://grid.example.cn"},
		{name: "Host header ignored", remote: "198.51.100.7:1", want: "http://192.0.2.10:8080"},
		{name: "forwarded host from an untrusted peer ignored", remote: "198.51.100.7:1", xfh: "evil.example", xfp: "https", want: "http://192.0.2.10:8080"},
		{name: "forwarded host from a trusted proxy", remote: "10.1.1.1:1", xfh: "grid.example.cn", xfp: "https", want: "https://grid.example.cn"},
		{name: "malformed forwarded host", remote: "10.1.1.1:1", xfh: "evil.example/x?", want: "http://192.0.2.10:8080"},
		{name: "TLS", remote: "198.51.100.7:1", tls: true, want: "https://192.0.2.10:8080"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/cards/x", nil)
			r.Host = "evil.example"
			r.RemoteAddr = tc.remote
			r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, net.Addr(local)))
			if tc.xfh != "" {
				r.Header.Set("X-Forwarded-Host", tc.xfh)
			}
			if tc.xfp != "" {
				r.Header.Set("X-Forwarded-Proto", tc.xfp)
			}
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			if got := proxies(trusted).publicBase(r, tc.publicURL); got != tc.want {
				t.Errorf("publicBase = %q, want %q", got, tc.want)
			}
		})
	}
}
