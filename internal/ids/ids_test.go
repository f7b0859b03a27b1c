package ids

import (
	"strings"
	"testing"
)

func TestNewIsValidAndOrdered(t *testing.T) {
	a, b := New(), New()
	if !Valid(a) || !Valid(b) || a == b || a[14] != '7' {
		t.Fatalf("ids %s %s", a, b)
	}
	for _, bad := range []string{"", "x", strings.ToUpper(a), "{" + a + "}", a + " ", strings.ReplaceAll(a, "-", "")} {
		if Valid(bad) {
			t.Errorf("%q taken as an id", bad)
		}
	}
}
