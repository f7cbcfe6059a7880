package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gridgov/ent/assignment"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// nextData waits for the next message of subscription id on s and decodes its data into out;
// it returns the message's type ("next", "complete" or "error"; "error" too for a next whose
// payload holds errors, as gqlgen sends a resolver's refusal).
func nextData(t *testing.T, s *servertest.Socket, id string, out any) string {
	t.Helper()
	for {
		m, ok := s.Next(5 * time.Second)
		if !ok {
			t.Fatalf("no message for subscription %s within 5 s", id)
		}
		if m.ID != id {
			continue
		}
		if m.Type == "next" {
			var p struct {
				Data   json.RawMessage
				Errors []servertest.Error
			}
			if err := json.Unmarshal(m.Payload, &p); err != nil {
				t.Fatal(err)
			}
			if len(p.Errors) > 0 {
				t.Logf("subscription %s refused: %+v", id, p.Errors)
				return "error"
			}
			if err := json.Unmarshal(p.Data, out); err != nil {
				t.Fatal(err)
			}
		}
		return m.Type
	}
}

// TestSubscriptionJobAndTotals: jobProgress follows an import job started through HTTP until
// it is DONE and then completes; another account's job is refused; rollupTotals sends the
// subtree's totals at once and again after a case is reported under it.
func TestSubscriptionJobAndTotals(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		ts := httptest.NewServer(env.Handler)
		defer ts.Close()
		tr := newTree(t, db.Client)
		wang := mkPerson(t, db.Client, "王伟", tr.v1)
		mkAssignment(t, db.Client, wang, tr.v1, assignment.RoleFIRST_RESPONSIBLE, time.Now().Add(-time.Hour), nil)
		token, other := env.TokenFor(t, wang.ID, false), env.TokenFor(t, 0, true)
		sock, err := servertest.DialSocket(t, ts.URL, token, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer sock.Close()

		// Totals of the village: at once, and again once a case is reported in it.
		from, to := time.Now().Add(-24*time.Hour).UTC().Format(time.RFC3339), time.Now().Add(24*time.Hour).UTC().Format(time.RFC3339)
		sock.Subscribe(t, "totals", `subscription($g: ID!, $from: Time!, $to: Time!) { rollupTotals(gridID: $g, from: $from, to: $to) { found } }`,
			map[string]any{"g": fmt.Sprint(tr.v1.ID), "from": from, "to": to})
		var totals struct{ RollupTotals struct{ Found int } }
		if typ := nextData(t, sock, "totals", &totals); typ != "next" || totals.RollupTotals.Found != 0 {
			t.Fatalf("the first totals: %s %+v", typ, totals)
		}
		time.Sleep(150 * time.Millisecond) // the subscription is registered with the hub
		report(t, env, token, tr.g11, "垃圾暴露")
		if typ := nextData(t, sock, "totals", &totals); typ != "next" || totals.RollupTotals.Found != 1 {
			t.Errorf("the totals after a report: %s %+v", typ, totals)
		}

		// An import job, followed to its end.
		x := excelize.NewFile()
		_ = x.SetSheetName("Sheet1", "人员")
		for i, row := range [][]any{{"人员编号", "姓名*", "性别", "联系电话", "职务", "工作单位", "党员", "所属网格编码*"},
			{"key", "name", "gender", "phone", "title", "unit", "party_member", "grid_code"},
			{"", "表格新人（测试）", "男", "", "", "", "否", tr.g11.Code}} {
			_ = x.SetSheetRow("人员", fmt.Sprintf("A%d", i+1), &row)
		}
		var buf bytes.Buffer
		if _, err := x.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		resp := env.DoUpload(t, token, `mutation($f: Upload!) { startImport(kind: ROSTER, file: $f, dryRun: true) { token } }`,
			map[string]any{"f": nil}, []servertest.File{{Var: "f", Name: "roster.xlsx", Data: buf.Bytes()}})
		var started struct{ StartImport struct{ Token string } }
		if len(resp.Errors) > 0 || json.Unmarshal(resp.Data, &started) != nil {
			t.Fatalf("startImport: %+v", resp.Errors)
		}
		const progress = `subscription($t: String!) { jobProgress(token: $t) { status stage plan { sheets { sheet created } } } }`
		sock.Subscribe(t, "job", progress, map[string]any{"t": started.StartImport.Token})
		var job struct {
			JobProgress struct {
				Status string
				Plan   *struct{ Sheets []struct{ Created int } }
			}
		}
		last := ""
		for range 50 {
			typ := nextData(t, sock, "job", &job)
			if typ == "complete" {
				break
			}
			if typ != "next" {
				t.Fatalf("jobProgress: %s", typ)
			}
			last = job.JobProgress.Status
		}
		if last != "DONE" || job.JobProgress.Plan == nil || job.JobProgress.Plan.Sheets[1].Created != 1 {
			t.Errorf("the job's last progress: %s %+v", last, job.JobProgress)
		}
		otherSock, err := servertest.DialSocket(t, ts.URL, other, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer otherSock.Close()
		otherSock.Subscribe(t, "job", progress, map[string]any{"t": started.StartImport.Token})
		if typ := nextData(t, otherSock, "job", &job); typ != "error" {
			t.Errorf("another account's job: %s, want an error", typ)
		}
	})
}
