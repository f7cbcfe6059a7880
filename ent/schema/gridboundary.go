package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// GridBoundary is the area of a grid (网格边界): a GeoJSON Polygon or MultiPolygon in WGS-84,
// checked before it is stored (internal/geo). It lives beside the grid, not in its row, so
// that the many reads of grids do not carry outlines of thousands of positions.
type GridBoundary struct {
	ent.Schema
}

// Mixin of GridBoundary.
func (GridBoundary) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of GridBoundary.
func (GridBoundary) Fields() []ent.Field {
	return []ent.Field{
		field.Int("grid_id").Unique().Immutable(),
		field.Text("shape").NotEmpty().Comment("GeoJSON geometry (Polygon or MultiPolygon), WGS-84, longitude first."),
		field.Int("positions").NonNegative().Comment("How many positions the outline has."),
	}
}

// Edges of GridBoundary.
func (GridBoundary) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("grid", Grid.Type).Field("grid_id").Unique().Required().Immutable(),
	}
}

// Indexes of GridBoundary: one boundary per grid.
func (GridBoundary) Indexes() []ent.Index { return []ent.Index{index.Fields("grid_id").Unique()} }

// Annotations of GridBoundary: reached through its grid only (Grid.boundary, gridBoundaries).
func (GridBoundary) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
