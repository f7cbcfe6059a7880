package graph_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gridgov/internal/dbtest"
)

func TestExportDownloads(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		g := f.buildTree(t, baseTree)
		typeID := defineTestLedger(t, f)
		_, headRole, headToken := f.holder(t, g["v1"].ID, "张网格长", "GRID_HEAD")
		const create = `mutation($in: CreateLedgerEntryInput!) { createLedgerEntry(input: $in) { id } }`
		for _, grid := range []string{"g11", "g21"} {
			f.env.MustDo(t, f.token, create, map[string]any{"in": map[string]any{"itemTypeID": typeID, "gridID": g[grid].ID, "period": "2026-11",
				"values": []map[string]any{{"key": "address", "value": g[grid].Name + "1号"}, {"key": "tenants", "value": "2"}}}}, nil)
		}
		const request = `mutation($k: ExportKind!, $g: ID) { requestExport(kind: $k, gridID: $g) { url expiresAt } }`
		download := func(token, kind, grid string) (int, map[string][][]string) {
			t.Helper()
			vars := map[string]any{"k": kind}
			if grid != "" {
				vars["g"] = grid
			}
			var out struct{ RequestExport struct{ URL string } }
			f.env.MustDo(t, token, request, vars, &out)
			return get(t, f, out.RequestExport.URL)
		}
		status, book := download(headToken, "LEDGERS", "")
		if status != http.StatusOK {
			t.Fatalf("download: %d", status)
		}
		rows := book["RENTAL"]
		if len(rows) != 3 || rows[2][1] != g["g11"].Code {
			t.Errorf("the grid head's ledgers: %q, want the header rows and the one entry of %s", rows, g["g11"].Code)
		}
		_, all := download(f.token, "LEDGERS", "")
		if len(all["RENTAL"]) != 4 {
			t.Errorf("the administrator's ledgers: %q", all["RENTAL"])
		}
		_, roster := download(headToken, "ROSTER", g["v1"].ID)
		if n := len(roster["网格"]); n != 2+3 {
			t.Errorf("roster of 三王庄村 has %d rows, want 2 header rows and 3 grids: %q", n, roster["网格"])
		}
		_, tmpl := download(headToken, "LEDGER_TEMPLATE", "")
		if len(tmpl["RENTAL"]) != 2 {
			t.Errorf("template sheet: %q", tmpl["RENTAL"])
		}
		if status, _ := download(headToken, "EVENTS", ""); status != http.StatusOK {
			t.Errorf("events download: %d", status)
		}

		f.env.MustFail(t, headToken, request, map[string]any{"k": "LEDGERS", "g": g["v2"].ID}, "FORBIDDEN")
		f.env.MustFail(t, "", request, map[string]any{"k": "LEDGERS"}, "UNAUTHENTICATED")
		if status, _ := get(t, f, "/downloads/forged.token"); status != http.StatusNotFound {
			t.Errorf("forged link: %d", status)
		}

		// The scope is checked again when the link is used: a role ended in between counts.
		var out struct{ RequestExport struct{ URL string } }
		f.env.MustDo(t, headToken, request, map[string]any{"k": "LEDGERS", "g": g["v1"].ID}, &out)
		f.end(t, headRole, time.Now())
		if status, _ := get(t, f, out.RequestExport.URL); status != http.StatusForbidden {
			t.Errorf("download after the role ended: %d, want 403", status)
		}
	})
}

// get fetches a download and reads the workbook, if any.
func get(t *testing.T, f *fixture, url string) (int, map[string][][]string) {
	t.Helper()
	rec := httptest.NewRecorder()
	f.env.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	if rec.Code != http.StatusOK {
		return rec.Code, nil
	}
	book, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatalf("download is not a workbook: %v", err)
	}
	defer book.Close()
	out := map[string][][]string{}
	for _, s := range book.GetSheetList() {
		out[s], _ = book.GetRows(s)
	}
	return rec.Code, out
}
