package photos

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/photo"
	"gridgov/internal/apperr"
	"gridgov/internal/clock"
	"gridgov/internal/excel"
)

// Service attaches photos to cases and inspections, signs links to them and serves them.
//
// A photo is reached only through its case or inspection: the caller reads that as the
// viewer first (ent's privacy rules decide), and only then asks for its photos here, on the
// system's account. The links are capabilities signed with the server's download key, valid
// for LinkTTL at least, so that an <img src> works without a sign-in header.
type Service struct {
	Store  *Store
	Signer *excel.Signer
	Now    func() time.Time
	Logger *slog.Logger
}

// New returns a service on store, signing links with signer.
func New(store *Store, signer *excel.Signer) *Service {
	return &Service{Store: store, Signer: signer, Now: clock.Now, Logger: slog.Default()}
}

// LinkTTL is the least time a link to a photo works. Links are made per whole hour, so that
// the same photo keeps the same link (and the browser's cache) for an hour.
const LinkTTL = time.Hour

// Ticket kinds of photo links.
const (
	kindPhoto = "photo"
	kindThumb = "photo-thumb"
)

// Target is what photos are attached to: a case or an inspection, at one stage.
type Target struct {
	EventID      *int
	InspectionID *int
	Stage        photo.Stage
	// Public photos are shown on the case's public tracking page; Prepare must have been
	// told, so that their metadata is gone.
	Public     bool
	UploaderID *int
	Field      string // the input field, for errors
}

// Attach stores prepared photos and their rows through client (the mutation's transaction):
// at most MaxCount per target and stage. Bytes already stored are removed again when a later
// one fails; a transaction rolled back after Attach leaves its blobs behind, unreferenced.
func (s *Service) Attach(ctx context.Context, client *ent.Client, t Target, imgs []*Image) ([]*ent.Photo, error) {
	if len(imgs) == 0 {
		return nil, nil
	}
	sys := authz.SystemContext(ctx, "attach photos")
	q := client.Photo.Query().Where(photo.StageEQ(t.Stage))
	switch {
	case t.EventID != nil:
		q = q.Where(photo.EventID(*t.EventID))
	case t.InspectionID != nil:
		q = q.Where(photo.InspectionID(*t.InspectionID))
	default:
		return nil, errors.New("attach photos: no case or inspection")
	}
	have, err := q.Count(sys)
	if err != nil {
		return nil, fmt.Errorf("count photos: %w", err)
	}
	if have+len(imgs) > MaxCount {
		return nil, apperr.Invalid(t.Field, "%s: at most %d photos here; it has %d already", t.Field, MaxCount, have)
	}
	var stored []string
	undo := func() {
		for _, k := range stored {
			if err := s.Store.Delete(context.WithoutCancel(ctx), k); err != nil {
				s.Logger.WarnContext(ctx, "photo store: could not remove an unused blob", "key", k, "error", err)
			}
		}
	}
	creates := make([]*ent.PhotoCreate, len(imgs))
	for i, img := range imgs {
		key, err := newKey(s.Now())
		if err != nil {
			return nil, err
		}
		thumb := key + "-thumb.jpg"
		key += extension(img.ContentType)
		for _, b := range []struct {
			key, ct string
			data    []byte
		}{{key, img.ContentType, img.Data}, {thumb, JPEG, img.Thumb}} {
			if err := s.Store.Put(ctx, b.key, b.data, b.ct); err != nil {
				undo()
				return nil, fmt.Errorf("store photo: %w", err)
			}
			stored = append(stored, b.key)
		}
		creates[i] = client.Photo.Create().SetStage(t.Stage).SetPublic(t.Public).SetContentType(img.ContentType).
			SetSize(len(img.Data)).SetWidth(img.Width).SetHeight(img.Height).SetSha256(img.SHA256).
			SetBlobKey(key).SetThumbKey(thumb).
			SetNillableEventID(t.EventID).SetNillableInspectionID(t.InspectionID).SetNillableUploaderID(t.UploaderID)
	}
	rows, err := client.Photo.CreateBulk(creates...).Save(sys)
	if err != nil {
		undo()
		return nil, fmt.Errorf("record photos: %w", err)
	}
	return rows, nil
}

// newKey returns a fresh blob key (without extension) under the month of now.
func newKey(now time.Time) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("photo key: %w", err)
	}
	return now.UTC().Format("2006/01/") + hex.EncodeToString(b), nil
}

func extension(ct string) string {
	switch ct {
	case PNG:
		return ".png"
	case WebP:
		return ".webp"
	}
	return ".jpg"
}

// OfEvent returns the photos of a case the caller has read as the viewer, oldest first;
// public only: those of its public page.
func (s *Service) OfEvent(ctx context.Context, client *ent.Client, eventID int, publicOnly bool) ([]*ent.Photo, error) {
	q := client.Photo.Query().Where(photo.EventID(eventID))
	if publicOnly {
		q = q.Where(photo.Public(true))
	}
	return q.Order(ent.Asc(photo.FieldID)).All(authz.SystemContext(ctx, "photos of a case in scope"))
}

// Link returns the path of a signed link to a photo (or its thumbnail) and when it expires:
// the end of the hour after the current one.
func (s *Service) Link(p *ent.Photo, thumb bool) (string, time.Time) {
	exp := s.Now().Truncate(time.Hour).Add(LinkTTL + time.Hour)
	kind := kindPhoto
	if thumb {
		kind = kindThumb
	}
	return "/photos/" + s.Signer.Sign(excel.Ticket{Kind: kind, GridID: p.ID, Expires: exp}), exp
}

// Handler serves GET /photos/{token}: the photo a signed link names, while the link is valid.
func (s *Service) Handler(client *ent.Client) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, err := s.Signer.Verify(r.PathValue("token"), s.Now())
		if err != nil || (t.Kind != kindPhoto && t.Kind != kindThumb) {
			status := http.StatusNotFound
			if errors.Is(err, excel.ErrExpiredLink) {
				status = http.StatusGone
			}
			http.Error(w, "no such photo, or the link has expired: read the photo's url field again", status)
			return
		}
		ctx := r.Context()
		p, err := client.Photo.Get(authz.SystemContext(ctx, "serve a photo by its signed link"), t.GridID)
		if ent.IsNotFound(err) {
			http.Error(w, "no such photo", http.StatusNotFound)
			return
		}
		if err != nil {
			s.Logger.ErrorContext(ctx, "photo: load", "id", t.GridID, "error", err)
			http.Error(w, "the photo cannot be read now", http.StatusServiceUnavailable)
			return
		}
		key, ct := p.BlobKey, p.ContentType
		if t.Kind == kindThumb {
			key, ct = p.ThumbKey, JPEG
		}
		data, err := s.Store.Get(ctx, key)
		if err != nil {
			s.Logger.ErrorContext(ctx, "photo: read blob", "id", p.ID, "key", key, "error", err)
			http.Error(w, "the photo cannot be read now", http.StatusServiceUnavailable)
			return
		}
		h := w.Header()
		h.Set("Content-Type", ct)
		h.Set("Content-Length", strconv.Itoa(len(data)))
		h.Set("Cache-Control", fmt.Sprintf("private, max-age=%d", int(time.Until(t.Expires).Seconds())))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		h.Set("Content-Disposition", "inline")
		_, _ = w.Write(data)
	})
}
