package federation

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
)

// Attachment states.
const (
	attachmentUploading = "uploading" // an officer is uploading chunks
	attachmentComplete  = "complete"  // every chunk is stored and the whole content matches its SHA-256
	attachmentFetching  = "fetching"  // received with a message; chunks are being fetched from the sender
	attachmentFailed    = "failed"    // the sender's content did not match the signed hashes, or it is gone
)

// Attachment is an attachment as the API shows it.
type Attachment struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	MediaType string    `json:"mediaType"`
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256" doc:"hex SHA-256 of the whole content"`
	ChunkSize int64     `json:"chunkSize"`
	Chunks    int64     `json:"chunks"`
	Received  int64     `json:"received" doc:"chunks stored so far"`
	Missing   []int64   `json:"missing,omitempty" doc:"numbers of the chunks still missing (uploads in progress)"`
	State     string    `json:"state" doc:"uploading, complete, fetching or failed"`
	Reason    string    `json:"reason,omitempty"`
	Origin    string    `json:"origin,omitempty" doc:"the sending agency, for received attachments"`
	MessageID string    `json:"messageId,omitempty"`
	Created   time.Time `json:"created"`
	Completed time.Time `json:"completed,omitzero"`
}

// UploadRequest starts an upload.
type UploadRequest struct {
	Name      string `json:"name" doc:"file name, without directories"`
	MediaType string `json:"mediaType,omitempty" doc:"default application/octet-stream"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256" doc:"hex SHA-256 of the whole content, checked when the upload completes"`
}

const attachmentColumns = `a.id, a.name, a.media_type, a.size, a.sha256, a.chunk_size, a.chunks, a.state, a.reason, a.origin,
	a.message_id, a.created_at, a.completed_at, a.created_by,
	(SELECT COUNT(*) FROM fed_attachment_chunks c WHERE c.attachment_id = a.id)`

// attachmentRow is a stored attachment with the columns the service needs
// beyond the API view.
type attachmentRow struct {
	Attachment
	sum       []byte
	createdBy string
}

func scanAttachment(r scanner) (*attachmentRow, error) {
	var a attachmentRow
	var created, completed int64
	if err := r.Scan(&a.ID, &a.Name, &a.MediaType, &a.Size, &a.sum, &a.ChunkSize, &a.Chunks, &a.State, &a.Reason, &a.Origin,
		&a.MessageID, &created, &completed, &a.createdBy, &a.Received); err != nil {
		return nil, err
	}
	a.SHA256 = hex.EncodeToString(a.sum)
	a.Created, a.Completed = fromMicro(created), fromMicro(completed)
	return &a, nil
}

