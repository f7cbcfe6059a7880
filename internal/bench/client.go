package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// client sends GraphQL requests over HTTP, the way a frontend does.
type client struct {
	url  string
	http *http.Client
}

// newHTTPClient returns a client whose transport keeps an idle connection for every
// concurrent worker: Go's default of 2 idle connections per host would make most requests of
// a 16-client run open a new TCP connection, and the benchmark would measure the handshake.
func newHTTPClient(clients int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 2 * clients
	t.MaxIdleConnsPerHost = 2 * clients
	t.MaxConnsPerHost = 0
	return &http.Client{Transport: t, Timeout: time.Minute}
}

// request is one GraphQL request.
type request struct {
	token     string
	operation string
	query     string
	vars      map[string]any
}

// gqlError is one error of a GraphQL response.
type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// response is a GraphQL response; Data is left raw, since the hot loop only checks Errors.
type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// errorsError turns a response's GraphQL errors into one Go error.
func errorsError(errs []gqlError) error {
	msgs := make([]string, 0, len(errs))
	for _, e := range errs {
		code, _ := e.Extensions["code"].(string)
		if code != "" {
			msgs = append(msgs, fmt.Sprintf("%s (%s)", e.Message, code))
		} else {
			msgs = append(msgs, e.Message)
		}
	}
	return fmt.Errorf("graphql: %s", strings.Join(msgs, "; "))
}

// do sends r and returns the time from sending the request to having read the whole body,
// and an error for a failed round trip, a status other than 200, a body that is not a
// GraphQL response, or a response with GraphQL errors. Decoding the body happens after the
// clock stops: it is the client's work, not the server's.
func (c *client) do(ctx context.Context, r request) (time.Duration, *response, error) {
	body, err := json.Marshal(map[string]any{"operationName": r.operation, "query": r.query, "variables": r.vars})
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return time.Since(start), nil, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	elapsed := time.Since(start)
	if err != nil {
		return elapsed, nil, fmt.Errorf("read response: %w", err)
	}
	var out response
	if err := json.Unmarshal(raw, &out); err != nil {
		return elapsed, nil, fmt.Errorf("HTTP %d, not a GraphQL response: %.200s", resp.StatusCode, raw)
	}
	if len(out.Errors) > 0 {
		return elapsed, &out, errorsError(out.Errors)
	}
	if resp.StatusCode != http.StatusOK {
		return elapsed, &out, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return elapsed, &out, nil
}

// query sends r and decodes its data into out; for the setup requests, outside the clock.
func (c *client) query(ctx context.Context, r request, out any) error {
	_, resp, err := c.do(ctx, r)
	if err != nil {
		return fmt.Errorf("%s: %w", r.operation, err)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(resp.Data, out); err != nil {
		return fmt.Errorf("%s: decode data: %w", r.operation, err)
	}
	return nil
}
