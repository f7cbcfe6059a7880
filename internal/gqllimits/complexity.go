package gqllimits

import (
	"reflect"

	"entgo.io/contrib/entgql"

	"gridgov/graph/generated"
)

// Page-size limits of every connection.
const (
	// DefaultPageSize is the page of a connection asked for without first or last
	// (PageSizeCheck writes it into the request) and what its complexity assumes.
	DefaultPageSize = 50
	// MaxPageSize is the largest first or last a client may ask for.
	MaxPageSize = 500
	// MaxListLen caps list arguments such as nodes(ids:).
	MaxListLen = 500
)

var (
	cursorType = reflect.TypeFor[*entgql.Cursor[int]]()
	intPtrType = reflect.TypeFor[*int]()
	intsType   = reflect.TypeFor[[]int]()
)

// Complexity returns complexity functions for every field of the schema that lists things:
// a connection costs its page size times the cost of one element, nodes(ids:) the number of
// ids times one node. They are set by reflection over the generated ComplexityRoot, so
// connections added later are covered without anyone remembering to.
func Complexity() generated.ComplexityRoot {
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
// connection (with after, first, before, last among its arguments, in that order) or takes a
// list of ids. Page sizes above MaxPageSize count as MaxPageSize: PageSizeCheck refuses them
// with a clearer message.
func listComplexity(ft reflect.Type) (reflect.Value, bool) {
	in := ft.NumIn()
	for i := 1; i+3 < in; i++ {
		if ft.In(i) == cursorType && ft.In(i+1) == intPtrType && ft.In(i+2) == cursorType && ft.In(i+3) == intPtrType {
			first, last := i+1, i+3
			return reflect.MakeFunc(ft, func(args []reflect.Value) []reflect.Value {
				child := int(args[0].Int())
				n := DefaultPageSize
				for _, a := range []reflect.Value{args[first], args[last]} {
					if !a.IsNil() {
						n = min(int(a.Elem().Int()), MaxPageSize)
					}
				}
				return []reflect.Value{reflect.ValueOf(1 + max(n, 1)*child)}
			}), true
		}
	}
	if in == 2 && ft.In(1) == intsType {
		return reflect.MakeFunc(ft, func(args []reflect.Value) []reflect.Value {
			return []reflect.Value{reflect.ValueOf(1 + max(args[1].Len(), 1)*int(args[0].Int()))}
		}), true
	}
	return reflect.Value{}, false
}
