package graph

import (
	"context"

	"gridgov/authz"
)

// maxAttachments bounds the links of one bulletin post.
const maxAttachments = 20

// viewerPerson is the viewer's person id; 0, which matches no row, without one.
func viewerPerson(ctx context.Context) int {
	if v := authz.FromContext(ctx); v != nil {
		return v.PersonID
	}
	return 0
}
