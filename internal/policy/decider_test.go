package policy

import (
	"testing"

	"github.com/liaison-project/liaison/internal/errs"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		field string // "" when valid
	}{
		{"default", DefaultConfig(), ""},
		{"empty", Config{}, ""},
		{"unknown key", Config{Compatible: map[Purpose][]Purpose{"curiosity": nil}}, "policy.compatible"},
		{"unknown value", Config{Compatible: map[Purpose][]Purpose{PurposeCybercrime: {"curiosity"}}}, "policy.compatible.cybercrime"},
		{"real to training", Config{Compatible: map[Purpose][]Purpose{PurposeCybercrime: {PurposeTraining}}}, "policy.compatible.cybercrime"},
		{"training to real", Config{Compatible: map[Purpose][]Purpose{PurposeTraining: {PurposeCybercrime}}}, "policy.compatible.training"},
		{"training to itself", Config{Compatible: map[Purpose][]Purpose{PurposeTraining: {PurposeTraining}}}, ""},
	}
	for _, tt := range tests {
		_, err := New(tt.cfg)
		if tt.field == "" && err != nil || tt.field != "" && (!errs.Is(err, errs.Invalid) || errs.FieldOf(err) != tt.field) {
			t.Errorf("%s: New = %v, want field %q", tt.name, err, tt.field)
		}
	}
}

func TestCompatible(t *testing.T) {
	d, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var zero Decider
	for _, p := range Purposes {
		if !d.Compatible(p, p) || !zero.Compatible(p, p) {
			t.Errorf("%s not compatible with itself", p)
		}
		if p != PurposeTraining && (d.Compatible(p, PurposeTraining) || d.Compatible(PurposeTraining, p)) {
			t.Errorf("%s compatible with training", p)
		}
	}
	if !d.Compatible(PurposeCriminalInvestigation, PurposeJudicialCooperation) {
		t.Error("investigation → judicial cooperation should be compatible")
	}
	if zero.Compatible(PurposeCriminalInvestigation, PurposeJudicialCooperation) {
		t.Error("the zero Decider should be strictest")
	}
	if d.Compatible(PurposeCriminalInvestigation, PurposeBorderControl) {
		t.Error("criminal intelligence must not flow to border control by default")
	}
	if d.Compatible("x", "x") {
		t.Error("unknown purposes compatible")
	}
	if got := len(AllRules()); got != 34 {
		t.Errorf("%d rules", got)
	}
}
