package graph

import (
	"reflect"

	"entgo.io/contrib/entgql"

	"gridgov/graph/generated"
)

// Page-size limits of every connection.
const (
	// DefaultPageSize is what a connection's complexity assumes when neither first nor last
	// is given.
	DefaultPageSize = 20
	// MaxPageSize is the largest first or last a client may ask for.
	MaxPageSize = 500
	// maxListLen caps list arguments such as nodes(ids:).
	maxListLen = 500
)

var (
	cursorType = reflect.TypeFor[*entgql.Cursor[int]]()
	intPtrType = reflect.TypeFor[*int]()
	intsType   = reflect.TypeFor[[]int]()
)

// complexity returns complexity functions for every field of the schema that lists things:
// a connection costs its page size times the cost of one element, nodes(ids:) the number of
// ids times one node. They are set by reflection over the generated ComplexityRoot, so
// connections added later are covered without anyone remembering to.
func complexity() generated.ComplexityRoot {
	var root generated.ComplexityRoot
	rv := reflect.ValueOf(&root).Elem()
	for i := range rv.NumField() {
		typ := rv.Field(i)
		if typ.Kind() != reflect.Struct {
			continue
		}
		for j := range typ.NumField() {
			f := typ.Field(j)
			if f.Kind() != reflect.Func {
				continue
			}
			if fn, ok := listComplexity(f.Type()); ok {
				f.Set(fn)
			}
		}
	}
	return root
}

// listComplexity builds the complexity function for a field of type ft when it is a
// connection (childComplexity, after, first, before, last, …) or takes a list of ids.
func listComplexity(ft reflect.Type) (reflect.Value, bool) {
	in := ft.NumIn()
	switch {
	case in >= 5 && ft.In(1) == cursorType && ft.In(2) == intPtrType && ft.In(3) == cursorType && ft.In(4) == intPtrType:
		return reflect.MakeFunc(ft, func(args []reflect.Value) []reflect.Value {
			child := int(args[0].Int())
			n := DefaultPageSize
			for _, a := range []reflect.Value{args[2], args[4]} {
				if !a.IsNil() {
					n = int(a.Elem().Int())
				}
			}
			return []reflect.Value{reflect.ValueOf(1 + max(n, 1)*child)}
		}), true
	case in == 2 && ft.In(1) == intsType:
		return reflect.MakeFunc(ft, func(args []reflect.Value) []reflect.Value {
			return []reflect.Value{reflect.ValueOf(1 + max(args[1].Len(), 1)*int(args[0].Int()))}
		}), true
	}
	return reflect.Value{}, false
}
