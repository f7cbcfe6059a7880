package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	neturl "net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// syncCounter is a TCP proxy to PostgreSQL that counts the ReadyForQuery messages the server
// sends: one per Sync, that is one per round trip of the extended query protocol.
type syncCounter struct {
	ln    net.Listener
	ready atomic.Int64
	wg    sync.WaitGroup
}

func newSyncCounter(t *testing.T, target string) *syncCounter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &syncCounter{ln: ln}
	t.Cleanup(func() { ln.Close(); p.wg.Wait() })
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.wg.Go(func() { _, _ = io.Copy(s, c); s.Close() })
			p.wg.Go(func() { p.count(c, s); c.Close() })
		}
	})
	return p
}

// count copies the server's messages to the client, counting ReadyForQuery ('Z'). Without
// SSL every message the server sends is a type byte and a length that counts itself.
func (p *syncCounter) count(client, server net.Conn) {
	head := make([]byte, 5)
	for {
		if _, err := io.ReadFull(server, head); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint32(head[1:])-4)
		if _, err := io.ReadFull(server, body); err != nil {
			return
		}
		if head[0] == 'Z' {
			p.ready.Add(1)
		}
		if _, err := client.Write(append(head[:5:5], body...)); err != nil {
			return
		}
	}
}

// TestPostgresOneRoundTripPerStatement: Open sets lib/pq's binary_parameters, so a statement
// with arguments costs one round trip, not two; timestamps and bytea arguments, which lib/pq
// then sends in binary or as text without asking their types, still compare right.
func TestPostgresOneRoundTripPerStatement(t *testing.T) {
	t.Parallel()
	u, err := neturl.Parse(postgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	if u.Query().Get("sslmode") != "disable" {
		t.Skip("the counting proxy reads PostgreSQL's messages in the clear: needs sslmode=disable")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	proxy := newSyncCounter(t, u.Host)
	roundTrips := func(url string) int64 {
		t.Helper()
		client, db, err := Open(ctx, url, WithMaxOpenConns(1))
		if err != nil {
			if os.Getenv("GRIDGOV_REQUIRE_POSTGRES") == "1" {
				t.Fatal(err)
			}
			t.Skipf("PostgreSQL not reachable: %v", err)
		}
		defer client.Close()
		at := time.Date(2026, 3, 1, 8, 30, 0, 123456000, time.UTC)
		blob := []byte{0, 1, 0xfe, 0xff, '\\', 'x'}
		before := proxy.ready.Load()
		var (
			sameTime, sameBlob bool
			got                []byte
		)
		if err := db.QueryRowContext(ctx, `SELECT $1::timestamptz = '2026-03-01 08:30:00.123456+00', $2::bytea = '\x0001feff5c78'::bytea, $2::bytea`,
			at, blob).Scan(&sameTime, &sameBlob, &got); err != nil {
			t.Fatal(err)
		}
		n := proxy.ready.Load() - before
		if !sameTime || !sameBlob || !bytes.Equal(got, blob) {
			t.Errorf("%s: timestamp equal %v, bytea equal %v, bytea back %x; want true, true, %x", RedactURL(url), sameTime, sameBlob, got, blob)
		}
		return n
	}
	via := *u
	via.Host = proxy.ln.Addr().String()
	if got := roundTrips(via.String()); got != 1 {
		t.Errorf("a statement with arguments took %d round trips, want 1 (binary_parameters)", got)
	}
	// Set by the URL, the user's choice stands: lib/pq's default then takes two.
	q := via.Query()
	q.Set("binary_parameters", "no")
	via.RawQuery = q.Encode()
	if got := roundTrips(via.String()); got != 2 {
		t.Errorf("with binary_parameters=no in the URL: %d round trips, want lib/pq's 2", got)
	}
}
