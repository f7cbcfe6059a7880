// Package gridgov is the GraphQL backend for grid-based community governance (网格化管理).
package gridgov

//go:generate go run -mod=mod ./ent/entc.go
//go:generate go run -mod=mod github.com/99designs/gqlgen
