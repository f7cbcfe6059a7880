// Package faultproxy is a TCP proxy for fault tests: a server under test connects to its
// database through it, and the test makes the database go away and come back.
//
// Stopping the real PostgreSQL is not an option in tests: one server at 127.0.0.1:5432 serves
// every test package running in parallel, and other developers. The proxy reproduces what a
// client sees when PostgreSQL stops, and no more: Stop closes the listening socket (new
// connections are refused) and closes every open connection (each pooled connection breaks
// at its next read or write); Start listens again on the same port, behind which the same
// database is still there.
package faultproxy

import (
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Proxy forwards TCP connections from its address to a target address.
type Proxy struct {
	target string
	addr   string // fixed by the first listen, so that Start reopens the same port

	mu    sync.Mutex
	ln    net.Listener // nil while stopped
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// New starts a proxy on a free port of 127.0.0.1 that forwards to target (host:port).
func New(target string) (*Proxy, error) {
	p := &Proxy{target: target, addr: "127.0.0.1:0", conns: map[net.Conn]struct{}{}}
	if err := p.Start(); err != nil {
		return nil, err
	}
	return p, nil
}

// Addr returns the proxy's address, host:port; it stays the same across Stop and Start.
func (p *Proxy) Addr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.addr
}

// Start listens again after Stop (the database is back). It retries briefly: the port was
// just closed, and the kernel may hold it for a moment.
func (p *Proxy) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		return nil
	}
	var err error
	for range 50 {
		var ln net.Listener
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			p.ln, p.addr = ln, ln.Addr().String()
			p.wg.Add(1)
			go p.accept(ln)
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("faultproxy: listen on %s again: %w", p.addr, err)
}

// Stop makes the database go away: new connections are refused and open ones are closed.
// It returns once no connection is left.
func (p *Proxy) Stop() {
	p.mu.Lock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// Close stops the proxy for good.
func (p *Proxy) Close() { p.Stop() }

// Conns returns how many connections pass through the proxy now.
func (p *Proxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns) / 2
}

func (p *Proxy) accept(ln net.Listener) {
	defer p.wg.Done()
	for {
		client, err := ln.Accept()
		if err != nil {
			return // closed by Stop
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		if !p.track(client, server) {
			continue
		}
		p.wg.Add(2)
		go p.pipe(client, server)
		go p.pipe(server, client)
	}
}

// track registers a new pair of connections, unless Stop came first.
func (p *Proxy) track(client, server net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		client.Close()
		server.Close()
		return false
	}
	p.conns[client], p.conns[server] = struct{}{}, struct{}{}
	return true
}

// pipe copies from src to dst until either side ends, then closes both, as PostgreSQL's
// ending a session closes its socket.
func (p *Proxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src) // the end of input and a closed connection alike end the session
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
	dst.Close()
	src.Close()
}
