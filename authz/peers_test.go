package authz

import (
	"testing"
	"time"
)

// testPeers returns a live table of process "self" that knows of the given peers.
func testPeers(wait time.Duration, peers ...string) *Peers {
	p := newPeers("self", PresenceEvery, wait)
	p.SetLive(true)
	for _, id := range peers {
		p.Heard(Notice{Kind: NoticePresence, From: id})
	}
	return p
}

// awaitIn runs p.await for nonces in the background and returns how long it took.
func awaitIn(p *Peers, nonces ...string) <-chan time.Duration {
	waits := p.expect(nonces)
	out := make(chan time.Duration, 1)
	start := time.Now()
	go func() {
		p.await(nonces, waits)
		out <- time.Since(start)
	}()
	return out
}

func echo(nonce string) Notice { return Notice{Kind: NoticeChange, Nonce: nonce, From: "self"} }

func TestPeersAckArrivesReturnsEarly(t *testing.T) {
	p := testPeers(5*time.Second, "b", "c")
	took := awaitIn(p, "1-self", "2-self")
	p.Heard(echo("1-self"))
	p.Heard(echo("2-self"))
	p.Heard(Notice{Kind: NoticeAck, Nonce: "1-self", From: "b"})
	p.Heard(Notice{Kind: NoticeAck, Nonce: "2-self", From: "b"})
	p.Heard(Notice{Kind: NoticeAck, Nonce: "1-self", From: "c"})
	select {
	case d := <-took:
		t.Fatalf("returned after %v with c's acknowledgement of 2-self outstanding", d)
	case <-time.After(50 * time.Millisecond):
	}
	p.Heard(Notice{Kind: NoticeAck, Nonce: "2-self", From: "c"})
	select {
	case d := <-took:
		if d > time.Second {
			t.Fatalf("returned after %v, want at once", d)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("did not return once every peer acknowledged")
	}
	if got := len(p.Known()); got != 2 {
		t.Fatalf("%d peers known after every acknowledgement, want 2", got)
	}
}

func TestPeersSilentPeerIsForgotten(t *testing.T) {
	const wait = 200 * time.Millisecond
	p := testPeers(wait, "b", "dead")
	took := awaitIn(p, "1-self")
	p.Heard(echo("1-self"))
	p.Heard(Notice{Kind: NoticeAck, Nonce: "1-self", From: "b"})
	select {
	case d := <-took:
		if d < wait {
			t.Fatalf("returned after %v without dead's acknowledgement, want %v", d, wait)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("did not return after the bound")
	}
	if known := p.Known(); len(known) != 1 || known[0] != "b" {
		t.Fatalf("peers known after the timeout: %v, want [b]", known)
	}
	// The next change waits for b only.
	took = awaitIn(p, "2-self")
	p.Heard(echo("2-self"))
	p.Heard(Notice{Kind: NoticeAck, Nonce: "2-self", From: "b"})
	if d := <-took; d >= wait {
		t.Fatalf("the next change waited %v for the forgotten peer", d)
	}
	// A peer heard again is waited for again.
	p.Heard(Notice{Kind: NoticePresence, From: "dead"})
	if got := len(p.Known()); got != 2 {
		t.Fatalf("%d peers known after dead's presence, want 2", got)
	}
}

func TestPeersNoPeersWaitsForTheEchoOnly(t *testing.T) {
	const wait = 300 * time.Millisecond
	p := testPeers(wait)
	took := awaitIn(p, "1-self")
	select {
	case d := <-took:
		t.Fatalf("returned after %v before the echo", d)
	case <-time.After(50 * time.Millisecond):
	}
	p.Heard(echo("1-self"))
	if d := <-took; d >= wait {
		t.Fatalf("returned after %v, want at the echo", d)
	}
	// Unheard, the echo is waited for up to the bound, not longer.
	took = awaitIn(p, "2-self")
	if d := <-took; d < wait || d > wait+time.Second {
		t.Fatalf("returned after %v without an echo, want %v", d, wait)
	}
}

func TestPeersGoodbyeAndExpiry(t *testing.T) {
	p := testPeers(5*time.Second, "b", "c")
	took := awaitIn(p, "1-self")
	p.Heard(echo("1-self"))
	p.Heard(Notice{Kind: NoticeAck, Nonce: "1-self", From: "b"})
	p.Heard(Notice{Kind: NoticeGoodbye, From: "c"}) // c stops: no longer waited for
	if d := <-took; d > time.Second {
		t.Fatalf("returned after %v, want at c's goodbye", d)
	}
	now := time.Now()
	p.now = func() time.Time { return now.Add(3*PresenceEvery + time.Second) }
	if known := p.Known(); len(known) != 0 {
		t.Fatalf("peers known three presence periods after they were last heard: %v", known)
	}
}

func TestPeersNotLiveWaitsForNothing(t *testing.T) {
	p := testPeers(5*time.Second, "b")
	p.SetLive(false)
	if d := <-awaitIn(p, "1-self"); d > time.Second {
		t.Fatalf("waited %v with the listener down", d)
	}
}

func TestParseNotice(t *testing.T) {
	for payload, want := range map[string]Notice{
		"u:7 #3-abc":   {Kind: NoticeChange, Change: Change{UserID: 7}, Nonce: "3-abc", From: "abc"},
		"*":            {Kind: NoticeChange, Change: Change{All: true}},
		"!hello abc 2": {Kind: NoticeHello, From: "abc", Seq: 2},
		"!here abc":    {Kind: NoticePresence, From: "abc"},
		"!bye abc":     {Kind: NoticeGoodbye, From: "abc"},
		"!ack 3-abc d": {Kind: NoticeAck, Nonce: "3-abc", From: "d"},
	} {
		got, err := ParseNotice(payload)
		if err != nil || got != want {
			t.Errorf("ParseNotice(%q) = %+v, %v; want %+v", payload, got, err, want)
		}
	}
	for _, payload := range []string{"!hello abc", "!ack 3-abc", "!what abc", "u:x"} {
		if n, err := ParseNotice(payload); err == nil {
			t.Errorf("ParseNotice(%q) = %+v, want an error", payload, n)
		}
	}
	// No signal reads as a change.
	for _, payload := range []string{HelloPayload(1), PresencePayload(), GoodbyePayload(), AckPayload("1-x")} {
		if ch, err := ParseChange(payload); err == nil {
			t.Errorf("ParseChange(%q) = %v, want an error", payload, ch)
		}
	}
}
