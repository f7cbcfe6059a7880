package graph_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gridgov/ent/person"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// TestStartImport: a village official starts an import in the background, follows it with
// importJob until it is done, and reads the same plan importRoster answers; their row for
// another village is refused in it, and so is a file that is no workbook; nobody else sees
// the job. (A job that fails, and the limits, are TestRunner's, in internal/imports.)
func TestStartImport(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		g := f.buildTree(t, baseTree)
		_, _, token := f.holder(t, g["v1"].ID, "王村长", "FIRST_RESPONSIBLE")
		_, _, other := f.holder(t, g["v2"].ID, "李村长", "FIRST_RESPONSIBLE")
		const start = `mutation($f: Upload!, $dry: Boolean!) { startImport(kind: ROSTER, file: $f, dryRun: $dry) {
			token kind kindLabel status statusLabel fileName } }`
		type job struct {
			Token, Kind, KindLabel, Status, StatusLabel, FileName, Stage, Error, ErrorCode string
			Done, Total                                                                    int
			Plan                                                                           *struct {
				Applied bool
				Sheets  []struct {
					Sheet   string
					Created int
				}
				Refused []struct{ Text string }
			}
		}
		startJob := func(name string, data []byte, dry bool) job {
			t.Helper()
			resp := f.env.DoUpload(t, token, start, map[string]any{"f": nil, "dry": dry}, []servertest.File{{Var: "f", Name: name, Data: data}})
			if len(resp.Errors) > 0 {
				t.Fatalf("startImport: %+v", resp.Errors)
			}
			var out struct{ StartImport job }
			if err := json.Unmarshal(resp.Data, &out); err != nil {
				t.Fatal(err)
			}
			return out.StartImport
		}
		const poll = `query($t: String!) { importJob(token: $t) { token status statusLabel stage done total error errorCode
			plan { applied sheets { sheet created } refused { text } } } }`
		finished := func(token0 string) job {
			t.Helper()
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				var out struct{ ImportJob job }
				f.env.MustDo(t, token, poll, map[string]any{"t": token0}, &out)
				if out.ImportJob.Status != "RUNNING" {
					return out.ImportJob
				}
				if time.Now().After(deadline) {
					t.Fatalf("job %s still running: %+v", token0, out.ImportJob)
				}
			}
		}

		j := startJob("roster.xlsx", onePersonRoster(t, g["g11"].Code), false)
		if j.Kind != "ROSTER" || j.KindLabel != "花名册" || j.FileName != "roster.xlsx" || len(j.Token) < 16 {
			t.Errorf("the job started: %+v", j)
		}
		done := finished(j.Token)
		if done.Status != "DONE" || done.StatusLabel != "已完成" || done.Plan == nil || !done.Plan.Applied || done.Plan.Sheets[1].Created != 1 {
			t.Fatalf("the job done: %+v", done)
		}
		if n := db.Client.Person.Query().Where(person.Name("表格新人（测试）")).CountX(servertest.System()); n != 1 {
			t.Errorf("the job wrote %d people, want 1", n)
		}
		f.env.MustFail(t, other, poll, map[string]any{"t": j.Token}, "NOT_FOUND")

		refused := finished(startJob("roster.xlsx", onePersonRoster(t, g["g21"].Code), false).Token)
		if refused.Status != "DONE" || refused.Plan.Applied || len(refused.Plan.Refused) != 1 ||
			!strings.Contains(refused.Plan.Refused[0].Text, "not found or outside your scope") {
			t.Errorf("another village's row: %+v", refused)
		}
		// A file that is no workbook is refused whole, as importRoster refuses it.
		notBook := finished(startJob("notes.txt", []byte("not a workbook"), true).Token)
		if notBook.Status != "DONE" || notBook.Plan.Applied || len(notBook.Plan.Refused) != 1 || !strings.Contains(notBook.Plan.Refused[0].Text, "xlsx") {
			t.Errorf("a file that is no workbook: %+v", notBook)
		}
	})
}
