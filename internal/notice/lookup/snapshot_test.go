package lookup

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/notice"
)

func snapshotFixture(t testing.TB) (*Index, []byte) {
	t.Helper()
	x := New(Options{})
	for i := range 500 {
		a := doc(fmt.Sprintf("P%07d", i), []string{"FR", "DE", "XK"}[i%3], []notice.AlertStatus{notice.Stolen, notice.Lost, notice.Revoked}[i%3])
		if i%2 == 0 {
			a.Contact = "NCB " + a.Country
		}
		if err := x.Add(a); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		_ = x.Remove(doc(fmt.Sprintf("P%07d", i*5), "FR", notice.Stolen))
	}
	_ = x.Add(notice.Alert{Kind: notice.Vehicle, Plate: "AB123CD", Country: "FR", VIN: "WVWZZZ1JZ3W386752", Status: notice.Stolen, Originator: "FR-NCB"})
	var buf bytes.Buffer
	if err := x.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	return x, buf.Bytes()
}

func TestSnapshotRoundTrip(t *testing.T) {
	x, data := snapshotFixture(t)
	y, err := ReadSnapshot(bytes.NewReader(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if x.Len() != y.Len() {
		t.Fatalf("len %d, want %d", y.Len(), x.Len())
	}
	for i := range 520 {
		for _, c := range []string{"FR", "DE", "XK"} {
			n := fmt.Sprintf("P%07d", i)
			h1, ok1, _ := x.Document(n, c)
			h2, ok2, _ := y.Document(n, c)
			if ok1 != ok2 || h1 != h2 {
				t.Fatalf("%s %s: %+v %v vs %+v %v", c, n, h1, ok1, h2, ok2)
			}
		}
	}
	if _, ok, _ := y.VIN("WVWZZZ1JZ3W386752"); !ok {
		t.Error("VIN lost")
	}
	if _, ok, _ := y.Plate("AB-123-CD", "FR"); !ok {
		t.Error("plate lost")
	}
	// The rebuilt index takes updates like any other.
	if err := y.Remove(doc("P0000001", "DE", notice.Lost)); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := y.Document("P0000001", "DE"); ok {
		t.Error("remove after restore")
	}
}

func TestSnapshotRejectsDamage(t *testing.T) {
	_, data := snapshotFixture(t)
	cases := map[string][]byte{
		"empty":     nil,
		"magic":     append([]byte("NOT-A-SNAPSHOT!!"), data[16:]...),
		"truncated": data[:len(data)/2],
		"no crc":    data[:len(data)-4],
		"trailing":  append(bytes.Clone(data), 0),
		"flipped":   func() []byte { d := bytes.Clone(data); d[len(d)/2] ^= 0x20; return d }(),
	}
	for name, d := range cases {
		if _, err := ReadSnapshot(bytes.NewReader(d), Options{}); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: err = %v, want Invalid", name, err)
		}
	}
	failing := errors.New("disk on fire")
	if _, err := ReadSnapshot(&errReader{data: data[:100], err: failing}, Options{}); !errors.Is(err, failing) || errs.Is(err, errs.Invalid) {
		t.Errorf("I/O error: %v", err)
	}
}

type errReader struct {
	data []byte
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func FuzzReadSnapshot(f *testing.F) {
	x := New(Options{})
	for i := range 8 {
		_ = x.Add(doc(fmt.Sprintf("P%07d", i), "FR", notice.Lost))
	}
	_ = x.Add(notice.Alert{Kind: notice.Vehicle, Plate: "AB123CD", Country: "FR", VIN: "WVWZZZ1JZ3W386752", Status: notice.Stolen})
	var buf bytes.Buffer
	if err := x.WriteSnapshot(&buf); err != nil {
		f.Fatal(err)
	}
	data := buf.Bytes()
	f.Add(data)
	f.Add(data[:40])
	f.Add(snapshotMagic[:])
	f.Fuzz(func(t *testing.T, d []byte) {
		x, err := ReadSnapshot(bytes.NewReader(d), Options{})
		if err != nil {
			if !errs.Is(err, errs.Invalid) && !errs.Is(err, errs.TooLarge) {
				t.Fatalf("error of kind %s: %v", errs.KindOf(err), err)
			}
			return
		}
		var buf bytes.Buffer
		if err := x.WriteSnapshot(&buf); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadSnapshot(&buf, Options{}); err != nil {
			t.Fatalf("a snapshot that read does not read back: %v", err)
		}
	})
}
