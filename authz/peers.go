package authz

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Besides changes, ChangesChannel carries the processes' signals to each other, each payload
// starting with "!" so that ParseChange refuses it (a change starts with "u:", "p:" or "*"):
//
//	!hello ID SEQ   a process's listener (re)connected; peers answer with !here
//	!here ID        a process is listening (every PresenceEvery, and in answer to !hello)
//	!bye ID         a process stops listening
//	!ack NONCE ID   process ID dropped what the change with NONCE affects from its cache
const signalPrefix = "!"

// PresenceEvery is how often a listening process tells its peers it is there; a peer unseen
// for three periods is forgotten.
const PresenceEvery = 10 * time.Second

// AckWait bounds how long a committed change waits for this process's own listener to hear
// it and for every live peer to acknowledge it.
const AckWait = time.Second

// NoticeKind says what a notification on ChangesChannel is.
type NoticeKind int

// The kinds of notification on ChangesChannel.
const (
	NoticeChange   NoticeKind = iota // an authorization change (Change.String, " #nonce")
	NoticeHello                      // a process (re)connected its listener
	NoticePresence                   // a process is listening
	NoticeGoodbye                    // a process stops listening
	NoticeAck                        // a process acknowledges a change
)

// Notice is one notification read from ChangesChannel.
type Notice struct {
	Kind   NoticeKind
	Change Change // NoticeChange
	// Nonce is a change's nonce (NoticeChange; "" when the payload has none) or the nonce
	// acknowledged (NoticeAck).
	Nonce string
	// From is the id of the process that sent the notification ("" for a change without a
	// nonce).
	From string
	Seq  int // NoticeHello: which connection of its sender the hello belongs to
}

// ParseNotice reads a notification payload: a change (ParseChange) or a process's signal.
func ParseNotice(payload string) (Notice, error) {
	if rest, ok := strings.CutPrefix(payload, signalPrefix); ok {
		f := strings.Fields(rest)
		switch {
		case len(f) == 3 && f[0] == "hello":
			seq, err := strconv.Atoi(f[2])
			if err == nil {
				return Notice{Kind: NoticeHello, From: f[1], Seq: seq}, nil
			}
		case len(f) == 2 && f[0] == "here":
			return Notice{Kind: NoticePresence, From: f[1]}, nil
		case len(f) == 2 && f[0] == "bye":
			return Notice{Kind: NoticeGoodbye, From: f[1]}, nil
		case len(f) == 3 && f[0] == "ack":
			return Notice{Kind: NoticeAck, Nonce: f[1], From: f[2]}, nil
		}
		return Notice{}, fmt.Errorf("authz: bad signal payload %q", payload)
	}
	ch, err := ParseChange(payload)
	if err != nil {
		return Notice{}, err
	}
	n := Notice{Kind: NoticeChange, Change: ch}
	if _, nonce, ok := strings.Cut(payload, " #"); ok {
		n.Nonce = nonce
		// A nonce is "SEQ-PROCESS" (notify); the process id has no "-".
		if i := strings.LastIndexByte(nonce, '-'); i >= 0 {
			n.From = nonce[i+1:]
		}
	}
	return n, nil
}

// ProcessID is this process's id on ChangesChannel.
func ProcessID() string { return processNonce }

// HelloPayload is the signal a process sends when its listener connection number seq is up.
func HelloPayload(seq int) string {
	return signalPrefix + "hello " + processNonce + " " + strconv.Itoa(seq)
}

// PresencePayload is the signal a listening process sends periodically and in answer to a hello.
func PresencePayload() string { return signalPrefix + "here " + processNonce }

// GoodbyePayload is the signal a process sends when it stops listening.
func GoodbyePayload() string { return signalPrefix + "bye " + processNonce }

// AckPayload is the signal acknowledging the change with nonce.
func AckPayload(nonce string) string { return signalPrefix + "ack " + nonce + " " + processNonce }

// Peers is what a process knows of the other processes listening on ChangesChannel, and the
// changes it announced that are waiting for their acknowledgements. A mutation answers only
// once every live peer has dropped what it affects from its cache, so that the caller's next
// request, to any process, meets the change.
type Peers struct {
	self     string
	presence time.Duration // a peer unseen for three of these is forgotten
	wait     time.Duration // bound of await
	now      func() time.Time

	mu      sync.Mutex
	live    bool                      // the listener is connected and heard itself
	seen    map[string]time.Time      // peer id → when last heard
	pending map[string]*pendingChange // nonce → what it waits for
}

// pendingChange is a change announced by this process whose echo or acknowledgements are
// outstanding.
type pendingChange struct {
	echo    bool            // heard by this process's own listener
	missing map[string]bool // peers that have not acknowledged yet
	done    chan struct{}   // closed once echo and no peer missing
}

