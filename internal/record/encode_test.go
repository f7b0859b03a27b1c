package record

import (
	"encoding/json"
	"reflect"
	"testing"

	"pgregory.net/rapid"

	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/jsonenc"
	"github.com/liaison-project/liaison/internal/policy"
)

// TestEncodeContentMatchesEncodingJSON checks on random content that the
// fast encoder's output reads back as what encoding/json's does.
func TestEncodeContentMatchesEncodingJSON(t *testing.T) {
	str := rapid.OneOf(rapid.String(), rapid.StringOf(rapid.RuneFrom([]rune{'"', '\\', '\n', '\t', 0, 0x1f, 0x7f, 'é', 'Ж', 0x2028, '😀', '<', '&'})))
	rapid.Check(t, func(t *rapid.T) {
		c := content{Narrative: str.Draw(t, "narrative"), Assessment: str.Draw(t, "assessment")}
		for i := range rapid.IntRange(0, 4).Draw(t, "entities") {
			e := ftm.Entity{ID: rapid.StringMatching(`[a-z0-9]{1,8}`).Draw(t, "id"), Schema: "Person",
				Properties: map[string][]string{}, Extra: map[string][]string{}}
			for range rapid.IntRange(0, 3).Draw(t, "props") {
				name := rapid.StringMatching(`[a-zA-Z]{1,6}`).Draw(t, "prop")
				vals := rapid.SliceOfN(str, 1, 3).Draw(t, "values")
				if rapid.Bool().Draw(t, "extra") {
					if _, dup := e.Properties[name]; !dup {
						e.Extra[name] = vals
					}
				} else if _, dup := e.Extra[name]; !dup {
					e.Properties[name] = vals
				}
			}
			c.Entities = append(c.Entities, e)
			if i == 0 && rapid.Bool().Draw(t, "subject") {
				c.DataSubjects = map[string]policy.DataSubjectCategory{e.ID: policy.CategoryWitness}
				c.Assessments = []string{e.ID}
			}
		}
		if rapid.Bool().Draw(t, "attachment") {
			c.Attachments = []Attachment{{ID: "f1", Name: str.Draw(t, "name"), Size: rapid.Int64().Draw(t, "size"), SHA256: "00"}}
		}
		if c.Entities == nil {
			c.Entities = []ftm.Entity{} // stored as [], never null
		}
		fast, err := encodeContent(&c)
		if err != nil {
			t.Fatal(err)
		}
		std, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var a, b content
		if err := json.Unmarshal(fast, &a); err != nil {
			t.Fatalf("fast encoding is not JSON: %v\n%s", err, fast)
		}
		if err := json.Unmarshal(std, &b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("read back differs:\nfast %s\nstd  %s", fast, std)
		}
	})
}

func TestAppendStringInvalidUTF8(t *testing.T) {
	s := "a\xffb\xe2\x82"
	want, _ := json.Marshal(s)
	var got, exp string
	if err := json.Unmarshal(jsonenc.AppendString(nil, s), &got); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(want, &exp)
	if got != exp {
		t.Errorf("got %q, want %q", got, exp)
	}
}
