package match

import (
	"crypto/subtle"
	"fmt"
	"io"
	"time"

	"github.com/cloudflare/circl/oprf"

	"github.com/liaison-project/liaison/internal/errs"
)

// EpochID numbers a holder's key epochs, starting at 1. Every epoch has its
// own OPRF key, so tags published in one epoch are useless in the next.
type EpochID uint32

// Schedule turns a clock into epochs: epoch e is current during
// [Origin+(e-1)·Length, Origin+e·Length) and still answered for Grace after
// that, so queriers have time to fetch the next epoch's announcement and
// table. Epoch windows therefore overlap by Grace.
type Schedule struct {
	Origin time.Time     // start of epoch 1
	Length time.Duration // how long an epoch is current; at least an hour
	Grace  time.Duration // how long an epoch is still answered after that; less than Length
}

// Validate checks the schedule's bounds.
func (s Schedule) Validate() error {
	switch {
	case s.Origin.IsZero():
		return errs.E(errs.Invalid, "schedule.origin", "epoch schedule needs an origin")
	case s.Length < time.Hour:
		return errs.E(errs.Invalid, "schedule.length", "epochs must last at least an hour")
	case s.Grace < 0 || s.Grace >= s.Length:
		return errs.E(errs.Invalid, "schedule.grace", "grace must be at least zero and shorter than an epoch")
	}
	return nil
}

// Current returns the epoch that is current at now.
func (s Schedule) Current(now time.Time) (EpochID, error) {
	if err := s.Validate(); err != nil {
		return 0, err
	}
	if now.Before(s.Origin) {
		return 0, errs.E(errs.Invalid, "schedule", "time is before the first epoch")
	}
	n := int64(now.Sub(s.Origin) / s.Length)
	if n+1 > int64(^uint32(0)) {
		return 0, errs.E(errs.Invalid, "schedule", "epoch number overflows")
	}
	return EpochID(n + 1), nil
}

// Window returns when epoch e is answered: from the moment it becomes
// current until Grace after the next epoch becomes current.
func (s Schedule) Window(e EpochID) (notBefore, notAfter time.Time) {
	notBefore = s.Origin.Add(time.Duration(e-1) * s.Length)
	return notBefore, notBefore.Add(s.Length + s.Grace)
}

// EpochKey is a holder's secret for one epoch: the POPRF private key and the
// key that derives follow-up references. It is what the holder must store
// (encrypted at rest) to answer queries and keep its index, and destroy once
// NotAfter has passed.
type EpochKey struct {
	Epoch     EpochID
	NotBefore time.Time // first instant queries are answered
	NotAfter  time.Time // first instant queries are refused

	oprfKey *oprf.PrivateKey
	refKey  [32]byte
}

// GenerateEpochKey draws a fresh random key for epoch e, answered during
// [notBefore, notAfter). Times are truncated to whole seconds (the wire
// precision). Keys are random rather than derived from a master secret so
// that destroying an epoch key really retires that epoch's published tables
// as dictionaries: nothing left on the holder can recompute them.
func GenerateEpochKey(e EpochID, notBefore, notAfter time.Time, rnd io.Reader) (*EpochKey, error) {
	notBefore, notAfter = notBefore.Truncate(time.Second).UTC(), notAfter.Truncate(time.Second).UTC()
	if err := checkWindow(e, notBefore, notAfter); err != nil {
		return nil, err
	}
	sk, err := oprf.GenerateKey(suite, rnd)
	if err != nil {
		return nil, fmt.Errorf("generate epoch %d key: %w", e, err)
	}
	k := &EpochKey{Epoch: e, NotBefore: notBefore, NotAfter: notAfter, oprfKey: sk}
	if _, err := io.ReadFull(rnd, k.refKey[:]); err != nil {
		return nil, fmt.Errorf("generate epoch %d reference key: %w", e, err)
	}
	sk.Public() // compute the cached public key now, before concurrent use
	return k, nil
}

func checkWindow(e EpochID, notBefore, notAfter time.Time) error {
	if e == 0 {
		return errs.E(errs.Invalid, "epoch", "epoch ids start at 1")
	}
	if !notBefore.Before(notAfter) {
		return errs.E(errs.Invalid, "epoch", fmt.Sprintf("epoch %d window is empty", e))
	}
	return nil
}

// Active reports whether queries for this epoch are answered at now.
func (k *EpochKey) Active(now time.Time) bool {
	return !now.Before(k.NotBefore) && now.Before(k.NotAfter)
}

// PublicKey returns the epoch's POPRF public key in its 32-byte encoding.
func (k *EpochKey) PublicKey() [32]byte {
	var pk [32]byte
	b, err := k.oprfKey.Public().MarshalBinary()
	if err != nil || len(b) != len(pk) {
		panic("match: cannot encode a ristretto255 public key") // a valid key always encodes to 32 bytes
	}
	copy(pk[:], b)
	return pk
}

