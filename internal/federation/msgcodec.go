package federation

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/errs"
)

// Limits on messages.
const (
	MaxSubjectLen      = 300      // bytes in a subject
	MaxRestrictionsLen = 1000     // bytes in the H3 restrictions text
	MaxAttachments     = 20       // attachments per message
	maxNameLen         = 255      // bytes in an attachment's file name
	maxMediaTypeLen    = 127      // bytes in a media type
	maxChunks          = 1 << 16  // chunks per attachment: bounds the hash list to 2 MiB
	minChunkSize       = 16 << 10 // smallest chunk, unless the attachment is one chunk
)

// messagePayload is the sealed payload of a "message" envelope, version 1.
// The envelope header carries the thread id, case reference, handling codes
// and TLP; the payload the parts relays must not see.
type messagePayload struct {
	V            int             `json:"v"`
	Subject      string          `json:"subject"`
	Body         string          `json:"body"`
	Restrictions string          `json:"restrictions,omitempty"` // H3: the provider's restrictions, free text
	Attachments  []attachmentRef `json:"attachments,omitempty"`
}

// attachmentRef describes an attachment in a message. The hashes are
// signed with the message, so each chunk the recipient fetches is
// authenticated by the sender's signature without signing chunks.
type attachmentRef struct {
	ID          string `json:"id"` // the sender's attachment id, to fetch chunks by
	Name        string `json:"name"`
	MediaType   string `json:"mediaType"`
	Size        int64  `json:"size"`
	SHA256      []byte `json:"sha256"`      // of the whole content
	ChunkSize   int64  `json:"chunkSize"`   // every chunk but the last has this size
	ChunkHashes []byte `json:"chunkHashes"` // SHA-256 of each chunk, concatenated
}

// chunkCount is the number of chunks of size bytes cut at chunkSize.
func chunkCount(size, chunkSize int64) int64 {
	if size <= 0 || chunkSize <= 0 {
		return 0
	}
	return (size + chunkSize - 1) / chunkSize
}

func encodeMessagePayload(p messagePayload) ([]byte, error) {
	p.V = 1
	return json.Marshal(p)
}

// decodeMessagePayload parses and validates a message payload received
// from a partner: strict JSON (unknown fields and trailing data refused),
// every text and number within its limits. Errors are errs.Invalid (or
// errs.TooLarge), which rejects the envelope.
func decodeMessagePayload(data []byte, maxBody int, maxAttachment int64) (messagePayload, error) {
	var p messagePayload
	if err := DecodePayload(data, len(data), &p); err != nil {
		return p, err
	}
	if p.V != 1 {
		return p, errs.E(errs.Unsupported, "payload.v", fmt.Sprintf("message payload version %d is not supported", p.V))
	}
	if err := checkSubject(p.Subject); err != nil {
		return p, err
	}
	if err := checkBody(p.Body, maxBody); err != nil {
		return p, err
	}
	if err := checkFreeText("restrictions", p.Restrictions, MaxRestrictionsLen); err != nil {
		return p, err
	}
	if len(p.Attachments) > MaxAttachments {
		return p, errs.E(errs.Invalid, "attachments", fmt.Sprintf("at most %d attachments", MaxAttachments))
	}
	for i, a := range p.Attachments {
		if err := a.validate(maxAttachment); err != nil {
			return p, errs.E(errs.Invalid, fmt.Sprintf("attachments[%d]", i), errs.PublicMessage(err))
		}
		for _, prev := range p.Attachments[:i] {
			if prev.ID == a.ID {
				return p, errs.E(errs.Invalid, fmt.Sprintf("attachments[%d].id", i), "duplicate attachment")
			}
		}
	}
	return p, nil
}

