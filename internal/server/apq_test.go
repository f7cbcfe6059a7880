package server_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// TestAutomaticPersistedQueries follows the APQ protocol as Apollo's and urql's clients do:
// the hash alone is not known yet (PERSISTED_QUERY_NOT_FOUND), the hash with the query runs
// and is remembered, then the hash alone runs it, over POST and GET. A query that does not
// match its hash is refused, and a persisted mutation still does not run over GET.
func TestAutomaticPersistedQueries(t *testing.T) {
	t.Parallel()
	env := servertest.New(t, dbtest.New(t, dialect.SQLite))
	token := env.TokenFor(t, 0, true)
	const query = "query Me { me { username superuser } }"
	sum := sha256.Sum256([]byte(query))
	hash := hex.EncodeToString(sum[:])
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
	post := func(body map[string]any) *servertest.Response {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		return env.DoRaw(t, token, http.MethodPost, b)
	}

	resp := post(map[string]any{"extensions": ext})
	if len(resp.Errors) != 1 || resp.Errors[0].Message != "PersistedQueryNotFound" || resp.Errors[0].Code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("hash before the query: %+v, want PersistedQueryNotFound", resp.Errors)
	}
	resp = post(map[string]any{"query": query, "extensions": ext})
	if len(resp.Errors) > 0 || !strings.Contains(string(resp.Data), `"superuser":true`) {
		t.Fatalf("hash with the query: %s %+v", resp.Data, resp.Errors)
	}
	resp = post(map[string]any{"extensions": ext})
	if len(resp.Errors) > 0 || !strings.Contains(string(resp.Data), `"superuser":true`) {
		t.Errorf("hash alone after the query: %s %+v", resp.Data, resp.Errors)
	}
	extJSON, _ := json.Marshal(ext)
	rec := send(env.Handler, http.MethodGet, "/graphql?extensions="+url.QueryEscape(string(extJSON)), map[string]string{"Authorization": "Bearer " + token}, "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"superuser":true`) {
		t.Errorf("hash alone over GET: %d %s", rec.Code, rec.Body)
	}

	other := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": strings.Repeat("0", 64)}}
	if resp := post(map[string]any{"query": query, "extensions": other}); len(resp.Errors) != 1 || resp.Data != nil && string(resp.Data) != "null" {
		t.Errorf("a query that does not match its hash: %s %+v, want refused", resp.Data, resp.Errors)
	}

	// A mutation remembered through POST, then asked for over GET by its hash alone.
	const mutation = "mutation Out { logout }"
	msum := sha256.Sum256([]byte(mutation))
	mext, _ := json.Marshal(map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(msum[:])}})
	other2 := env.TokenFor(t, 0, false)
	b, _ := json.Marshal(map[string]any{"query": mutation, "extensions": json.RawMessage(mext)})
	if resp := env.DoRaw(t, other2, http.MethodPost, b); len(resp.Errors) > 0 {
		t.Fatalf("logout through POST: %+v", resp.Errors)
	}
	rec = send(env.Handler, http.MethodGet, "/graphql?extensions="+url.QueryEscape(string(mext)), map[string]string{"Authorization": "Bearer " + token}, "")
	if rec.Code == http.StatusOK || strings.Contains(rec.Body.String(), `"logout":true`) {
		t.Errorf("persisted mutation over GET: %d %s, want refused", rec.Code, rec.Body)
	}
	if resp := env.Do(t, token, "{ me { username } }", nil); len(resp.Errors) > 0 {
		t.Errorf("the session is still open after the refused GET: %+v", resp.Errors)
	}
}
