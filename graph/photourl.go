package graph

import "gridgov/internal/workflow"

// checkPhotoURL refuses a person's photo link that is not http(s), as attached links are, so
// that no javascript: or data: link reaches a badge or card; empty clears the photo.
func checkPhotoURL(u *string) error {
	if u == nil || *u == "" {
		return nil
	}
	return workflow.CheckURLs("photoURL", []string{*u}, 1)
}
