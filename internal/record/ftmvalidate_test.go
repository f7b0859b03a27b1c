package record

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/ftm"
)

// validatorDir holds the FtM reference-model check (tools/ftm-validate).
const validatorDir = "../../tools/ftm-validate"

// referenceValidator returns the command running the FtM reference-model
// check, skipping the test when Node or the npm package is missing
// outside CI (in CI, with CI=true, it fails instead).
func referenceValidator(t *testing.T, files ...string) *exec.Cmd {
	t.Helper()
	missing := func(what string) {
		msg := what + ": install it with `npm ci --prefix tools/ftm-validate` (Node 20)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node not found")
	}
	if _, err := os.Stat(filepath.Join(validatorDir, "node_modules", "@alephdata", "followthemoney", "package.json")); err != nil {
		missing("@alephdata/followthemoney not installed in " + validatorDir)
	}
	return exec.Command(node, append([]string{filepath.Join(validatorDir, "validate.mjs")}, files...)...)
}

// sampleValue is a valid value of a property type, in the form the FtM
// reference model accepts.
func sampleValue(p ftm.Property) string {
	switch p.Type {
	case ftm.TypeName:
		return "Test Name"
	case ftm.TypeText, ftm.TypeHTML:
		return "Some text about the case."
	case ftm.TypeAddress:
		return "1 Harbour Street, Rotterdam"
	case ftm.TypeDate:
		return "2020-01-02"
	case ftm.TypeCountry:
		return "de"
	case ftm.TypeEmail:
		return "officer@police.example"
	case ftm.TypePhone:
		return "+49301234567"
	case ftm.TypeIBAN:
		return "DE44500105175407324931"
	case ftm.TypeIdentifier:
		return "AB123456"
	case ftm.TypeURL:
		return "https://example.org/page"
	case ftm.TypeIP:
		return "192.0.2.1"
	case ftm.TypeLanguage:
		return "deu"
	case ftm.TypeGender:
		return "male"
	case ftm.TypeTopic:
		return "crime"
	case ftm.TypeMIMEType:
		return "text/plain"
	case ftm.TypeChecksum:
		return "da39a3ee5e6b4b0d3255bfef95601890afd80709"
	case ftm.TypeNumber:
		return "42"
	case ftm.TypeJSON:
		return `{"a":1}`
	case ftm.TypeEntity:
		return "ref-1"
	}
	return "value"
}

// TestExportAcceptedByReferenceModel imports one entity of every
// non-abstract FtM 3.8 schema with a value for every property, exports
// the records and has the FtM reference model (npm
// @alephdata/followthemoney 3.8.x) check every entity.
func TestExportAcceptedByReferenceModel(t *testing.T) {
	cmd := referenceValidator(t)
	var in bytes.Buffer
	n := 0
	for _, name := range ftm.SchemaNames() {
		s, _ := ftm.LookupSchema(name)
		if s.Abstract() {
			continue
		}
		e := ftm.Entity{ID: "e-" + strings.ToLower(name), Schema: name, Properties: map[string][]string{}}
		for _, p := range s.Properties() {
			e.Properties[p.Name] = []string{sampleValue(p)}
		}
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		in.Write(append(b, '\n'))
		n++
	}
	e := newEnv(t)
	ctx := officerCtx(access.Analyst)
	sum, err := e.svc.Import(ctx, &in, importOpts(), nil)
	if err != nil || sum.Records != 1 || sum.Entities != n {
		t.Fatalf("import of every schema: %+v %v", sum, err)
	}
	out := exportFile(t, e, ctx)
	cmd.Args = append(cmd.Args, out)
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("the reference model rejects the export: %v\n%s%s", err, stdout, stderrOf(err))
	}
	if len(stdout) != 0 {
		t.Errorf("problems reported with exit status 0: %s", stdout)
	}
	t.Logf("%d entities of %d schemata accepted by the reference model", n, n)
}

// TestOpenSanctionsExportKeepsUnknownProperties exports entities imported
// from OpenSanctions (FtM 4) and checks that the only thing the 3.8
// reference model objects to is exactly the properties kept aside.
func TestOpenSanctionsExportKeepsUnknownProperties(t *testing.T) {
	cmd := referenceValidator(t)
	data, err := os.ReadFile("testdata/opensanctions.ftm.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	ctx := officerCtx(access.Analyst)
	if sum, err := e.svc.Import(ctx, bytes.NewReader(data), importOpts(), nil); err != nil || sum.Records != 1 {
		t.Fatalf("import: %+v %v", sum, err)
	}
	cmd.Args = append(cmd.Args, exportFile(t, e, ctx))
	stdout, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("validator: %v", err)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(string(stdout)), "\n") {
		// "line N: entity ID: property P: property does not exist on S"
		parts := strings.Split(l, ": ")
		if len(parts) != 4 || !strings.HasPrefix(parts[3], "property does not exist") {
			t.Errorf("unexpected problem %q", l)
			continue
		}
		got = append(got, strings.TrimPrefix(parts[1], "entity ")+"."+strings.TrimPrefix(parts[2], "property "))
	}
	slices.Sort(got)
	want := []string{"NK-3aBc5De7Fg9H.brightQueryOrgId", "NK-7kLm3Nq9Rs2T.sayariId", "NK-7kLm3Nq9Rs2T.uscCode"}
	if !slices.Equal(got, want) {
		t.Errorf("reference model objects to %v, want exactly the kept-aside %v", got, want)
	}
}

// exportFile exports every record the caller reads into a temporary file.
func exportFile(t *testing.T, e *env, ctx context.Context) string {
	t.Helper()
	var buf bytes.Buffer
	x, err := e.svc.Export(ctx, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.WriteTo(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "export.ftm.jsonl")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func stderrOf(err error) string {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(exit.Stderr)
	}
	return ""
}