// newPeers returns an empty table for the process self.
func newPeers(self string, presence, wait time.Duration) *Peers {
	return &Peers{self: self, presence: presence, wait: wait, now: time.Now,
		seen: map[string]time.Time{}, pending: map[string]*pendingChange{}}
}

// processPeers is the table of this process, fed by its listener (internal/changefeed).
var processPeers = newPeers(processNonce, PresenceEvery, AckWait)

// ProcessPeers returns this process's table of peers.
func ProcessPeers() *Peers { return processPeers }

// SetLive records whether this process's listener is connected and has heard its own hello:
// only then can echoes and acknowledgements be heard, and only then are they waited for.
func (p *Peers) SetLive(live bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.live = live
}

// Heard takes in a notification this process's listener received, after the cache dropped
// what a change affects.
func (p *Peers) Heard(n Notice) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n.From == "" {
		return
	}
	switch n.Kind {
	case NoticeChange:
		if n.From != p.self {
			return
		}
		if pc, ok := p.pending[n.Nonce]; ok {
			pc.echo = true
			p.settle(n.Nonce, pc)
		}
	case NoticeHello, NoticePresence:
		if n.From != p.self {
			p.seen[n.From] = p.now()
		}
	case NoticeGoodbye:
		p.forget(n.From)
	case NoticeAck:
		if pc, ok := p.pending[n.Nonce]; ok {
			delete(pc.missing, n.From)
			p.settle(n.Nonce, pc)
		}
	}
}

// Known returns the ids of the live peers.
func (p *Peers) Known() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expire()
	out := make([]string, 0, len(p.seen))
	for id := range p.seen {
		out = append(out, id)
	}
	return out
}

// settle closes pc's channel once nothing is outstanding. p.mu is held.
func (p *Peers) settle(nonce string, pc *pendingChange) {
	if pc.echo && len(pc.missing) == 0 {
		close(pc.done)
		delete(p.pending, nonce)
	}
}

// forget drops peer id and stops waiting for its acknowledgements. p.mu is held.
func (p *Peers) forget(id string) {
	delete(p.seen, id)
	for nonce, pc := range p.pending {
		if pc.missing[id] {
			delete(pc.missing, id)
			p.settle(nonce, pc)
		}
	}
}

// expire forgets the peers unseen for three presence periods. p.mu is held.
func (p *Peers) expire() {
	for id, at := range p.seen {
		if p.now().Sub(at) > 3*p.presence {
			p.forget(id)
		}
	}
}

// expect registers the change nonces about to be announced, waiting for the echo and for
// every live peer's acknowledgement. It returns nil when this process's listener is not live:
// it could hear neither.
func (p *Peers) expect(nonces []string) []*pendingChange {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.live || len(nonces) == 0 {
		return nil
	}
	p.expire()
	out := make([]*pendingChange, len(nonces))
	for i, nonce := range nonces {
		pc := &pendingChange{missing: make(map[string]bool, len(p.seen)), done: make(chan struct{})}
		for id := range p.seen {
			pc.missing[id] = true
		}
		p.pending[nonce] = pc
		out[i] = pc
	}
	return out
}

// cancel stops waiting for nonces (their transaction did not commit).
func (p *Peers) cancel(nonces []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, nonce := range nonces {
		delete(p.pending, nonce)
	}
}

// await waits, at most p.wait in all, until every change of waits was heard by this process
// and acknowledged by every peer expected. A peer still silent then is logged and forgotten,
// so that it does not slow every later change; it is known again at its next presence.
func (p *Peers) await(nonces []string, waits []*pendingChange) {
	if len(waits) == 0 {
		return
	}
	deadline := time.NewTimer(p.wait)
	defer deadline.Stop()
	for _, w := range waits {
		select {
		case <-w.done:
			continue
		case <-deadline.C:
		}
		p.timedOut(nonces, waits)
		return
	}
}

// timedOut forgets the peers that did not acknowledge waits in time.
func (p *Peers) timedOut(nonces []string, waits []*pendingChange) {
	p.mu.Lock()
	defer p.mu.Unlock()
	silent := map[string]bool{}
	echo := true
	for i, w := range waits {
		for id := range w.missing {
			silent[id] = true
		}
		echo = echo && w.echo
		delete(p.pending, nonces[i])
	}
	for id := range silent {
		slog.Warn("authorization change not acknowledged in time by a peer process; forgetting it until it is heard again",
			"peer", id, "wait", p.wait.String())
		p.forget(id)
	}
	if !echo {
		slog.Warn("authorization change not heard back in time by this process's own listener", "wait", p.wait.String())
	}
}
