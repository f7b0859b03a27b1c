package policy

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPure keeps the package pure: policy decisions must not depend on a
// database, the network, the clock or the file system, so that they are
// deterministic and the same on every node. Only these imports are allowed
// outside tests, and the clock is never read.
func TestPure(t *testing.T) {
	allowed := map[string]bool{
		"bytes": true, "encoding/json": true, "errors": true, "io": true, "slices": true,
		"strconv": true, "strings": true, "time": true, "unicode/utf8": true,
		"github.com/liaison-project/liaison/internal/access": true,
		"github.com/liaison-project/liaison/internal/errs":   true,
		"github.com/liaison-project/liaison/internal/ftm":    true,
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(src), "time.Now(") {
			t.Errorf("%s reads the clock; decisions take now from the caller", name)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !allowed[path] {
				t.Errorf("%s imports %s; the policy package must stay pure", name, path)
			}
		}
	}
}
