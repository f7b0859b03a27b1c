package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// asset is an embedded static file with its content hash.
type asset struct {
	body        []byte
	hash        string // first 16 hex digits of SHA-256 of body
	contentType string
}

// assets are the embedded static files, by path below static/.
type assets map[string]asset

// loadAssets reads and hashes every embedded static file.
func loadAssets() (assets, error) {
	out := assets{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		name := strings.TrimPrefix(p, "static/")
		ct := mime.TypeByExtension(path.Ext(name))
		switch {
		case strings.HasSuffix(name, ".LICENSE"), strings.HasSuffix(name, "VERSIONS"):
			ct = "text/plain; charset=utf-8"
		case ct == "":
			ct = "application/octet-stream"
		}
		out[name] = asset{body: body, hash: hex.EncodeToString(sum[:8]), contentType: ct}
		return nil
	})
	return out, err
}

// url returns the cache-busting URL of an asset: /static/<hash>/<name>.
// Templates call it through the "asset" function; a name that is not
// embedded is a programming error caught when templates execute in tests.
func (a assets) url(name string) (string, error) {
	f, ok := a[name]
	if !ok {
		return "", fmt.Errorf("no static asset %q", name)
	}
	return "/static/" + f.hash + "/" + name, nil
}

// serve answers /static/{hash}/{name...}. The hash must be the current one:
// the response is then cacheable for a year, as its URL changes with its
// content.
func (a assets) serve(w http.ResponseWriter, r *http.Request) {
	f, ok := a[r.PathValue("name")]
	if !ok || f.hash != r.PathValue("hash") {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+f.hash+`"`)
	if r.Header.Get("If-None-Match") == `"`+f.hash+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(f.body)
}
