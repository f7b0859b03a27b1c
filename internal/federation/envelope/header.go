package envelope

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation/card"
)

// Domain strings separate the hashes and signatures of this package from
// each other and from every other use of the node's keys.
const (
	domainHeader     = "liaison/envelope/v1/header\x00"
	domainCommitment = "liaison/envelope/v1/commitment\x00"
	domainHPKEInfo   = "liaison/envelope/v1/hpke-info\x00"
	domainReceipt    = "liaison/receipt/v1\x00"
)

// encodeHeader is the version-1 header encoding that the signature covers,
// laid out as documented at Wire.Marshal. Callers validate h first, which
// keeps every string within 255 bytes.
func encodeHeader(h *Header) []byte {
	b := make([]byte, 0, 256)
	b = append(b, Version)
	b = append(b, h.ID[:]...)
	b = appendStr8(b, h.Sender)
	b = append(b, h.SenderKey[:]...)
	b = appendStr8(b, h.To)
	b = append(b, byte(len(h.Recipients)))
	for _, r := range h.Recipients {
		b = appendStr8(b, r)
	}
	b = binary.BigEndian.AppendUint64(b, h.Seq)
	b = binary.BigEndian.AppendUint64(b, uint64(h.Created.UnixMilli()))
	b = appendStr8(b, h.Type)
	b = appendStr8(b, h.Thread)
	b = appendStr8(b, h.CaseRef)
	b = append(b, byte(len(h.Handling)))
	for _, l := range h.Handling {
		b = appendStr8(b, l)
	}
	b = appendStr8(b, h.TLP)
	b = binary.BigEndian.AppendUint16(b, suiteKEM.ID())
	b = binary.BigEndian.AppendUint16(b, suiteKDF.ID())
	b = binary.BigEndian.AppendUint16(b, suiteAEAD.ID())
	b = append(b, h.Commitment[:]...)
	b = append(b, h.CiphertextHash[:]...)
	return b
}

// decodeHeader parses and validates a header. Refusals: malformed,
// unsupported.
func decodeHeader(data []byte) (*Header, error) {
	if len(data) > maxHeaderSize {
		return nil, refuse(ReasonMalformed, "header larger than %d bytes", maxHeaderSize)
	}
	d := &decoder{b: data}
	if v := d.u8(); d.err == nil && v != Version {
		return nil, refuse(ReasonUnsupported, "envelope version %d (this node speaks %d)", v, Version)
	}
	h := &Header{}
	d.array(h.ID[:])
	h.Sender = d.str8()
	d.array(h.SenderKey[:])
	h.To = d.str8()
	if n := int(d.u8()); n > 0 {
		h.Recipients = make([]string, n)
		for i := range h.Recipients {
			h.Recipients[i] = d.str8()
		}
	}
	h.Seq = d.u64()
	h.Created = time.UnixMilli(int64(d.u64())).UTC()
	h.Type = d.str8()
	h.Thread = d.str8()
	h.CaseRef = d.str8()
	if n := int(d.u8()); n > 0 {
		h.Handling = make([]string, n)
		for i := range h.Handling {
			h.Handling[i] = d.str8()
		}
	}
	h.TLP = d.str8()
	kem, kdf, aead := d.u16(), d.u16(), d.u16()
	d.array(h.Commitment[:])
	d.array(h.CiphertextHash[:])
	if err := d.end(); err != nil {
		return nil, refuse(ReasonMalformed, "header: %v", err)
	}
	if kem != suiteKEM.ID() || kdf != suiteKDF.ID() || aead != suiteAEAD.ID() {
		return nil, refuse(ReasonUnsupported, "HPKE suite %#04x/%#04x/%#04x", kem, kdf, aead)
	}
	if err := h.validate(); err != nil {
		return nil, refuse(ReasonMalformed, "%s", errs.PublicMessage(err))
	}
	return h, nil
}

