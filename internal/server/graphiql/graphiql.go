// Package graphiql serves the GraphiQL page from files embedded in the binary: GraphiQL,
// React and React DOM at pinned versions (assets/, fetched by update.sh, licences beside
// them), so that the page works on an intranet with no way out, under a
// Content-Security-Policy that allows the server itself and nothing else.
package graphiql

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed page assets
var files embed.FS

// ContentSecurityPolicy is the policy of the page's files: scripts, styles, fonts, images
// and requests from the server itself only; no inline script or style, no eval. The page
// itself adds one thing, a nonce for style elements (see PagePolicy).
const ContentSecurityPolicy = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// PagePolicy is the page's policy: ContentSecurityPolicy, and the <style> elements that carry
// the response's nonce. GraphiQL's dialogs (Radix's scroll lock) add such an element, with
// the nonce page.js hands them; nothing else inline is needed, in style attributes or script.
func PagePolicy(nonce string) string {
	return ContentSecurityPolicy + "; style-src-elem 'self' 'nonce-" + nonce + "'"
}

// noncePlaceholder is replaced in the page by each response's nonce.
const noncePlaceholder = "CSP_NONCE"

// Prefix is the path under which the page's files are served; the page itself is at "/".
const Prefix = "/graphiql/"

// file is one served file with its validator.
type file struct {
	body        []byte
	contentType string
	etag        string
}

// Handler serves the page at "/" and its files under Prefix: the page's own script and
// style (page/) and the pinned packages (assets/). The files are revalidated on every use
// (ETag, no-cache): they change only with the binary, and a new one must not be held back.
func Handler() http.Handler {
	served := map[string]file{}
	add := func(dir, prefix string) {
		err := fs.WalkDir(files, dir, func(name string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			body, err := files.ReadFile(name)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(body)
			served[prefix+strings.TrimPrefix(name, dir+"/")] = file{
				body: body, contentType: contentType(name), etag: `"` + hex.EncodeToString(sum[:12]) + `"`,
			}
			return nil
		})
		if err != nil {
			panic(err) // the embedded files are fixed at build time
		}
	}
	add("assets", Prefix)
	add("page", Prefix)
	index := served[Prefix+"index.html"].body
	delete(served, Prefix+"index.html")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := served[r.URL.Path]
		if (!ok && r.URL.Path != "/") || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if r.URL.Path == "/" {
			// A nonce per response: the page is never cached.
			nonce := rand.Text()
			h.Set("Content-Security-Policy", PagePolicy(nonce))
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Cache-Control", "no-store")
			_, _ = w.Write(bytes.Replace(index, []byte(noncePlaceholder), []byte(nonce), 1))
			return
		}
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("Content-Type", f.contentType)
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", f.etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
	})
}

// contentType is the media type of an embedded file, by its extension.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".woff2":
		return "font/woff2"
	case ".woff":
		return "font/woff"
	case ".png":
		return "image/png"
	}
	return "text/plain; charset=utf-8" // licences and VERSIONS
}
