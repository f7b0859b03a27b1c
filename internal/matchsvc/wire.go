package matchsvc

import (
	"crypto/ed25519"
	"encoding/binary"
	"fmt"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/match"
)

// ContentType is the media type of the binary matching messages on the
// federation API (evaluation requests and responses, table downloads).
const ContentType = "application/vnd.liaison.match"

// Federation API paths of the matching service.
const (
	pathEvaluate = "/federation/v1/match/evaluate"
	pathTable    = "/federation/v1/match/table"
)

// announcementDomain separates announcement signatures from every other
// signature made with an agency's key.
const announcementDomain = "liaison-match announcement v1\n"

// SignedAnnouncement is a holder's epoch announcement signed with the
// agency key of its partner card: transferable evidence of the key the
// holder committed to for the epoch.
type SignedAnnouncement struct {
	Announcement match.Announcement
	Raw          []byte            // the announcement's canonical encoding, which is signed
	SigningKey   ed25519.PublicKey // the holder's agency key; its fingerprint must be the partner card's
	Signature    []byte
}

func signedMessage(raw []byte) []byte {
	return append([]byte(announcementDomain), raw...)
}

// signAnnouncement signs a's encoding with the holder's agency key.
func signAnnouncement(a match.Announcement, key ed25519.PrivateKey) (SignedAnnouncement, error) {
	raw, err := a.MarshalBinary()
	if err != nil {
		return SignedAnnouncement{}, err
	}
	return SignedAnnouncement{Announcement: a, Raw: raw, SigningKey: key.Public().(ed25519.PublicKey),
		Signature: ed25519.Sign(key, signedMessage(raw))}, nil
}

// verify checks the signature; the caller checks that SigningKey is the
// key of the holder's partner card.
func (sa SignedAnnouncement) verify() error {
	if len(sa.SigningKey) != ed25519.PublicKeySize || len(sa.Signature) != ed25519.SignatureSize ||
		!ed25519.Verify(sa.SigningKey, signedMessage(sa.Raw), sa.Signature) {
		return errs.E(errs.Invalid, "announcement.signature", "the epoch announcement's signature does not verify")
	}
	return nil
}

// tableResponse is a holder's answer to a table download: the signed
// announcement of the epoch, the view's generation (a new one whenever the
// holder rebuilt the view, for instance after a restart) and either a
// whole snapshot or the deltas since the version the querier holds (none
// when it is up to date).
type tableResponse struct {
	Announcement SignedAnnouncement
	Generation   uint64
	Snapshot     []byte   // encoded match.Snapshot, or nil
	Deltas       [][]byte // encoded match.Delta, in order, when Snapshot is nil
}

const (
	tableMagic   = "LMR\x01"
	kindSnapshot = 1
	kindDeltas   = 2
	maxDeltas    = 4096
)

// marshal encodes the response:
//
//	magic "LMR\x01" | u8 len, announcement | 32 key | 64 signature |
//	u64 generation | u8 kind | kind 1: u32 len, snapshot |
//	kind 2: u16 count, count × (u32 len, delta)
func (r *tableResponse) marshal() []byte {
	size := 128 + len(r.Announcement.Raw) + len(r.Snapshot)
	for _, d := range r.Deltas {
		size += 4 + len(d)
	}
	b := make([]byte, 0, size)
	b = append(b, tableMagic...)
	b = append(b, byte(len(r.Announcement.Raw)))
	b = append(b, r.Announcement.Raw...)
	b = append(b, r.Announcement.SigningKey...)
	b = append(b, r.Announcement.Signature...)
	b = binary.BigEndian.AppendUint64(b, r.Generation)
	if r.Snapshot != nil {
		b = append(b, kindSnapshot)
		b = binary.BigEndian.AppendUint32(b, uint32(len(r.Snapshot)))
		return append(b, r.Snapshot...)
	}
	b = append(b, kindDeltas)
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.Deltas)))
	for _, d := range r.Deltas {
		b = binary.BigEndian.AppendUint32(b, uint32(len(d)))
		b = append(b, d...)
	}
	return b
}

// parseTableResponse decodes a table download strictly: wrong magic or
// version, a malformed announcement, lengths that do not fit the bytes
// present, an unknown kind, too many deltas and trailing bytes are all
// errs.Invalid. It checks the announcement's signature but not whose key
// signed it, nor the snapshot and deltas inside (match.ParseTable and
// match.ParseDelta do).
func parseTableResponse(b []byte) (*tableResponse, error) {
	r := reader{b: b}
	if string(r.take(len(tableMagic))) != tableMagic {
		return nil, errs.E(errs.Invalid, "table.magic", "not a matching table response of version 1")
	}
	var out tableResponse
	n := int(r.u8())
	out.Announcement.Raw = r.take(n)
	out.Announcement.SigningKey = ed25519.PublicKey(r.take(ed25519.PublicKeySize))
	out.Announcement.Signature = r.take(ed25519.SignatureSize)
	out.Generation = r.u64()
	switch kind := r.u8(); {
	case r.err != nil:
	case kind == kindSnapshot:
		out.Snapshot = r.take(int(r.u32()))
	case kind == kindDeltas:
		count := int(r.u16())
		if count > maxDeltas {
			return nil, errs.E(errs.Invalid, "table.deltas", fmt.Sprintf("%d deltas: at most %d", count, maxDeltas))
		}
		for range count {
			d := r.take(int(r.u32()))
			if r.err != nil {
				break
			}
			out.Deltas = append(out.Deltas, d)
		}
	default:
		return nil, errs.E(errs.Invalid, "table.kind", fmt.Sprintf("unknown kind %d", kind))
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, errs.E(errs.Invalid, "table", fmt.Sprintf("%d trailing bytes", len(r.b)))
	}
	a, err := match.ParseAnnouncement(out.Announcement.Raw)
	if err != nil {
		return nil, err
	}
	out.Announcement.Announcement = a
	if err := out.Announcement.verify(); err != nil {
		return nil, err
	}
	return &out, nil
}

// reader consumes big-endian fields; the first shortfall sticks.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b) < n {
		r.err = errs.E(errs.Invalid, "table", fmt.Sprintf("truncated: need %d bytes, have %d", n, len(r.b)))
		return nil
	}
	p := r.b[:n:n]
	r.b = r.b[n:]
	return p
}

func (r *reader) u8() uint8 {
	if p := r.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if p := r.take(2); p != nil {
		return binary.BigEndian.Uint16(p)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if p := r.take(4); p != nil {
		return binary.BigEndian.Uint32(p)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if p := r.take(8); p != nil {
		return binary.BigEndian.Uint64(p)
	}
	return 0
}
