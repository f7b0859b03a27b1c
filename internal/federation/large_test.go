package federation_test

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
)

// TestLargeAttachment sends a 1 GiB attachment (1,024 chunks of 1 MiB)
// from one node to another and checks that neither the upload, the
// transfer nor the download ever holds it in memory. It writes about 3 GiB
// to disk and takes minutes, so it runs only with LIAISON_TEST_LARGE=1:
//
//	LIAISON_TEST_LARGE=1 go test -run TestLargeAttachment -timeout 60m -v ./internal/federation
func TestLargeAttachment(t *testing.T) {
	if os.Getenv("LIAISON_TEST_LARGE") == "" {
		t.Skip("set LIAISON_TEST_LARGE=1 to send a 1 GiB attachment (minutes, ~3 GiB of disk)")
	}
	const size = 1 << 30
	chunkSize := func(c *federation.Config) { c.ChunkSize = federation.DefaultChunkSize }
	nl := fedtest.NewNode(t, "NL-NCB", "NL", chunkSize)
	de := fedtest.NewNode(t, "DE-BKA", "DE", chunkSize)
	fedtest.Introduce(t, nl, de)

	var peak atomic.Uint64
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
			}
		}
	}()
	content := func() *rand.ChaCha8 { return rand.NewChaCha8([32]byte{'l', 'i', 'a', 'i', 's', 'o', 'n'}) }
	h := sha256.New()
	buf := make([]byte, federation.DefaultChunkSize)
	src := content()
	for range size / len(buf) {
		src.Read(buf)
		h.Write(buf)
	}
	sum := hex.EncodeToString(h.Sum(nil))

	ctx := nl.Context(access.Investigator)
	start := time.Now()
	a, err := nl.Service().CreateUpload(ctx, federation.UploadRequest{Name: "disk.img", Size: size, SHA256: sum})
	if err != nil {
		t.Fatal(err)
	}
	src = content()
	for n := int64(0); n < a.Chunks; n++ {
		src.Read(buf)
		cs := sha256.Sum256(buf)
		if err := nl.Service().PutChunk(ctx, a.ID, n, buf, hex.EncodeToString(cs[:])); err != nil {
			t.Fatalf("chunk %d: %v", n, err)
		}
	}
	if _, err := nl.Service().CompleteUpload(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	uploaded := time.Since(start)
	m, err := nl.Service().SendMessage(ctx, federation.SendRequest{To: []string{"DE-BKA"}, Subject: "Disk image", Body: "1 GiB",
		Handling: []string{"H0"}, TLP: "TLP:AMBER", Attachments: []string{a.ID}})
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	var got *federation.Message
	fedtest.Eventually(t, 45*time.Minute, "DE fetches 1 GiB", func() error {
		var err error
		if got, err = de.Service().OpenMessage(de.Context(access.Analyst), m.ID); err != nil {
			return err
		}
		if len(got.Attachments) != 1 || got.Attachments[0].State != "complete" {
			return fedtest.Errorf("%d/%d chunks", got.Attachments[0].Received, got.Attachments[0].Chunks)
		}
		return nil
	})
	transferred := time.Since(start)
	dh := sha256.New()
	if err := de.Service().WriteAttachment(de.Context(access.Analyst), got.Attachments[0].ID, dh, func(*federation.Attachment) {}); err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(dh.Sum(nil)) != sum {
		t.Fatal("downloaded content differs")
	}
	t.Logf("1 GiB: upload %v, transfer %v (%.0f MiB/s), peak heap in use %d MiB",
		uploaded, transferred, 1024/transferred.Seconds(), peak.Load()>>20)
	if peak.Load() > 256<<20 {
		t.Errorf("peak heap %d MiB: the attachment was held in memory", peak.Load()>>20)
	}
}
