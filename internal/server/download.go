package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"time"

	"gridgov/authz"
	"gridgov/ent/user"
	"gridgov/internal/apperr"
	"gridgov/internal/auth"
	"gridgov/internal/excel"
)

// downloadTimeout bounds the writing of one workbook: a whole district's ledgers take seconds.
const downloadTimeout = 2 * time.Minute

// downloads serves the workbooks behind the signed links requestExport hands out. The link
// names the user; their scope is loaded again here, so the workbook holds what they may see
// now, and a grid that left their scope is refused.
func downloads(cfg Config) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, err := cfg.Downloads.Verify(r.PathValue("token"), cfg.Now())
		switch {
		case errors.Is(err, excel.ErrExpiredLink):
			respondError(w, r, http.StatusGone, string(apperr.NotFound), err.Error())
			return
		case err != nil:
			respondError(w, r, http.StatusNotFound, string(apperr.NotFound), err.Error())
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), downloadTimeout)
		defer cancel()
		u, err := cfg.Client.User.Query().Where(user.ID(t.UserID)).Select(auth.ViewerUserFields...).
			Only(authz.SystemContext(ctx, "load the user of a download link"))
		if err != nil || u.Disabled {
			respondError(w, r, http.StatusForbidden, string(apperr.Forbidden), "this account may no longer download")
			return
		}
		ctx, ok := viewerContext(ctx, cfg, w, r, u)
		if !ok {
			return
		}
		var root *int
		if t.GridID != 0 {
			root = &t.GridID
		}
		var buf bytes.Buffer
		if err := excel.Write(ctx, readClient(ctx, cfg), &buf, t.Kind, root); err != nil {
			status := http.StatusInternalServerError
			if apperr.CodeOf(err) == apperr.Forbidden {
				status = http.StatusForbidden
			}
			writeError(w, r, cfg.Logger, status, err)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="gridgov-`+t.Kind+`.xlsx"`)
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(buf.Bytes())
	})
}
