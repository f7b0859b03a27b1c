package record

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/jsonenc"
)

// encodeContent writes the stored JSON of a record's content: the same
// document json.Marshal(content) writes (entities in FtM's canonical form,
// property names sorted, kept-aside properties merged back), several
// times faster, because an import encodes every record it stores.
// content_test.go checks that json.Unmarshal reads back what went in.
func encodeContent(c *content) ([]byte, error) {
	n := len(c.Narrative) + len(c.Assessment) + 64
	for _, e := range c.Entities {
		n += 64 + len(e.ID)
		for _, vs := range e.Properties {
			for _, v := range vs {
				n += len(v) + 8
			}
		}
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	comma := false
	field := func(name string) {
		if comma {
			b = append(b, ',')
		}
		comma = true
		b = jsonenc.AppendString(b, name)
		b = append(b, ':')
	}
	if c.Narrative != "" {
		field("narrative")
		b = jsonenc.AppendString(b, c.Narrative)
	}
	if c.Assessment != "" {
		field("assessment")
		b = jsonenc.AppendString(b, c.Assessment)
	}
	field("entities")
	b = append(b, '[')
	for i, e := range c.Entities {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendEntity(b, &e); err != nil {
			return nil, err
		}
	}
	b = append(b, ']')
	if len(c.DataSubjects) > 0 {
		field("dataSubjects")
		b = append(b, '{')
		for i, id := range sortedKeys(c.DataSubjects) {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonenc.AppendString(b, id)
			b = append(b, ':')
			b = jsonenc.AppendString(b, string(c.DataSubjects[id]))
		}
		b = append(b, '}')
	}
	if len(c.Assessments) > 0 {
		field("assessments")
		b = appendStrings(b, c.Assessments)
	}
	if len(c.Attachments) > 0 {
		field("attachments")
		b = append(b, '[')
		for i, a := range c.Attachments {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = jsonenc.AppendString(b, a.ID)
			if a.Name != "" {
				b = append(b, `,"name":`...)
				b = jsonenc.AppendString(b, a.Name)
			}
			if a.MediaType != "" {
				b = append(b, `,"mediaType":`...)
				b = jsonenc.AppendString(b, a.MediaType)
			}
			b = append(b, `,"size":`...)
			b = strconv.AppendInt(b, a.Size, 10)
			b = append(b, `,"sha256":`...)
			b = jsonenc.AppendString(b, a.SHA256)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// appendEntity writes e in FtM's canonical form, as ftm.Entity.MarshalJSON.
func appendEntity(b []byte, e *ftm.Entity) ([]byte, error) {
	names := make([]string, 0, len(e.Properties)+len(e.Extra))
	for k, vs := range e.Properties {
		if len(vs) > 0 {
			names = append(names, k)
		}
	}
	for k, vs := range e.Extra {
		if len(vs) == 0 {
			continue
		}
		if len(e.Properties[k]) > 0 {
			return nil, fmt.Errorf("entity %s: property %s is both known and extra", e.ID, k)
		}
		names = append(names, k)
	}
	slices.Sort(names)
	b = append(b, `{"id":`...)
	b = jsonenc.AppendString(b, e.ID)
	b = append(b, `,"schema":`...)
	b = jsonenc.AppendString(b, e.Schema)
	b = append(b, `,"properties":{`...)
	for i, k := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonenc.AppendString(b, k)
		b = append(b, ':')
		vs := e.Properties[k]
		if len(vs) == 0 {
			vs = e.Extra[k]
		}
		b = appendStrings(b, vs)
	}
	return append(b, "}}"...), nil
}

func appendStrings(b []byte, vs []string) []byte {
	b = append(b, '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonenc.AppendString(b, v)
	}
	return append(b, ']')
}
