// Package clock gives the current time the way gridgov stores it: in UTC.
package clock

import "time"

// Now returns the current time in UTC.
func Now() time.Time { return time.Now().UTC() }
