//go:build ignore

// Command entc generates the ent client and the entgql GraphQL schema from ent/schema.
package main

import (
	"log"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
)

func main() {
	// gridgov's pagination template replaces entgql's (same name, parsed after it): exact
	// cursors for nullable and zero values, see ent/gqltemplate/pagination.tmpl.
	paging := gen.MustParse(gen.NewTemplate("gql_pagination").
		Funcs(entgql.TemplateFuncs).
		ParseFiles("./ent/gqltemplate/pagination.tmpl"))
	// Its collection template likewise replaces entgql's: computed fields select the columns
	// they read (schema.GQLComputed), see ent/gqltemplate/collection.tmpl.
	collection := gen.MustParse(gen.NewTemplate("gql_collection").
		Funcs(entgql.TemplateFuncs).
		ParseFiles("./ent/gqltemplate/collection.tmpl"))
	ex, err := entgql.NewExtension(
		entgql.WithTemplates(append(append([]*gen.Template{}, entgql.AllTemplates...), paging, collection)...),
		entgql.WithConfigPath("./gqlgen.yml"),
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("./graph/ent.graphql"),
		entgql.WithWhereInputs(true),
		entgql.WithNodeDescriptor(false),
	)
	if err != nil {
		log.Fatalf("creating entgql extension: %v", err)
	}
	err = entc.Generate("./ent/schema", &gen.Config{
		Target:  "./ent",
		Package: "gridgov/ent",
		Features: []gen.Feature{
			gen.FeaturePrivacy,
			gen.FeatureEntQL,
			gen.FeatureIntercept,
			gen.FeatureSnapshot,
			gen.FeatureVersionedMigration,
			gen.FeatureModifier,
			gen.FeatureGlobalID,
			gen.FeatureExecQuery,
			gen.FeatureUpsert,
		},
	}, entc.Extensions(ex), entc.TemplateDir("./ent/template"))
	if err != nil {
		log.Fatalf("running ent codegen: %v", err)
	}
}
