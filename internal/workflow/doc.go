// Package workflow runs the case workflow (GB/T 30428 practice): report → accept/register →
// dispatch → handle → report back → verify on site (not by the handler) → close as fixed or
// not fixed, with return for rework, escalation to the parent grid (逐级上报), deadline
// extensions that need approval, voiding and reopening. Which role may take which step comes
// from authz/policy.csv; every step appends an EventAction; concurrent steps on one case are
// settled by a version check, so exactly one wins.
package workflow
