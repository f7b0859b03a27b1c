package scenario

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPackageShape: the package has its doc comment and stays pure: no
// database, no network, no processes, and of this module only errs.
func TestPackageShape(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	forbidden := []string{"net", "net/http", "database/sql", "os/exec", "log", "log/slog"}
	const module = "github.com/liaison-project/liaison/"
	hasDoc := false
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if af.Doc != nil && strings.HasPrefix(af.Doc.Text(), "Package scenario ") {
			hasDoc = true
		}
		for _, imp := range af.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, bad := range forbidden {
				if path == bad {
					t.Errorf("%s imports %s", f, path)
				}
			}
			if strings.HasPrefix(path, module) && path != module+"internal/errs" && path != module+"internal/jsonenc" {
				t.Errorf("%s imports %s; the generator depends on internal/errs and internal/jsonenc only", f, path)
			}
			if strings.Contains(path, ".") && !strings.HasPrefix(path, module) {
				t.Errorf("%s imports third-party %s", f, path)
			}
		}
	}
	if !hasDoc {
		t.Error("no file carries the package doc comment")
	}
}