// validate checks every header field except the two hashes, with errs.Invalid.
func (h *Header) validate() error {
	if h.ID.Version() != 7 || h.ID.Variant() != uuid.RFC4122 {
		return errs.E(errs.Invalid, "envelope.id", "message id must be a UUIDv7")
	}
	if err := card.CheckAgencyID(h.Sender); err != nil {
		return errs.E(errs.Invalid, "envelope.sender", "sender: "+errs.PublicMessage(err))
	}
	if err := card.CheckAgencyID(h.To); err != nil {
		return errs.E(errs.Invalid, "envelope.to", "to: "+errs.PublicMessage(err))
	}
	if len(h.Recipients) == 0 || len(h.Recipients) > MaxRecipients {
		return errs.Invalidf("envelope.recipients", "1 to %d recipients", MaxRecipients)
	}
	for i, r := range h.Recipients {
		field := "envelope.recipients[" + strconv.Itoa(i) + "]"
		if err := card.CheckAgencyID(r); err != nil {
			return errs.E(errs.Invalid, field, errs.PublicMessage(err))
		}
		if slices.Contains(h.Recipients[:i], r) {
			return errs.E(errs.Invalid, field, "duplicate recipient "+r)
		}
	}
	if !slices.Contains(h.Recipients, h.To) {
		return errs.E(errs.Invalid, "envelope.recipients", "recipients do not include "+h.To)
	}
	if h.Seq == 0 {
		return errs.E(errs.Invalid, "envelope.seq", "sequence numbers start at 1")
	}
	if h.Created.UnixMilli() <= 0 {
		return errs.E(errs.Invalid, "envelope.created", "created time is missing")
	}
	if err := CheckType(h.Type); err != nil {
		return err
	}
	if err := checkText(h.Thread, "envelope.thread"); err != nil {
		return err
	}
	if err := checkText(h.CaseRef, "envelope.caseRef"); err != nil {
		return err
	}
	if len(h.Handling) > MaxLabels {
		return errs.Invalidf("envelope.handling", "at most %d handling codes", MaxLabels)
	}
	for i, l := range h.Handling {
		field := "envelope.handling[" + strconv.Itoa(i) + "]"
		if !validLabel(l) {
			return errs.Invalidf(field, "handling code must be 1 to %d characters from A-Z a-z 0-9 : + . _ / -", MaxLabelLen)
		}
		if slices.Contains(h.Handling[:i], l) {
			return errs.E(errs.Invalid, field, "duplicate handling code "+l)
		}
	}
	if h.TLP != "" && !slices.Contains(tlpLabels, h.TLP) {
		return errs.E(errs.Invalid, "envelope.tlp", "TLP must be one of TLP:RED, TLP:AMBER+STRICT, TLP:AMBER, TLP:GREEN, TLP:CLEAR")
	}
	return nil
}

// CheckType validates a message type name: lower-case ASCII words of
// letters and digits joined by '-', optionally namespaced with '.'
// ("record-share", "acme.case-note"), at most MaxTypeLen bytes.
func CheckType(t string) error {
	bad := errs.Invalidf("envelope.type", "message type %q: want lower-case words joined by '-' or '.', at most %d bytes", t, MaxTypeLen)
	if t == "" || len(t) > MaxTypeLen {
		return bad
	}
	prev := byte('.') // a type starts like a new segment
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case 'a' <= c && c <= 'z':
		case '0' <= c && c <= '9':
			if prev == '.' {
				return bad // segments start with a letter
			}
		case c == '-' || c == '.':
			if prev == '-' || prev == '.' {
				return bad
			}
		default:
			return bad
		}
		prev = c
	}
	if prev == '-' || prev == '.' {
		return bad
	}
	return nil
}

func validLabel(l string) bool {
	if l == "" || len(l) > MaxLabelLen {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case i > 0 && (c == ':' || c == '+' || c == '.' || c == '_' || c == '/' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// checkText accepts an empty string or printable ASCII of at most
// MaxTextLen bytes without surrounding spaces.
func checkText(s, field string) error {
	if len(s) > MaxTextLen {
		return errs.Invalidf(field, "longer than %d bytes", MaxTextLen)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return errs.E(errs.Invalid, field, "only printable ASCII is allowed")
		}
	}
	if len(s) > 0 && (s[0] == ' ' || s[len(s)-1] == ' ') {
		return errs.E(errs.Invalid, field, "leading or trailing space")
	}
	return nil
}

// signedMessage is what the sender's Ed25519 signature covers.
func signedMessage(header []byte) []byte {
	return append([]byte(domainHeader), header...)
}

// hpkeInfo binds a ciphertext to the envelope it was made for.
func hpkeInfo(h *Header) []byte {
	b := []byte(domainHPKEInfo)
	b = append(b, Version)
	b = appendStr8(b, h.Sender)
	b = appendStr8(b, h.To)
	b = append(b, h.ID[:]...)
	b = appendStr8(b, h.Type)
	return binary.BigEndian.AppendUint64(b, h.Seq)
}

// commit is the payload commitment over the sealed plaintext.
func commit(inner []byte) [32]byte {
	s := sha256.New()
	s.Write([]byte(domainCommitment))
	s.Write(inner)
	var c [32]byte
	s.Sum(c[:0])
	return c
}

// cloneHeader returns a copy of h that shares no slices with it.
func cloneHeader(h *Header) Header {
	c := *h
	c.Recipients = slices.Clone(h.Recipients)
	c.Handling = slices.Clone(h.Handling)
	return c
}
