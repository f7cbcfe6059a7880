// Package track defines the GPS track of a patrol, stored as JSON on the patrol.
package track

// Point is one GPS fix of a patrol track (WGS-84).
type Point struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
	// At is when the fix was taken, RFC 3339.
	At string `json:"at"`
}
