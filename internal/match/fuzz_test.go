package match

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/liaison-project/liaison/internal/errs"
)

// Every decoder is fuzzed for two properties: it never panics, and what it
// accepts re-encodes to exactly the input (no malleability: one message has
// one encoding, which is what signatures and audit digests rely on).
// Rejections must be classified errors.

func checkRejection(t *testing.T, err error) {
	t.Helper()
	if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
		t.Fatalf("rejection is %v, want invalid: %v", k, err)
	}
}

func seedFixture(f *testing.F) *fixture {
	fx := newFixture(f)
	for _, v := range []string{"X1", "X2", "X3"} {
		if _, err := fx.view.Add(Key{Type: Passport, Value: v}); err != nil {
			f.Fatal(err)
		}
	}
	return fx
}

func addWithVariants(f *testing.F, b []byte) {
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add(append(bytes.Clone(b), 0))
	flipped := bytes.Clone(b)
	flipped[len(flipped)-1] ^= 0x80
	f.Add(flipped)
}

func FuzzParseEvalRequest(f *testing.F) {
	fx := seedFixture(f)
	p, err := fx.querier.Query(fx.ann, Passport, []string{"X1", "X2"}, meta)
	if err != nil {
		f.Fatal(err)
	}
	b, _ := p.Request().MarshalBinary()
	addWithVariants(f, b)
	f.Add([]byte(requestMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := ParseEvalRequest(data)
		if err != nil {
			checkRejection(t, err)
			return
		}
		out, err := req.MarshalBinary()
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("accepted request does not re-encode: %v", err)
		}
	})
}

func FuzzParseEvalResponse(f *testing.F) {
	fx := seedFixture(f)
	p, _ := fx.querier.Query(fx.ann, Passport, []string{"X1", "X2"}, meta)
	resp, err := fx.holder.Evaluate(querierID, p.Request())
	if err != nil {
		f.Fatal(err)
	}
	b, _ := resp.MarshalBinary()
	addWithVariants(f, b)
	f.Fuzz(func(t *testing.T, data []byte) {
		resp, err := ParseEvalResponse(data)
		if err != nil {
			checkRejection(t, err)
			return
		}
		out, err := resp.MarshalBinary()
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("accepted response does not re-encode: %v", err)
		}
	})
}

// FuzzFinalize feeds arbitrary responses to a pending query: whatever the
// holder sends, the querier must not panic, and any response it accepts
// must give the honest results.
func FuzzFinalize(f *testing.F) {
	fx := seedFixture(f)
	tab := fx.table(f)
	p, _ := fx.querier.Query(fx.ann, Passport, []string{"X1", "Y1"}, meta)
	resp, err := fx.holder.Evaluate(querierID, p.Request())
	if err != nil {
		f.Fatal(err)
	}
	honest, err := p.Finalize(resp, tab)
	if err != nil || honest[0].Status != Hit || honest[1].Status != NoHit {
		f.Fatalf("honest finalise: %v %v", honest, err)
	}
	b, _ := resp.MarshalBinary()
	addWithVariants(f, b)
	f.Fuzz(func(t *testing.T, data []byte) {
		resp, err := ParseEvalResponse(data)
		if err != nil {
			return
		}
		got, err := p.Finalize(resp, tab)
		if err != nil {
			checkRejection(t, err)
			return
		}
		for i := range got {
			if got[i].Status != honest[i].Status || got[i].Ref != honest[i].Ref {
				t.Fatalf("accepted response changed result %d: %+v, honest %+v", i, got[i], honest[i])
			}
		}
	})
}

func FuzzParseAnnouncement(f *testing.F) {
	fx := seedFixture(f)
	b, _ := fx.ann.MarshalBinary()
	addWithVariants(f, b)
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseAnnouncement(data)
		if err != nil {
			checkRejection(t, err)
			return
		}
		out, err := a.MarshalBinary()
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("accepted announcement does not re-encode: %v", err)
		}
	})
}

func FuzzParseEpochKey(f *testing.F) {
	fx := seedFixture(f)
	b, _ := fx.key.MarshalBinary()
	addWithVariants(f, b)
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParseEpochKey(data)
		if err != nil {
			checkRejection(t, err)
			return
		}
		out, err := k.MarshalBinary()
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("accepted epoch key does not re-encode: %v", err)
		}
	})
}

// tableSnapshot reads a table back into a snapshot for re-encoding.
func tableSnapshot(t *Table) *Snapshot {
	return &Snapshot{Holder: t.header.Holder, Partner: t.header.Partner, Epoch: t.header.Epoch, Version: t.version, Entries: t.store.entries}
}

func FuzzParseTable(f *testing.F) {
	fx := seedFixture(f)
	if _, err := fx.view.Publish(rand.Reader); err != nil {
		f.Fatal(err)
	}
	b, _ := fx.view.Snapshot().MarshalBinary()
	addWithVariants(f, b)
	small := &Snapshot{Holder: holderID, Partner: querierID, Epoch: 1, Version: 3, Entries: []Entry{{Tag: Tag{1}}, {Tag: Tag{2}}}}
	b, _ = small.MarshalBinary()
	addWithVariants(f, b)
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := ParseTable(data)
		if err != nil {
			checkRejection(t, err)
			return
		}
		out, err := tableSnapshot(tab).MarshalBinary()
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("accepted snapshot does not re-encode: %v", err)
		}
	})
}

func FuzzParseDelta(f *testing.F) {
	fx := seedFixture(f)
	if _, err := fx.view.Publish(rand.Reader); err != nil {
		f.Fatal(err)
	}
	if err := fx.view.Remove(Key{Type: Passport, Value: "X2"}); err != nil {
		f.Fatal(err)
	}
	d, err := fx.view.Publish(rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	b, _ := d.MarshalBinary()
	addWithVariants(f, b)
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDelta(data)
		if err != nil {
			checkRejection(t, err)
			return
		}
		out, err := d.MarshalBinary()
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("accepted delta does not re-encode: %v", err)
		}
	})
}

func FuzzParseBulkCheckpoint(f *testing.F) {
	fx := seedFixture(f)
	tab := fx.table(f)
	values := []string{"X1", "X2", "X3", "X4", "X5"}
	b, err := fx.querier.NewBulk(fx.ann, tab, Passport, values, meta, 2, rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	p, _ := b.Prepare(1)
	resp, _ := fx.holder.Evaluate(querierID, p.Request())
	if err := b.Complete(p, resp); err != nil {
		f.Fatal(err)
	}
	cp, _ := b.Checkpoint()
	addWithVariants(f, cp)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := fx.querier.ResumeBulk(fx.ann, tab, values, data)
		if err != nil {
			checkRejection(t, err)
			return
		}
		out, err := r.Checkpoint()
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("accepted checkpoint does not re-encode: %v", err)
		}
	})
}
