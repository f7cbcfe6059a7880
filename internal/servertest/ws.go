package servertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Socket is a GraphQL WebSocket client speaking graphql-transport-ws, as the graphql-ws npm
// client does, for tests of subscriptions.
type Socket struct {
	conn     *websocket.Conn
	messages chan SocketMessage
	closed   chan struct{} // closed once the connection is
	mu       sync.Mutex
	status   websocket.StatusCode
	reason   string
}

// SocketMessage is one message from the server.
type SocketMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// DialSocket opens a WebSocket to the /graphql endpoint of base (http://host) and sends
// connection_init with token ("" for none), returning once the server acknowledged it or with
// the close status it answered.
func DialSocket(t testing.TB, base, token string, header map[string]string) (*Socket, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts := &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: map[string][]string{}}
	for k, v := range header {
		opts.HTTPHeader.Set(k, v)
	}
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/graphql", opts)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial: status %d: %w", resp.StatusCode, err)
		}
		return nil, fmt.Errorf("dial: %w", err)
	}
	s := &Socket{conn: conn, messages: make(chan SocketMessage, 256), closed: make(chan struct{})}
	t.Cleanup(func() { _ = conn.CloseNow() })
	go s.read()
	payload := map[string]any{}
	if token != "" {
		payload["authorization"] = "Bearer " + token
	}
	if err := s.Send(SocketMessage{Type: "connection_init", Payload: mustJSON(payload)}); err != nil {
		return nil, err
	}
	select {
	case m := <-s.messages:
		if m.Type != "connection_ack" {
			return nil, fmt.Errorf("want connection_ack, got %s %s", m.Type, m.Payload)
		}
		return s, nil
	case <-s.closed:
		code, reason := s.CloseStatus()
		return nil, &SocketClosed{Code: int(code), Reason: reason}
	case <-time.After(10 * time.Second):
		return nil, errors.New("no connection_ack within 10 s")
	}
}

// SocketClosed is the error of a socket the server closed.
type SocketClosed struct {
	Code   int
	Reason string
}

func (e *SocketClosed) Error() string { return fmt.Sprintf("socket closed: %d %s", e.Code, e.Reason) }

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func (s *Socket) read() {
	defer close(s.closed)
	for {
		_, data, err := s.conn.Read(context.Background())
		if err != nil {
			s.mu.Lock()
			s.status, s.reason = websocket.CloseStatus(err), err.Error()
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				s.reason = ce.Reason
			}
			s.mu.Unlock()
			return
		}
		var m SocketMessage
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		if m.Type == "ping" {
			_ = s.Send(SocketMessage{Type: "pong"})
			continue
		}
		s.messages <- m
	}
}

// Send writes one message.
func (s *Socket) Send(m SocketMessage) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.conn.Write(ctx, websocket.MessageText, b)
}

// Subscribe starts operation id with query and variables.
func (s *Socket) Subscribe(t testing.TB, id, query string, vars map[string]any) {
	t.Helper()
	if err := s.Send(SocketMessage{ID: id, Type: "subscribe", Payload: mustJSON(map[string]any{"query": query, "variables": vars})}); err != nil {
		t.Fatal(err)
	}
}

// Next returns the next message within wait, or false.
func (s *Socket) Next(wait time.Duration) (SocketMessage, bool) {
	select {
	case m := <-s.messages:
		return m, true
	case <-time.After(wait):
		return SocketMessage{}, false
	}
}

// Closed returns a channel closed once the connection is.
func (s *Socket) Closed() <-chan struct{} { return s.closed }

// CloseStatus returns the close code and reason the server closed the socket with (-1 when it
// is open or closed without a code).
func (s *Socket) CloseStatus() (websocket.StatusCode, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status, s.reason
}

// Close closes the socket normally.
func (s *Socket) Close() { _ = s.conn.Close(websocket.StatusNormalClosure, "done") }
