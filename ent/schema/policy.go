package schema

import (
	"entgo.io/ent"

	"gridgov/authz"
	"gridgov/internal/gridtree"
)

// Every entity's privacy policy and hooks, in one place so that none is forgotten: a test in
// authz checks that each entity denies a request without a viewer.

// Policy of Grid.
func (Grid) Policy() ent.Policy { return authz.NewPolicy(authz.GridRules()) }

// Hooks of Grid.
func (Grid) Hooks() []ent.Hook { return []ent.Hook{gridtree.GridHook()} }

// Policy of Person.
func (Person) Policy() ent.Policy { return authz.NewPolicy(authz.PersonRules()) }

// Hooks of Person.
func (Person) Hooks() []ent.Hook { return []ent.Hook{gridtree.CopyGridPathHook()} }

// Policy of Assignment.
func (Assignment) Policy() ent.Policy { return authz.NewPolicy(authz.AssignmentRules()) }

// Hooks of Assignment.
func (Assignment) Hooks() []ent.Hook { return []ent.Hook{gridtree.CopyGridPathHook()} }

// Policy of Vehicle.
func (Vehicle) Policy() ent.Policy { return authz.NewPolicy(authz.VehicleRules()) }

// Hooks of Vehicle.
func (Vehicle) Hooks() []ent.Hook { return []ent.Hook{gridtree.CopyGridPathHook()} }

// Policy of User.
func (User) Policy() ent.Policy { return authz.NewPolicy(authz.UserRules()) }

// Policy of Session: reachable only on the system's account (sign-in and sign-out).
func (Session) Policy() ent.Policy { return authz.NewPolicy(authz.SystemOnlyRules()) }