func getAttachment(ctx context.Context, q db.Querier, id string) (*attachmentRow, error) {
	a, err := scanAttachment(q.QueryRowContext(ctx, `SELECT `+attachmentColumns+` FROM fed_attachments a WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotExist, "id", "no such attachment")
	}
	if err != nil {
		return nil, fmt.Errorf("read attachment: %w", err)
	}
	return a, nil
}

// mayAccess decides whether the officer in ctx may see an attachment: the
// uploader while it is not sent; once it belongs to a message, whoever may
// read messages (the route's roles).
func mayAccess(ctx context.Context, a *attachmentRow) error {
	p, _ := access.From(ctx)
	if a.MessageID == "" && a.createdBy != p.UserID {
		return errs.E(errs.NotExist, "id", "no such attachment")
	}
	return nil
}

// CreateUpload starts an upload by the officer in ctx, or returns the
// unfinished upload of the same file (name, size and SHA-256) by the same
// officer, so that an interrupted upload resumes where it stopped.
func (s *Service) CreateUpload(ctx context.Context, req UploadRequest) (*Attachment, error) {
	p, _ := access.From(ctx)
	if req.MediaType == "" {
		req.MediaType = "application/octet-stream"
	}
	if err := checkFileName(req.Name); err != nil {
		return nil, err
	}
	if err := checkMediaType(req.MediaType); err != nil {
		return nil, err
	}
	if req.Size <= 0 || req.Size > s.cfg.MaxAttachment {
		return nil, errs.E(errs.TooLarge, "size", fmt.Sprintf("attachments must be 1 to %d bytes", s.cfg.MaxAttachment))
	}
	sum, err := hex.DecodeString(req.SHA256)
	if err != nil || len(sum) != sha256.Size {
		return nil, errs.E(errs.Invalid, "sha256", "must be a hex SHA-256")
	}
	chunkSize := int64(s.cfg.ChunkSize)
	for chunkCount(req.Size, chunkSize) > maxChunks { // only with a tiny configured chunk size
		chunkSize *= 2
	}
	var id string
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id FROM fed_attachments WHERE origin = '' AND state = ? AND created_by = ? AND name = ?
			AND size = ? AND sha256 = ? AND message_id = '' LIMIT 1`, attachmentUploading, p.UserID, req.Name, req.Size, sum).Scan(&id)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("look up uploads: %w", err)
		}
		u, err := uuid.NewV7()
		if err != nil {
			return err
		}
		id = u.String()
		_, err = tx.ExecContext(ctx, `INSERT INTO fed_attachments (id, origin, remote_id, message_id, name, media_type, size, sha256,
			chunk_size, chunks, chunk_hashes, state, reason, created_by, created_at, completed_at)
			VALUES (?, '', ?, '', ?, ?, ?, ?, ?, ?, NULL, ?, '', ?, ?, 0)`,
			id, id, req.Name, req.MediaType, req.Size, sum, chunkSize, chunkCount(req.Size, chunkSize), attachmentUploading,
			p.UserID, s.nowMicro())
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.UploadStatus(ctx, id)
}

// UploadStatus returns an attachment with the numbers of its missing
// chunks, to resume an upload.
func (s *Service) UploadStatus(ctx context.Context, id string) (*Attachment, error) {
	a, err := getAttachment(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if err := mayAccess(ctx, a); err != nil {
		return nil, err
	}
	if a.State == attachmentUploading || a.State == attachmentFetching {
		have, err := s.storedChunks(ctx, id)
		if err != nil {
			return nil, err
		}
		for n := int64(0); n < a.Chunks; n++ {
			if !have[n] {
				a.Missing = append(a.Missing, n)
			}
		}
	}
	return &a.Attachment, nil
}

func (s *Service) storedChunks(ctx context.Context, id string) (map[int64]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT n FROM fed_attachment_chunks WHERE attachment_id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("read chunks: %w", err)
	}
	defer rows.Close()
	have := map[int64]bool{}
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("read chunks: %w", err)
		}
		have[n] = true
	}
	return have, rows.Err()
}

// chunkLen is the length of chunk n.
func chunkLen(size, chunkSize, n int64) int64 {
	return min(chunkSize, size-n*chunkSize)
}

