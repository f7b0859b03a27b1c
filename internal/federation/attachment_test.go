package federation_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
)

// upload puts chunks of data (those for which put returns true) into an
// upload and returns its state.
func upload(t *testing.T, c *client.Client, name string, data []byte, put func(n int64) bool) *federation.Attachment {
	t.Helper()
	ctx := context.Background()
	sum := sha256.Sum256(data)
	var a federation.Attachment
	if err := c.Post(ctx, "/api/v1/attachments", federation.UploadRequest{Name: name, MediaType: "application/pdf",
		Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}, &a); err != nil {
		t.Fatal(err)
	}
	for n := int64(0); n < a.Chunks; n++ {
		if !put(n) {
			continue
		}
		chunk := data[n*a.ChunkSize : min(int64(len(data)), (n+1)*a.ChunkSize)]
		cs := sha256.Sum256(chunk)
		req := client.Request{Method: http.MethodPut, Path: fmt.Sprintf("/api/v1/attachments/%s/chunks/%d", a.ID, n), Body: bytes.NewReader(chunk),
			Header: http.Header{"Content-Type": {"application/octet-stream"}, federation.ChunkHashHeader: {hex.EncodeToString(cs[:])}}}
		if err := c.Do(ctx, req, nil); err != nil {
			t.Fatalf("chunk %d: %v", n, err)
		}
	}
	var after federation.Attachment
	if err := c.Get(ctx, "/api/v1/attachments/"+a.ID, nil, &after); err != nil {
		t.Fatal(err)
	}
	return &after
}

func download(t *testing.T, n *fedtest.Node, id string) []byte {
	t.Helper()
	resp, err := officer(n, access.Analyst).Raw(context.Background(), client.Request{Method: http.MethodGet, Path: "/api/v1/attachments/" + id + "/content"})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestAttachmentsResumeAndTransfer(t *testing.T) {
	nl, de, be := threeNodes(t)
	ctx := context.Background()
	data := make([]byte, 3<<20+12345) // 49 chunks of 64 KiB in the test configuration
	rand.Read(data)
	sum := sha256.Sum256(data)
	c := officer(nl, access.Investigator)

	// An interrupted upload: the even chunks only.
	a := upload(t, c, "ledger.pdf", data, func(n int64) bool { return n%2 == 0 })
	if a.State != "uploading" || a.Received != (a.Chunks+1)/2 || len(a.Missing) != int(a.Chunks/2) {
		t.Fatalf("after half the chunks: %+v", a)
	}
	if err := c.Post(ctx, "/api/v1/attachments/"+a.ID+"/complete", nil, nil); err == nil {
		t.Fatal("completed an upload with missing chunks")
	}
	// Resuming: the same file gives the same upload, and only missing chunks are sent.
	missing := map[int64]bool{}
	for _, n := range a.Missing {
		missing[n] = true
	}
	b := upload(t, c, "ledger.pdf", data, func(n int64) bool { return missing[n] })
	if b.ID != a.ID || b.Received != b.Chunks || len(b.Missing) != 0 {
		t.Fatalf("resumed upload: %+v", b)
	}
	// A chunk with the wrong hash is refused.
	bad := client.Request{Method: http.MethodPut, Path: "/api/v1/attachments/" + a.ID + "/chunks/0", Body: bytes.NewReader(data[:a.ChunkSize]),
		Header: http.Header{federation.ChunkHashHeader: {strings.Repeat("00", 32)}}}
	if err := c.Do(ctx, bad, nil); err == nil {
		t.Fatal("accepted a chunk with a wrong hash")
	}
	// Other officers do not see an unsent upload.
	if err := nl.Client(access.Analyst).Get(ctx, "/api/v1/attachments/"+a.ID, nil, nil); err == nil {
		t.Fatal("another officer sees an unsent upload")
	}
	var done federation.Attachment
	if err := c.Post(ctx, "/api/v1/attachments/"+a.ID+"/complete", nil, &done); err != nil || done.State != "complete" || done.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("complete: %v %+v", err, done)
	}

	m := send(t, nl, federation.SendRequest{To: []string{"DE-BKA", "BE-FPJ"}, Subject: "Ledger", Body: "See attached.",
		Handling: []string{"H0"}, TLP: "TLP:AMBER", Attachments: []string{a.ID}})
	waitDeliveries(t, nl, m.ID, map[string]string{"DE-BKA": federation.DeliveryDelivered, "BE-FPJ": federation.DeliveryDelivered})
	if got := download(t, nl, a.ID); !bytes.Equal(got, data) {
		t.Fatal("sender's own copy differs")
	}
	for _, n := range []*fedtest.Node{de, be} {
		var in federation.Message
		fedtest.Eventually(t, wait, n.Agency+" fetches the attachment", func() error {
			if err := officer(n, access.Analyst).Get(ctx, "/api/v1/messages/"+m.ID, nil, &in); err != nil {
				return err
			}
			if len(in.Attachments) != 1 || in.Attachments[0].State != "complete" {
				return fedtest.Errorf("%+v", in.Attachments)
			}
			return nil
		})
		got := in.Attachments[0]
		if got.Name != "ledger.pdf" || got.Size != int64(len(data)) || got.SHA256 != hex.EncodeToString(sum[:]) || got.Origin != "NL-NCB" {
			t.Errorf("%s attachment: %+v", n.Agency, got)
		}
		if !bytes.Equal(download(t, n, got.ID), data) {
			t.Fatalf("%s: downloaded content differs", n.Agency)
		}
		if len(n.Audit.Find(t, audit.Consult, audit.OK, "attachment downloaded")) != 1 ||
			len(n.Audit.Find(t, audit.Collect, audit.OK, "attachment received")) != 1 {
			t.Errorf("%s: attachment audit events missing", n.Agency)
		}
	}
	var served int
	nl.DB.QueryRowContext(ctx, `SELECT MIN(served) FROM fed_attachment_grants WHERE attachment_id = ?`, a.ID).Scan(&served)
	if int64(served) != a.Chunks {
		t.Errorf("sender recorded %d chunks served, want %d", served, a.Chunks)
	}
}

