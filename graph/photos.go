package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/eventaction"
	"gridgov/ent/photo"
	"gridgov/internal/photos"
	"gridgov/internal/publicface"
	"gridgov/internal/workflow"
)

// photosField is the input field of uploads, named in errors.
const photosField = "photos"

// uploader is the viewer's person, recorded with the photos they upload.
func uploader(ctx context.Context) *int {
	if v := authz.FromContext(ctx); v != nil && v.PersonID != 0 {
		id := v.PersonID
		return &id
	}
	return nil
}

// prepareUploads checks and prepares the uploads of the photos argument, storing nothing;
// public ones lose their metadata.
func prepareUploads(uploads []*graphql.Upload, public bool) ([]*photos.Image, error) {
	return photos.Prepare(photosField, uploads, public)
}

// attachReportPhotos stores prepared photos of the problem on a new case.
func (r *Resolver) attachReportPhotos(ctx context.Context, eventID int, public bool, imgs []*photos.Image) error {
	return r.attachToEvent(ctx, eventID, photo.StageREPORT, public, imgs)
}

// attachToEvent stores prepared photos on a case, in the mutation's transaction.
func (r *Resolver) attachToEvent(ctx context.Context, eventID int, stage photo.Stage, public bool, imgs []*photos.Image) error {
	_, err := r.PhotoService.Attach(ctx, r.client(ctx), photos.Target{
		EventID: &eventID, Stage: stage, Public: public, UploaderID: uploader(ctx), Field: photosField,
	}, imgs)
	return err
}

// attachToInspection stores prepared photos on an inspection, in the mutation's transaction.
func (r *Resolver) attachToInspection(ctx context.Context, inspectionID int, imgs []*photos.Image) error {
	_, err := r.PhotoService.Attach(ctx, r.client(ctx), photos.Target{
		InspectionID: &inspectionID, Stage: photo.StageINSPECTION, UploaderID: uploader(ctx), Field: photosField,
	}, imgs)
	return err
}

// reportBackWithPhotos takes the REPORT_BACK step and attaches its uploads (the result,
// shown publicly without metadata), once per idempotency key.
func (r *Resolver) reportBackWithPhotos(ctx context.Context, key *string, s workflow.Step, uploads []*graphql.Upload) (*ent.Event, error) {
	imgs, err := photos.Prepare(photosField, uploads, true)
	if err != nil {
		return nil, err
	}
	client := r.client(ctx)
	op := fmt.Sprintf("%s:%d", eventaction.ActionREPORT_BACK, s.EventID)
	return r.idempotent(ctx, key, op, func() (*ent.Event, error) {
		ev, err := r.Workflow.Apply(ctx, client, s)
		if err != nil {
			return nil, err
		}
		return ev, r.attachToEvent(ctx, ev.ID, photo.StageREPORT_BACK, true, imgs)
	})
}

// publicPhotos are the photos of a case's public page, with signed links.
func (r *Resolver) publicPhotos(ctx context.Context, eventID int) ([]*publicface.Photo, error) {
	ps, err := r.PhotoService.OfEvent(ctx, r.client(ctx), eventID, true)
	if err != nil {
		return nil, err
	}
	out := make([]*publicface.Photo, len(ps))
	for i, p := range ps {
		url, _ := r.PhotoService.Link(p, false)
		thumb, _ := r.PhotoService.Link(p, true)
		out[i] = &publicface.Photo{Stage: p.Stage, StageLabel: p.StageLabel(), Width: p.Width, Height: p.Height, URL: url, ThumbnailURL: thumb}
	}
	return out, nil
}
