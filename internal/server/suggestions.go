package server

import (
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// rulesWithoutSuggestions is gqlparser's default validation rules with every rule that adds
// "Did you mean …?" to its message replaced by its variant without: suggestions for unknown
// arguments, types, input fields and enum values spell out the schema to a caller who may not
// introspect it. gqlgen's SetDisableSuggestion swaps only the field and scalar-leaf rules.
func rulesWithoutSuggestions() *rules.Rules {
	r := rules.NewDefaultRules()
	for _, quiet := range []struct {
		name string
		rule core.Rule
	}{
		{"KnownArgumentNames", rules.KnownArgumentNamesRuleWithoutSuggestions},
		{"KnownTypeNames", rules.KnownTypeNamesRuleWithoutSuggestions},
		{"ValuesOfCorrectType", rules.ValuesOfCorrectTypeRuleWithoutSuggestions},
		{"FieldsOnCorrectType", rules.FieldsOnCorrectTypeRuleWithoutSuggestions},
		{"ScalarLeafs", rules.ScalarLeafsRuleWithoutSuggestions},
	} {
		r.RemoveRule(quiet.name)
		r.AddRule(quiet.rule.Name, quiet.rule.RuleFunc)
	}
	return r
}
