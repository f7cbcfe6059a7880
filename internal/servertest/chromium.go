package servertest

import (
	"os"
	"os/exec"
	"testing"
)

// Chromium returns the path of a headless-capable Chromium, or skips the test when there is
// none, unless GRIDGOV_REQUIRE_BROWSER=1 (CI), which makes its absence a failure.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("GRIDGOV_REQUIRE_BROWSER") == "1" {
		t.Fatal("no chromium on PATH and GRIDGOV_REQUIRE_BROWSER=1: install the chromium package")
	}
	t.Skip("no chromium on PATH: install the chromium package (apt-get install chromium) to run the browser test")
	return ""
}