func (a attachmentRef) validate(maxAttachment int64) error {
	if _, err := uuid.Parse(a.ID); err != nil || len(a.ID) != 36 {
		return errs.E(errs.Invalid, "id", "attachment id must be a UUID")
	}
	if err := checkFileName(a.Name); err != nil {
		return err
	}
	if err := checkMediaType(a.MediaType); err != nil {
		return err
	}
	if a.Size <= 0 || a.Size > maxAttachment {
		return errs.E(errs.TooLarge, "size", fmt.Sprintf("attachment size must be 1 to %d bytes", maxAttachment))
	}
	if len(a.SHA256) != sha256.Size {
		return errs.E(errs.Invalid, "sha256", "must be a SHA-256")
	}
	n := chunkCount(a.Size, a.ChunkSize)
	switch {
	case a.ChunkSize <= 0 || a.ChunkSize > maxChunkSize:
		return errs.E(errs.Invalid, "chunkSize", fmt.Sprintf("chunk size must be 1 to %d bytes", maxChunkSize))
	case n > 1 && a.ChunkSize < minChunkSize:
		return errs.E(errs.Invalid, "chunkSize", fmt.Sprintf("chunks must be at least %d bytes", minChunkSize))
	case n > maxChunks:
		return errs.E(errs.Invalid, "chunkSize", fmt.Sprintf("at most %d chunks", maxChunks))
	case int64(len(a.ChunkHashes)) != n*sha256.Size:
		return errs.E(errs.Invalid, "chunkHashes", "one SHA-256 per chunk is required")
	}
	return nil
}

func checkSubject(s string) error {
	if strings.TrimSpace(s) == "" {
		return errs.E(errs.Invalid, "subject", "a subject is required")
	}
	return checkFreeText("subject", s, MaxSubjectLen)
}

// checkFreeText accepts valid UTF-8 of at most max bytes without control
// characters.
func checkFreeText(field, s string, max int) error {
	if len(s) > max {
		return errs.E(errs.Invalid, field, fmt.Sprintf("longer than %d bytes", max))
	}
	if !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return errs.E(errs.Invalid, field, "must be valid UTF-8 without control characters")
	}
	return nil
}

// checkBody accepts valid UTF-8 of at most max bytes; tabs and line breaks
// are allowed, other control characters are not.
func checkBody(s string, max int) error {
	if len(s) > max {
		return errs.E(errs.TooLarge, "body", fmt.Sprintf("body longer than %d bytes: send it as an attachment", max))
	}
	if !utf8.ValidString(s) {
		return errs.E(errs.Invalid, "body", "must be valid UTF-8")
	}
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0 {
		return errs.E(errs.Invalid, "body", "must not contain control characters other than tabs and line breaks")
	}
	return nil
}

// checkFileName accepts a plain file name: no directories, no control
// characters, not "." or "..".
func checkFileName(s string) error {
	if s == "" || s == "." || s == ".." || strings.ContainsAny(s, `/\`) || strings.TrimSpace(s) != s {
		return errs.E(errs.Invalid, "name", "a plain file name is required")
	}
	return checkFreeText("name", s, maxNameLen)
}

// checkMediaType accepts type/subtype in printable ASCII.
func checkMediaType(s string) error {
	if len(s) == 0 || len(s) > maxMediaTypeLen || strings.Count(s, "/") != 1 {
		return errs.E(errs.Invalid, "mediaType", "a media type such as application/pdf is required")
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return errs.E(errs.Invalid, "mediaType", "a media type such as application/pdf is required")
		}
	}
	return nil
}

// DecodePayload decodes the payload of a message received from a partner
// into v, strictly: one JSON value of at most max bytes, no unknown
// fields, nothing after it. Errors are errs.TooLarge or errs.Invalid,
// which reject the envelope. Capabilities decode their message types with
// it before checking the fields' own limits.
func DecodePayload(data []byte, max int, v any) error {
	if len(data) > max {
		return errs.E(errs.TooLarge, "payload", fmt.Sprintf("larger than %d bytes", max))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errs.E(errs.Invalid, "payload", "not a valid message of the expected shape: "+err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return errs.E(errs.Invalid, "payload", "data after the JSON value")
	}
	return nil
}
