// Package gqllimits holds every limit of gridgov's GraphQL API and the code that enforces
// it: the HTTP request checks (methods, media types, body size, batches, mutations over GET),
// the document limits checked before validation (tokens, depth, fields, directives,
// fragments), page sizes (the cap, and the default written into connections asked for
// without one), list-argument lengths, and the complexity budget with the costs of
// connections and lists it is measured in.
package gqllimits
