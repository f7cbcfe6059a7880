package server

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
)

// Profiling returns net/http/pprof's handlers under /debug/pprof/ on a mux of their own, to
// be served on a listener of its own (serve's --pprof-addr): profiles show what every
// request does, so they are never part of New's handler and never on the API's port. The
// package's init registers them on http.DefaultServeMux too, which gridgov never serves.
func Profiling() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// CheckProfilingAddr returns an error when the profiling address pprofAddr would share the
// API's address apiAddr (see CheckPrivateAddr).
func CheckProfilingAddr(pprofAddr, apiAddr string) error {
	return CheckPrivateAddr("profiling", pprofAddr, apiAddr)
}

// CheckPrivateAddr returns an error when addr, the address of a private listener (what names
// it: profiling, metrics), would share the API's address apiAddr: the same port (other than 0,
// which picks a free one) on the same host or on a wildcard host that covers the other.
func CheckPrivateAddr(what, addr, apiAddr string) error {
	ph, pp, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s address %q: %w", what, addr, err)
	}
	ah, ap, err := net.SplitHostPort(apiAddr)
	if err != nil {
		return fmt.Errorf("API address %q: %w", apiAddr, err)
	}
	if pp != ap || pp == "0" {
		return nil
	}
	if ph == ah || wildcardHost(ph) || wildcardHost(ah) {
		return fmt.Errorf("%s address %q is the API's address %q: it must never be served on the public port", what, addr, apiAddr)
	}
	return nil
}

// wildcardHost reports whether host listens on every address.
func wildcardHost(host string) bool {
	if host == "" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsUnspecified()
}
