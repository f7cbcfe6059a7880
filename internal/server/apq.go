package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
)

const (
	// persistedQueryItems is how many automatic persisted queries the server remembers: far
	// more than the distinct queries of its frontends, so that each is sent in full about once.
	persistedQueryItems = 1000
	// maxPersistedQueryBytes is the longest query remembered: a frontend's queries are a few
	// kilobytes, and the cache must stay small (persistedQueryItems of these at most) whatever
	// clients send. A longer query still runs; it is sent in full every time.
	maxPersistedQueryBytes = 32 << 10
)

// persistedQueries is the bounded cache of automatic persisted queries (hash → query):
// least recently used out first, queries over maxPersistedQueryBytes not kept.
type persistedQueries struct{ *lru.LRU[string] }

func newPersistedQueries() persistedQueries {
	return persistedQueries{lru.New[string](persistedQueryItems)}
}

// Add remembers query under hash unless it is too long to keep.
func (c persistedQueries) Add(ctx context.Context, hash, query string) {
	if len(query) <= maxPersistedQueryBytes {
		c.LRU.Add(ctx, hash, query)
	}
}

var _ graphql.Cache[string] = persistedQueries{}
