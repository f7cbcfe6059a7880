package demo

import (
	"testing"

	"gridgov/ent"
	"gridgov/ent/bulletinpost"
	"gridgov/ent/event"
	"gridgov/ent/eventaction"
	"gridgov/ent/inspection"
	"gridgov/internal/dbtest"
)

// TestLoadPublic: the demo's bulletin has published posts in every column and a draft; the
// supervisor's ledger has unannounced inspections, a passed re-check and a failed one that
// reopened a case closed unfixed for rework, leaving the article's 829 fixed cases intact. A
// second load writes nothing.
func TestLoadPublic(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := allow(t)
		if _, err := LoadAll(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadAll(ctx, db.Client); err != nil {
			t.Fatalf("second LoadAll: %v", err)
		}
		posts, err := db.Client.BulletinPost.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		columns := map[bulletinpost.Column]int{}
		drafts := 0
		for _, p := range posts {
			if p.Status == bulletinpost.StatusPUBLISHED {
				columns[p.Column]++
			} else {
				drafts++
			}
		}
		if len(posts) != len(demoPosts) || drafts != 1 || len(columns) != 3 {
			t.Errorf("%d posts (%d drafts), published by column %v; want %d, 1 draft, all three columns", len(posts), drafts, columns, len(demoPosts))
		}
		ins, err := db.Client.Inspection.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[inspection.Kind]int{}
		var failed *int
		for _, in := range ins {
			kinds[in.Kind]++
			if in.RecheckPassed != nil && !*in.RecheckPassed {
				failed = in.EventID
			}
		}
		if kinds[inspection.KindUNANNOUNCED] != 3 || kinds[inspection.KindRECHECK] != 2 || failed == nil {
			t.Fatalf("inspections by kind %v, failed re-check of case %v", kinds, failed)
		}
		ev, err := db.Client.Event.Query().Where(event.ID(*failed)).WithActions(func(q *ent.EventActionQuery) { q.Order(ent.Asc(eventaction.FieldID)) }).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		last := ev.Edges.Actions[len(ev.Edges.Actions)-1]
		if ev.Status != event.StatusREGISTERED || ev.ReworkCount < 1 || last.Action != eventaction.ActionREOPEN {
			t.Errorf("the failed re-check's case is %s, rework %d, last step %s; want REGISTERED, reworked, REOPEN", ev.Status, ev.ReworkCount, last.Action)
		}
		fixed, err := db.Client.Event.Query().Where(event.StatusEQ(event.StatusCLOSED_FIXED)).Count(ctx)
		if err != nil || fixed != ResolvedCount {
			t.Errorf("%d cases closed fixed (%v), want %d", fixed, err, ResolvedCount)
		}
	})
}