// PutChunk stores chunk n of an upload by the officer in ctx after checking
// its length and its SHA-256 (hex). Storing a chunk again with the same
// content is a no-op, so a client may resend chunks it is unsure about.
func (s *Service) PutChunk(ctx context.Context, id string, n int64, data []byte, sumHex string) error {
	a, err := getAttachment(ctx, s.db, id)
	if err != nil {
		return err
	}
	if err := mayAccess(ctx, a); err != nil {
		return err
	}
	if a.State != attachmentUploading || a.Origin != "" {
		return errs.E(errs.Conflict, "id", "the upload is "+a.State)
	}
	if n < 0 || n >= a.Chunks {
		return errs.E(errs.Invalid, "n", fmt.Sprintf("chunk numbers run from 0 to %d", a.Chunks-1))
	}
	if want := chunkLen(a.Size, a.ChunkSize, n); int64(len(data)) != want {
		return errs.E(errs.Invalid, "chunk", fmt.Sprintf("chunk %d must be %d bytes, got %d", n, want, len(data)))
	}
	declared, err := hex.DecodeString(sumHex)
	if err != nil || len(declared) != sha256.Size {
		return errs.E(errs.Invalid, "Liaison-Chunk-SHA256", "the chunk's hex SHA-256 is required")
	}
	sum := sha256.Sum256(data)
	if subtle.ConstantTimeCompare(sum[:], declared) != 1 {
		return errs.E(errs.Invalid, "chunk", "the chunk does not match its SHA-256: resend it")
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		var stored []byte
		err := tx.QueryRowContext(ctx, `SELECT sha256 FROM fed_attachment_chunks WHERE attachment_id = ? AND n = ?`, id, n).Scan(&stored)
		switch {
		case err == nil && bytes.Equal(stored, sum[:]):
			return nil
		case err == nil:
			return errs.E(errs.Conflict, "chunk", fmt.Sprintf("chunk %d is already stored with other content", n))
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("read chunk: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO fed_attachment_chunks (attachment_id, n, data, sha256) VALUES (?, ?, ?, ?)`,
			id, n, data, sum[:])
		return err
	})
}

// CompleteUpload checks that every chunk is stored and that the content
// matches the SHA-256 declared at the start, then makes the attachment
// available for sending. It writes a collect audit event.
func (s *Service) CompleteUpload(ctx context.Context, id string) (*Attachment, error) {
	a, err := getAttachment(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if err := mayAccess(ctx, a); err != nil {
		return nil, err
	}
	if a.State == attachmentComplete {
		return &a.Attachment, nil
	}
	if a.State != attachmentUploading {
		return nil, errs.E(errs.Conflict, "id", "the upload is "+a.State)
	}
	if a.Received != a.Chunks {
		return nil, errs.E(errs.Precondition, "chunks", fmt.Sprintf("%d of %d chunks are missing", a.Chunks-a.Received, a.Chunks))
	}
	total, hashes, err := s.hashChunks(ctx, id)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(total, a.sum) {
		return nil, errs.E(errs.Invalid, "sha256", "the uploaded content does not match the SHA-256 given at the start")
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE fed_attachments SET state = ?, chunk_hashes = ?, completed_at = ? WHERE id = ? AND state = ?`,
			attachmentComplete, hashes, s.nowMicro(), id, attachmentUploading)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "id", "the upload changed meanwhile")
		}
		e := audit.New(ctx, audit.Collect, audit.Ref{Type: "attachment", ID: id})
		e.Reason = "attachment uploaded"
		return s.audit.Append(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return s.UploadStatus(ctx, id)
}

// hashChunks streams an attachment's chunks in order and returns the
// SHA-256 of the content and the concatenated SHA-256 of each chunk. Only
// one chunk is in memory at a time.
func (s *Service) hashChunks(ctx context.Context, id string) (total, hashes []byte, err error) {
	rows, err := s.db.QueryContext(ctx, `SELECT data FROM fed_attachment_chunks WHERE attachment_id = ? ORDER BY n`, id)
	if err != nil {
		return nil, nil, fmt.Errorf("read chunks: %w", err)
	}
	defer rows.Close()
	h := sha256.New()
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, nil, fmt.Errorf("read chunks: %w", err)
		}
		h.Write(data)
		sum := sha256.Sum256(data)
		hashes = append(hashes, sum[:]...)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read chunks: %w", err)
	}
	return h.Sum(nil), hashes, nil
}

// attachForSending binds the officer's completed uploads to a message and
// returns their references for the payload.
func (s *Service) attachForSending(ctx context.Context, tx *db.Tx, ids []string, officer, messageID string) ([]attachmentRef, error) {
	var refs []attachmentRef
	for i, id := range ids {
		field := fmt.Sprintf("attachments[%d]", i)
		var name, media, state, createdBy, msg, origin string
		var size, chunkSize int64
		var sum, hashes []byte
		err := tx.QueryRowContext(ctx, `SELECT name, media_type, state, created_by, message_id, origin, size, chunk_size, sha256, chunk_hashes
			FROM fed_attachments WHERE id = ?`, id).Scan(&name, &media, &state, &createdBy, &msg, &origin, &size, &chunkSize, &sum, &hashes)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && (origin != "" || createdBy != officer)) {
			return nil, errs.E(errs.NotExist, field, "no such upload of yours")
		}
		if err != nil {
			return nil, fmt.Errorf("read attachment: %w", err)
		}
		switch {
		case state != attachmentComplete:
			return nil, errs.E(errs.Precondition, field, "the upload is not complete")
		case msg != "":
			return nil, errs.E(errs.Conflict, field, "the upload is already attached to a message")
		}
		for _, prev := range ids[:i] {
			if prev == id {
				return nil, errs.E(errs.Invalid, field, "attached twice")
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE fed_attachments SET message_id = ? WHERE id = ?`, messageID, id); err != nil {
			return nil, fmt.Errorf("attach: %w", err)
		}
		refs = append(refs, attachmentRef{ID: id, Name: name, MediaType: media, Size: size, SHA256: sum, ChunkSize: chunkSize, ChunkHashes: hashes})
	}
	return refs, nil
}

