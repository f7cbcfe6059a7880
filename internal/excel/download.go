package excel

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/grid"
	"gridgov/internal/apperr"
)

// Kinds of workbook a signed-in user may download.
const (
	KindRoster   = "roster"
	KindLedgers  = "ledgers"
	KindEvents   = "events"
	KindTemplate = "template"
)

// Write writes one kind of workbook with ctx's authority; root, when set, keeps one subtree.
func Write(ctx context.Context, client *ent.Client, w io.Writer, kind string, root *int) error {
	switch kind {
	case KindRoster:
		return ExportRoster(ctx, client, w, root)
	case KindLedgers:
		return ExportLedgers(ctx, client, w, LedgerFilter{RootGridID: root})
	case KindTemplate:
		return LedgerTemplate(ctx, client, w, nil)
	case KindEvents:
		return ExportEvents(ctx, client, w, EventFilter{})
	}
	return fmt.Errorf("no workbook of kind %q", kind)
}

// DownloadTTL is how long a download link works.
const DownloadTTL = 5 * time.Minute

// Ticket is what a download link grants: one kind of workbook for one user, until Expires.
// The user's scope is loaded again when the link is used, so a role ended in between no
// longer counts.
type Ticket struct {
	UserID  int
	Kind    string
	GridID  int // 0: the user's whole scope
	Expires time.Time
}

// Signer signs and checks download links with an HMAC key.
type Signer struct{ key []byte }

// NewSigner returns a signer with key, or with a random key when key is empty (links then
// work only on the process that made them; give several processes the same key).
func NewSigner(key []byte) *Signer {
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	return &Signer{key: key}
}

// ErrBadLink is a download link that was not made here or has been altered.
var ErrBadLink = errors.New("no such download")

// ErrExpiredLink is a download link past its time.
var ErrExpiredLink = errors.New("the download link has expired: ask for a new one")

// Sign returns the token of a ticket: its fields and their HMAC, URL-safe.
func (s *Signer) Sign(t Ticket) string {
	payload := strings.Join([]string{strconv.Itoa(t.UserID), t.Kind, strconv.Itoa(t.GridID), strconv.FormatInt(t.Expires.Unix(), 10)}, ".")
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
}

func (s *Signer) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// Verify returns the ticket of a token made by Sign and not expired at now.
func (s *Signer) Verify(token string, now time.Time) (Ticket, error) {
	p64, m64, ok := strings.Cut(token, ".")
	if !ok {
		return Ticket{}, ErrBadLink
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	mac, err2 := base64.RawURLEncoding.DecodeString(m64)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, s.mac(string(payload))) {
		return Ticket{}, ErrBadLink
	}
	f := strings.Split(string(payload), ".")
	if len(f) != 4 {
		return Ticket{}, ErrBadLink
	}
	user, _ := strconv.Atoi(f[0])
	gridID, _ := strconv.Atoi(f[2])
	exp, _ := strconv.ParseInt(f[3], 10, 64)
	t := Ticket{UserID: user, Kind: f[1], GridID: gridID, Expires: time.Unix(exp, 0)}
	if !now.Before(t.Expires) {
		return Ticket{}, ErrExpiredLink
	}
	return t, nil
}

// Request signs a link to a workbook of kind for the signed-in user of ctx, valid for
// DownloadTTL from now, after checking that the grid gridID, if any, is in their scope (the
// download checks the scope again). It returns the link's path and when it expires. A nil
// signer refuses: downloads are not configured.
func (s *Signer) Request(ctx context.Context, client *ent.Client, kind string, gridID *int, now time.Time) (string, time.Time, error) {
	v := authz.FromContext(ctx)
	if v == nil || v.UserID == 0 {
		return "", time.Time{}, authz.ErrNoViewer
	}
	if s == nil {
		return "", time.Time{}, apperr.New(apperr.Internal, "downloads are not configured on this server")
	}
	t := Ticket{UserID: v.UserID, Kind: kind, Expires: now.Add(DownloadTTL)}
	if gridID != nil {
		// Read with the viewer's authority: a grid outside their scope is not found.
		g, err := client.Grid.Query().Where(grid.ID(*gridID)).Only(ctx)
		if ent.IsNotFound(err) {
			return "", time.Time{}, authz.NotVisible(v, authz.ObjGrid, "gridID", *gridID)
		}
		if err != nil {
			return "", time.Time{}, err
		}
		t.GridID = g.ID
	}
	return "/downloads/" + s.Sign(t), t.Expires, nil
}
