package match

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPackagesArePure enforces the matching packages' contract: each has a
// package doc comment, and none does I/O, logging or storage, or depends on
// another Liaison package than errs and match itself. The service, storage
// and transport build on this API, never the other way round.
func TestPackagesArePure(t *testing.T) {
	forbidden := map[string]string{
		"net":           "transport is the service's business",
		"net/http":      "transport is the service's business",
		"database/sql":  "storage is the service's business",
		"os":            "no file or environment access in pure code",
		"log":           "libraries take no global logger",
		"log/slog":      "nothing here logs: values must never reach a log",
		"math/rand":     "randomness comes from crypto/rand or an injected reader",
		"math/rand/v2":  "randomness comes from crypto/rand or an injected reader",
		"crypto/rand":   "randomness is injected (io.Reader) except inside circl",
		"unsafe":        "no unsafe code",
		"encoding/json": "wire encodings are the strict binary ones here",
	}
	allowedInternal := map[string]bool{
		"github.com/liaison-project/liaison/internal/errs":   true,
		"github.com/liaison-project/liaison/internal/match":  true,
		"github.com/liaison-project/liaison/internal/policy": true, // the node-wide id rules
	}
	for _, dir := range []string{".", "budget", "sweep"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		hasDoc := false
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly|parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			if f.Doc != nil && strings.HasPrefix(f.Doc.Text(), "Package "+f.Name.Name+" ") {
				hasDoc = true
			}
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if why, bad := forbidden[path]; bad {
					t.Errorf("%s imports %s: %s", name, path, why)
				}
				if strings.HasPrefix(path, "github.com/liaison-project/") && !allowedInternal[path] {
					t.Errorf("%s imports %s: matching depends only on errs", name, path)
				}
			}
		}
		if !hasDoc {
			t.Errorf("package in %s has no package doc comment", dir)
		}
	}
}