// expectAttachment records an attachment announced by a received message;
// the fetcher then pulls its chunks from the sender.
func (s *Service) expectAttachment(ctx context.Context, tx *db.Tx, m *Inbound, a attachmentRef) error {
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO fed_attachments (id, origin, remote_id, message_id, name, media_type, size, sha256,
		chunk_size, chunks, chunk_hashes, state, reason, created_by, created_at, completed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', ?, 0)`,
		id.String(), m.Sender, a.ID, m.ID.String(), a.Name, a.MediaType, a.Size, a.SHA256, a.ChunkSize,
		chunkCount(a.Size, a.ChunkSize), a.ChunkHashes, attachmentFetching, m.Received.UnixMicro())
	if db.IsUniqueViolation(err) {
		return errs.E(errs.Conflict, "attachments", "attachment "+a.ID+" was already sent in another message")
	}
	if err != nil {
		return fmt.Errorf("record attachment: %w", err)
	}
	return nil
}

func (s *Service) messageAttachments(ctx context.Context, q db.Querier, messageID string) ([]Attachment, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+attachmentColumns+` FROM fed_attachments a WHERE a.message_id = ? ORDER BY a.created_at, a.id`, messageID)
	if err != nil {
		return nil, fmt.Errorf("read attachments: %w", err)
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, fmt.Errorf("read attachments: %w", err)
		}
		out = append(out, a.Attachment)
	}
	return out, rows.Err()
}

// WriteAttachment streams a complete attachment to w, one chunk in memory
// at a time, after writing a consultation audit event with the
// justification in ctx. It returns the attachment for the caller to set
// headers; headers must be set in before, which runs before the first byte.
func (s *Service) WriteAttachment(ctx context.Context, id string, w io.Writer, before func(*Attachment)) error {
	a, err := getAttachment(ctx, s.db, id)
	if err != nil {
		return err
	}
	if err := mayAccess(ctx, a); err != nil {
		return err
	}
	if a.State != attachmentComplete {
		return errs.E(errs.Precondition, "id", "the attachment is "+a.State)
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		objs := []audit.Ref{{Type: "attachment", ID: id}}
		if a.MessageID != "" {
			objs = append(objs, audit.Ref{Type: "message", ID: a.MessageID})
		}
		e := audit.New(ctx, audit.Consult, objs...)
		e.Reason = "attachment downloaded"
		return s.audit.Append(ctx, tx, e)
	})
	if err != nil {
		return err
	}
	before(&a.Attachment)
	for n := int64(0); n < a.Chunks; n++ {
		var data []byte
		if err := s.db.QueryRowContext(ctx, `SELECT data FROM fed_attachment_chunks WHERE attachment_id = ? AND n = ?`, id, n).Scan(&data); err != nil {
			return fmt.Errorf("read chunk %d: %w", n, err)
		}
		if _, err := w.Write(data); err != nil {
			return fmt.Errorf("write attachment: %w", err)
		}
	}
	return nil
}