// A chunk that does not match the hash signed in the message fails the
// transfer visibly instead of storing wrong content.
func TestAttachmentChunkMustMatchSignedHash(t *testing.T) {
	nl := fedtest.NewNode(t, "NL-NCB", "NL", nil)
	de := fedtest.NewNode(t, "DE-BKA", "DE", nil)
	fedtest.Introduce(t, nl, de)
	ctx := context.Background()
	data := make([]byte, 200<<10)
	rand.Read(data)
	a := upload(t, officer(nl, access.Investigator), "photo.jpg", data, func(int64) bool { return true })
	if err := officer(nl, access.Investigator).Post(ctx, "/api/v1/attachments/"+a.ID+"/complete", nil, nil); err != nil {
		t.Fatal(err)
	}
	de.Stop() // so the corruption happens before DE fetches
	m := send(t, nl, federation.SendRequest{To: []string{"DE-BKA"}, Subject: "Photo", Body: "b", Handling: []string{"H0"}, TLP: "TLP:AMBER",
		Attachments: []string{a.ID}})
	if _, err := nl.DB.ExecContext(ctx, `UPDATE fed_attachment_chunks SET data = ? WHERE attachment_id = ? AND n = 2`,
		make([]byte, a.ChunkSize), a.ID); err != nil {
		t.Fatal(err)
	}
	de.Start()
	fedtest.Eventually(t, wait, "transfer fails", func() error {
		var in federation.Message
		if err := officer(de, access.Analyst).Get(ctx, "/api/v1/messages/"+m.ID, nil, &in); err != nil {
			return err
		}
		if len(in.Attachments) != 1 || in.Attachments[0].State != "failed" || !strings.Contains(in.Attachments[0].Reason, "chunk 2") {
			return fedtest.Errorf("%+v", in.Attachments)
		}
		return nil
	})
}
