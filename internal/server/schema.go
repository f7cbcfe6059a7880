package server

import (
	"bytes"
	"io"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"gridgov/graph"
)

// PrintSchema writes the GraphQL schema the server answers with, in SDL, with its
// descriptions: the one frontends generate their types from, which production keeps
// introspection off for. graph/schema.graphqls is this output, committed (a test checks it).
// gqlgen's own directives (@goModel, @goField), which only steer Go code generation, are
// left out.
func PrintSchema(w io.Writer) error {
	var buf bytes.Buffer
	formatter.NewFormatter(&buf, formatter.WithIndent("  ")).FormatSchema(publicSchema(graph.NewSchemaFor(&graph.Resolver{}).Schema()))
	_, err := w.Write(buf.Bytes())
	return err
}

// publicSchema returns a copy of s without gqlgen's code-generation directives, leaving s as
// it is: the executable schema is shared.
func publicSchema(s *ast.Schema) *ast.Schema {
	out := *s
	out.Directives = map[string]*ast.DirectiveDefinition{}
	for name, d := range s.Directives {
		if !generatorDirective(name) {
			out.Directives[name] = d
		}
	}
	out.Types = make(map[string]*ast.Definition, len(s.Types))
	for name, def := range s.Types {
		d := *def
		d.Directives = withoutGenerator(def.Directives)
		d.Fields = make(ast.FieldList, len(def.Fields))
		for i, f := range def.Fields {
			fc := *f
			fc.Directives = withoutGenerator(f.Directives)
			d.Fields[i] = &fc
		}
		d.EnumValues = make(ast.EnumValueList, len(def.EnumValues))
		for i, v := range def.EnumValues {
			vc := *v
			vc.Directives = withoutGenerator(v.Directives)
			d.EnumValues[i] = &vc
		}
		out.Types[name] = &d
	}
	return &out
}

// generatorDirectives are gqlgen's directives, for its code generator only.
var generatorDirectives = map[string]bool{"goModel": true, "goField": true, "goTag": true, "goExtraField": true, "goEnum": true}

func generatorDirective(name string) bool { return generatorDirectives[name] }

func withoutGenerator(list ast.DirectiveList) ast.DirectiveList {
	var out ast.DirectiveList
	for _, d := range list {
		if !generatorDirective(d.Name) {
			out = append(out, d)
		}
	}
	return out
}