// handleChunk serves one chunk of an attachment to a partner it was sent to.
func (s *Service) handleChunk(w http.ResponseWriter, r *http.Request) error {
	p := peerFrom(r.Context())
	id := r.PathValue("id")
	n, err := strconv.ParseInt(r.PathValue("n"), 10, 64)
	if err != nil || n < 0 {
		return errs.E(errs.Invalid, "n", "chunk number must be a non-negative integer")
	}
	var chunks int64
	var state string
	err = s.db.QueryRowContext(r.Context(), `SELECT a.chunks, a.state FROM fed_attachments a
		JOIN fed_attachment_grants g ON g.attachment_id = a.id AND g.partner = ?
		WHERE a.id = ? AND a.origin = ''`, p.agency, id).Scan(&chunks, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(errs.NotExist, "id", "no such attachment was sent to "+p.agency)
	}
	if err != nil {
		return fmt.Errorf("read attachment: %w", err)
	}
	if state != attachmentComplete || n >= chunks {
		return errs.E(errs.NotExist, "n", "no such chunk")
	}
	var data []byte
	if err := s.db.QueryRowContext(r.Context(), `SELECT data FROM fed_attachment_chunks WHERE attachment_id = ? AND n = ?`, id, n).Scan(&data); err != nil {
		return fmt.Errorf("read chunk: %w", err)
	}
	err = s.db.Write(r.Context(), func(tx *db.Tx) error {
		_, err := tx.ExecContext(r.Context(), `UPDATE fed_attachment_grants SET served = ? WHERE attachment_id = ? AND partner = ? AND served < ?`,
			n+1, id, p.agency, n+1)
		return err
	})
	if err != nil {
		return fmt.Errorf("record chunk served: %w", err)
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, err = w.Write(data)
	return err
}

// fetchBurst is how many chunks fetchOnce transfers before it yields.
const fetchBurst = 8

// fetchOnce fetches missing chunks of the oldest attachment p sent this
// node, checking each against the SHA-256 signed in the message, and
// finishes the attachment once all are stored. Chunks already stored are
// never fetched again, so transfers resume after any interruption.
func (s *Service) fetchOnce(ctx context.Context, p *partner) (int, error) {
	var id, remote string
	var size, chunkSize, chunks int64
	var sum, hashes []byte
	err := s.db.QueryRowContext(ctx, `SELECT id, remote_id, size, chunk_size, chunks, sha256, chunk_hashes FROM fed_attachments
		WHERE origin = ? AND state = ? ORDER BY created_at, id LIMIT 1`, p.agency, attachmentFetching).
		Scan(&id, &remote, &size, &chunkSize, &chunks, &sum, &hashes)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read attachments to fetch: %w", err)
	}
	have, err := s.storedChunks(ctx, id)
	if err != nil {
		return 0, err
	}
	fetched := 0
	for n := int64(0); n < chunks && fetched < fetchBurst; n++ {
		if have[n] {
			continue
		}
		data, err := s.getChunk(ctx, p, remote, n, chunkLen(size, chunkSize, n))
		var gone *goneError
		if errors.As(err, &gone) {
			return fetched + 1, s.failAttachment(ctx, p, id, gone.msg)
		}
		if err != nil {
			return fetched, err
		}
		got := sha256.Sum256(data)
		if !bytes.Equal(got[:], hashes[n*sha256.Size:(n+1)*sha256.Size]) {
			return fetched + 1, s.failAttachment(ctx, p, id, fmt.Sprintf("chunk %d does not match the hash signed in the message", n))
		}
		if err := s.db.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO fed_attachment_chunks (attachment_id, n, data, sha256) VALUES (?, ?, ?, ?)`,
				id, n, data, got[:])
			return err
		}); err != nil && !db.IsUniqueViolation(err) {
			return fetched, fmt.Errorf("store chunk: %w", err)
		}
		have[n] = true
		fetched++
	}
	if int64(len(have)) < chunks {
		return fetched, nil
	}
	total, _, err := s.hashChunks(ctx, id)
	if err != nil {
		return fetched, err
	}
	if !bytes.Equal(total, sum) {
		return fetched + 1, s.failAttachment(ctx, p, id, "the content does not match the SHA-256 signed in the message")
	}
	actx := access.With(ctx, access.Principal{Username: p.agency, Agency: p.agency, Country: p.card.Country, Partner: true,
		Exercise: p.card.Exercise})
	err = s.db.Write(actx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(actx, `UPDATE fed_attachments SET state = ?, completed_at = ? WHERE id = ? AND state = ?`,
			attachmentComplete, s.nowMicro(), id, attachmentFetching); err != nil {
			return err
		}
		var msg string
		if err := tx.QueryRowContext(actx, `SELECT message_id FROM fed_attachments WHERE id = ?`, id).Scan(&msg); err != nil {
			return err
		}
		e := audit.New(actx, audit.Collect, audit.Ref{Type: "attachment", ID: id}, audit.Ref{Type: "message", ID: msg})
		e.Reason = "attachment received"
		return s.audit.Append(actx, tx, e)
	})
	if err != nil {
		return fetched, fmt.Errorf("finish attachment: %w", err)
	}
	return fetched + 1, nil
}

// goneError is a chunk the sender will never serve.
type goneError struct{ msg string }

func (g *goneError) Error() string { return g.msg }

func (s *Service) getChunk(ctx context.Context, p *partner, remote string, n, want int64) ([]byte, error) {
	client := s.clientFor(p)
	var lastErr error
	for _, base := range p.card.URLs {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s%s/attachments/%s/chunks/%d", base, Prefix, remote, n), nil)
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			lastErr = fmt.Errorf("unreachable: %v", errors.Unwrap(err))
			continue
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, want+1))
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusNotFound:
			return nil, &goneError{msg: "the sender no longer serves the attachment: " + problemSummary(resp.StatusCode, data)}
		case resp.StatusCode != http.StatusOK:
			return nil, fmt.Errorf("chunk %d: partner answered %s", n, problemSummary(resp.StatusCode, data))
		case err != nil:
			lastErr = fmt.Errorf("chunk %d: %v", n, err)
			continue
		case int64(len(data)) != want:
			return nil, &goneError{msg: fmt.Sprintf("chunk %d has %d bytes, the message announced %d", n, len(data), want)}
		}
		return data, nil
	}
	return nil, lastErr
}

func (s *Service) failAttachment(ctx context.Context, p *partner, id, reason string) error {
	s.log.Warn("attachment transfer failed", slog.String("partner", p.agency), slog.String("attachment", id), slog.String("reason", reason))
	return s.db.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE fed_attachments SET state = ?, reason = ? WHERE id = ?`, attachmentFailed, truncate(reason, 500), id)
		return err
	})
}

// expireUploads deletes uploads that were never completed or never sent
// within AttachmentExpiry.
func (s *Service) expireUploads(ctx context.Context) error {
	cutoff := s.now().Add(-s.cfg.AttachmentExpiry).UnixMicro()
	return s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM fed_attachment_chunks WHERE attachment_id IN
			(SELECT id FROM fed_attachments WHERE origin = '' AND message_id = '' AND created_at < ?)`, cutoff); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM fed_attachments WHERE origin = '' AND message_id = '' AND created_at < ?`, cutoff)
		return err
	})
}