// Announcement returns the public half of the epoch key, which the holder
// publishes to every partner.
func (k *EpochKey) Announcement(holder string) (Announcement, error) {
	if err := checkAgency("holder", holder); err != nil {
		return Announcement{}, err
	}
	return Announcement{Holder: holder, Epoch: k.Epoch, NotBefore: k.NotBefore, NotAfter: k.NotAfter, PublicKey: k.PublicKey()}, nil
}

const epochKeyMagic = "LMK\x01"

// MarshalBinary encodes the key, secrets included. Store the result only
// encrypted at rest, and delete it once NotAfter has passed.
func (k *EpochKey) MarshalBinary() ([]byte, error) {
	sk, err := k.oprfKey.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("encode epoch key: %w", err)
	}
	var w writer
	w.bytes([]byte(epochKeyMagic))
	w.u32(uint32(k.Epoch))
	w.time(k.NotBefore)
	w.time(k.NotAfter)
	w.bytes(sk)
	w.bytes(k.refKey[:])
	return w.b, nil
}

// ParseEpochKey decodes a key written by [EpochKey.MarshalBinary].
func ParseEpochKey(b []byte) (*EpochKey, error) {
	r := reader{b: b, what: "epoch key"}
	r.magic(epochKeyMagic)
	k := &EpochKey{Epoch: EpochID(r.u32("epoch"))}
	k.NotBefore = r.time("not_before")
	k.NotAfter = r.time("not_after")
	skBytes := r.take("private_key", 32)
	refKey := r.take("ref_key", 32)
	if err := r.end(); err != nil {
		return nil, err
	}
	if err := checkWindow(k.Epoch, k.NotBefore, k.NotAfter); err != nil {
		return nil, err
	}
	k.oprfKey = new(oprf.PrivateKey)
	if err := k.oprfKey.UnmarshalBinary(suite, skBytes); err != nil {
		return nil, errs.E(errs.Invalid, "epoch_key.private_key", "not a valid ristretto255 scalar", err)
	}
	copy(k.refKey[:], refKey)
	if subtle.ConstantTimeCompare(k.refKey[:], make([]byte, 32)) == 1 {
		return nil, errs.E(errs.Invalid, "epoch_key.ref_key", "reference key is all zero")
	}
	k.oprfKey.Public()
	return k, nil
}

// Announcement is what a holder publishes about one epoch: the POPRF public
// key queriers verify every evaluation against, and when the epoch is
// answered. It travels inside a signed partner card or epoch announcement;
// this package does not sign it. Queriers should compare announcements
// between partners (or a transparency log): one holder key per epoch for all
// partners is what makes a per-querier key detectable.
type Announcement struct {
	Holder    string
	Epoch     EpochID
	NotBefore time.Time
	NotAfter  time.Time
	PublicKey [32]byte
}

const announcementMagic = "LMA\x01"

// MarshalBinary encodes the announcement canonically; sign these bytes.
func (a Announcement) MarshalBinary() ([]byte, error) {
	if err := a.validate(); err != nil {
		return nil, err
	}
	var w writer
	w.bytes([]byte(announcementMagic))
	w.str8(a.Holder)
	w.u32(uint32(a.Epoch))
	w.time(a.NotBefore)
	w.time(a.NotAfter)
	w.bytes(a.PublicKey[:])
	return w.b, nil
}

// ParseAnnouncement decodes and validates an announcement.
func ParseAnnouncement(b []byte) (Announcement, error) {
	r := reader{b: b, what: "announcement"}
	r.magic(announcementMagic)
	var a Announcement
	a.Holder = r.str8("holder", MaxAgencyLen)
	a.Epoch = EpochID(r.u32("epoch"))
	a.NotBefore = r.time("not_before")
	a.NotAfter = r.time("not_after")
	copy(a.PublicKey[:], r.take("public_key", 32))
	if err := r.end(); err != nil {
		return Announcement{}, err
	}
	if err := a.validate(); err != nil {
		return Announcement{}, err
	}
	return a, nil
}

func (a Announcement) validate() error {
	if err := checkAgency("announcement.holder", a.Holder); err != nil {
		return err
	}
	if err := checkWindow(a.Epoch, a.NotBefore, a.NotAfter); err != nil {
		return err
	}
	_, err := a.publicKey()
	return err
}

func (a Announcement) publicKey() (*oprf.PublicKey, error) {
	pk := new(oprf.PublicKey)
	if err := pk.UnmarshalBinary(suite, a.PublicKey[:]); err != nil {
		return nil, errs.E(errs.Invalid, "announcement.public_key", "not a valid ristretto255 public key", err)
	}
	return pk, nil
}

// Active reports whether the holder answers this epoch at now.
func (a Announcement) Active(now time.Time) bool {
	return !now.Before(a.NotBefore) && now.Before(a.NotAfter)
}

func epochInactive(e EpochID, notBefore, notAfter, now time.Time) error {
	if now.Before(notBefore) {
		return errs.E(errs.Invalid, "epoch", fmt.Sprintf("epoch %d starts at %s", e, notBefore.Format(time.RFC3339)), ErrEpochInactive)
	}
	return errs.E(errs.Invalid, "epoch", fmt.Sprintf("epoch %d expired at %s: fetch the current announcement", e, notAfter.Format(time.RFC3339)), ErrEpochInactive)
}
