package federation

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation/card"
	"github.com/liaison-project/liaison/internal/identity"
)

// TypePartnerCard is the envelope type by which a node announces its
// renewed or rotated partner card to its partners. The receiver accepts it
// only as a rotation of the card it holds (card.VerifyRotation).
const TypePartnerCard = "partner-card"

// Partner is a partner agency as the API shows it.
type Partner struct {
	Agency       string    `json:"agency"`
	Name         string    `json:"name"`
	Country      string    `json:"country"`
	State        string    `json:"state" doc:"active, suspended or removed"`
	Fingerprint  string    `json:"fingerprint"`
	URLs         []string  `json:"urls"`
	TLSPin       string    `json:"tlsPin"`
	CardNotAfter time.Time `json:"cardNotAfter"`
	SigningKey   []byte    `json:"signingKey" doc:"the Ed25519 public key of the current card"`
	AuditOrigin  string    `json:"auditOrigin,omitempty" doc:"origin line of the partner's audit-log checkpoints"`
	Exercise     bool      `json:"exercise,omitempty" doc:"the partner is an exercise node (its signed card says so)"`
	AddedAt      time.Time `json:"addedAt"`
	ChangedAt    time.Time `json:"changedAt"`
}

// OwnCard is this node's current partner card and its fingerprint, which
// partner administrators check out of band.
type OwnCard struct {
	Card        *card.Card `json:"card"`
	Fingerprint string     `json:"fingerprint"`
}

// What AddPartner did.
const (
	PartnerAdded     = "added"     // a new partner, or a removed one added again
	PartnerRotated   = "rotated"   // the card replaces the current one, signed by its key
	PartnerReplaced  = "replaced"  // the card replaces the current one on a fingerprint checked out of band
	PartnerUnchanged = "unchanged" // the card was already the current one
)

// OwnCard returns this node's current partner card.
func (s *Service) OwnCard(ctx context.Context) (OwnCard, error) {
	c, err := s.loadOwnCard(ctx, s.db)
	if err != nil {
		return OwnCard{}, err
	}
	if c == nil {
		return OwnCard{}, errs.E(errs.NotExist, "this node has no partner card")
	}
	return OwnCard{Card: c, Fingerprint: card.Fingerprint(c)}, nil
}

func (s *Service) loadOwnCard(ctx context.Context, q db.Querier) (*card.Card, error) {
	var raw []byte
	err := q.QueryRowContext(ctx, `SELECT card FROM fed_own_cards WHERE is_current = ? ORDER BY id DESC LIMIT 1`, true).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load own card: %w", err)
	}
	c, err := card.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("stored own card: %w", err)
	}
	return c, nil
}

func (s *Service) cardParams() card.Params {
	return card.Params{URLs: s.cfg.URLs, AuditOrigin: audit.Origin(s.id.Agency), Validity: s.cfg.CardValidity, Exercise: s.cfg.Exercise}
}

// ownCardCurrent reports whether c still describes id at p and is not due
// for renewal at now.
func ownCardCurrent(c *card.Card, id *identity.Identity, p card.Params, now time.Time, renewBefore time.Duration) bool {
	pub := id.Public()
	return c.Agency == pub.Agency && c.Name == pub.Name && c.Country == pub.Country &&
		bytes.Equal(c.SigningKey, pub.SigningKey) && bytes.Equal(c.HPKE.Key, pub.HPKEKey) &&
		c.TLSPin == pub.TLSPin && slices.Equal(c.URLs, p.URLs) && c.AuditOrigin == p.AuditOrigin && c.Exercise == p.Exercise &&
		now.Add(renewBefore).Before(c.NotAfter) && !now.Before(c.NotBefore.Add(-card.ClockSkew))
}

// ensureOwnCard makes the node's card when it has none or when the stored
// one is out of date. A card of the same signing key is renewed as a
// rotation and announced to the partners; a card of a new signing key
// starts afresh, and partners must check its fingerprint out of band.
func (s *Service) ensureOwnCard(ctx context.Context) error {
	cur, err := s.loadOwnCard(ctx, s.db)
	if err != nil {
		return err
	}
	p := s.cardParams()
	now := s.now()
	if cur != nil && cur.Exercise != p.Exercise {
		// Its partners and data are on one side of the exercise boundary;
		// flipping the flag would carry them across.
		return errs.E(errs.Invalid, "exercise", fmt.Sprintf("this node was created with exercise=%v and its configuration now says exercise=%v: "+
			"a node never switches between exercise and real data; create another node (liaison init --exercise)", cur.Exercise, p.Exercise))
	}
	if cur != nil && ownCardCurrent(cur, s.id, p, now, s.cfg.CardRenewBefore) {
		return nil
	}
	var next *card.Card
	rotated := cur != nil && bytes.Equal(cur.SigningKey, s.id.SigningKey.Public().(ed25519.PublicKey))
	if rotated {
		at := now
		if !at.Truncate(time.Second).After(cur.NotBefore) { // a rotation must be issued later than its predecessor
			at = cur.NotBefore.Add(time.Second)
		}
		next, err = card.Rotate(cur, s.id.SigningKey, s.id, p, at)
	} else {
		next, err = card.New(s.id, p, now)
	}
	if err != nil {
		return fmt.Errorf("make partner card: %w", err)
	}
	raw, err := json.Marshal(next)
	if err != nil {
		return fmt.Errorf("encode partner card: %w", err)
	}
	fp := card.Fingerprint(next)
	var announced []string
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE fed_own_cards SET is_current = ? WHERE is_current = ?`, false, true); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO fed_own_cards (fingerprint, card, created_at, is_current) VALUES (?, ?, ?, ?)`,
			fp, raw, s.nowMicro(), true); err != nil {
			return err
		}
		e := audit.New(ctx, audit.PartnerChanged, audit.Ref{Type: "card", ID: fp})
		e.Agency = s.id.Agency
		e.Reason = "own card issued"
		if rotated {
			e.Reason = "own card renewed"
			// Tell every active partner; the receiver checks the rotation.
			for _, pa := range s.partners.all() {
				if pa.state != StateActive {
					continue
				}
				if _, err := s.Send(ctx, tx, Outbound{Type: TypePartnerCard, To: []string{pa.agency}, Payload: raw}); err != nil {
					return err
				}
				announced = append(announced, pa.agency)
			}
		}
		return s.audit.Append(ctx, tx, e)
	})
	if err != nil {
		return fmt.Errorf("store partner card: %w", err)
	}
	if cur != nil && !rotated {
		s.log.Warn("the signing key changed: partners must verify the new card's fingerprint out of band",
			slog.String("fingerprint", fp))
	} else {
		s.log.Info("partner card issued", slog.String("fingerprint", fp), slog.Any("announced_to", announced))
	}
	return nil
}

// ListPartners returns the partners, removed ones only when withRemoved.
func (s *Service) ListPartners(ctx context.Context, withRemoved bool) ([]Partner, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT agency, name, country, state, fingerprint, tls_pin, card, added_at, changed_at
		FROM fed_partners ORDER BY agency`)
	if err != nil {
		return nil, fmt.Errorf("list partners: %w", err)
	}
	defer rows.Close()
	out := []Partner{}
	for rows.Next() {
		p, err := scanPartner(rows)
		if err != nil {
			return nil, err
		}
		if p.State == StateRemoved && !withRemoved {
			continue
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// GetPartner returns one partner (also a removed one).
func (s *Service) GetPartner(ctx context.Context, agency string) (Partner, error) {
	return getPartner(ctx, s.db, agency)
}

func getPartner(ctx context.Context, q db.Querier, agency string) (Partner, error) {
	row := q.QueryRowContext(ctx, `SELECT agency, name, country, state, fingerprint, tls_pin, card, added_at, changed_at
		FROM fed_partners WHERE agency = ?`, agency)
	p, err := scanPartner(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Partner{}, errs.E(errs.NotExist, "agency", "no partner "+agency)
	}
	return p, err
}

type scanner interface{ Scan(dest ...any) error }

func scanPartner(r scanner) (Partner, error) {
	var p Partner
	var raw []byte
	var added, changed int64
	if err := r.Scan(&p.Agency, &p.Name, &p.Country, &p.State, &p.Fingerprint, &p.TLSPin, &raw, &added, &changed); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return p, err
		}
		return p, fmt.Errorf("read partner: %w", err)
	}
	c, err := card.Parse(raw)
	if err != nil {
		return p, fmt.Errorf("stored card of %s: %w", p.Agency, err)
	}
	p.URLs, p.CardNotAfter, p.SigningKey, p.AuditOrigin, p.Exercise = c.URLs, c.NotAfter, c.SigningKey, c.AuditOrigin, c.Exercise
	p.AddedAt, p.ChangedAt = fromMicro(added), fromMicro(changed)
	return p, nil
}

// AddPartner accepts a partner card. A card of an agency that is not yet a
// partner (or was removed) is accepted only when its self-signature holds
// and fingerprint, read out of band, matches it. A card of a current
// partner is accepted as a rotation when it is signed by the current card's
// key (card.VerifyRotation; fingerprint may then be empty), or as a
// replacement when fingerprint matches it (after the partner's old key was
// lost or compromised). It returns the partner and what happened
// (PartnerAdded, PartnerRotated, PartnerReplaced, PartnerUnchanged).
// Every change writes a partner-changed audit event.
func (s *Service) AddPartner(ctx context.Context, cardJSON []byte, fingerprint string) (Partner, string, error) {
	c, err := card.Parse(cardJSON)
	if err != nil {
		return Partner{}, "", err
	}
	now := s.now()
	if err := c.Verify(now); err != nil {
		return Partner{}, "", err
	}
	if c.Agency == s.id.Agency {
		return Partner{}, "", errs.E(errs.Invalid, "card.agency", "this is this node's own agency")
	}
	if fingerprint != "" {
		if err := card.VerifyFingerprint(c, fingerprint); err != nil {
			return Partner{}, "", err
		}
	}
	var what string
	var out Partner
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		var err error
		what, err = s.acceptCard(ctx, tx, c, fingerprint != "", now)
		if err != nil {
			return err
		}
		out, err = getPartner(ctx, tx, c.Agency)
		return err
	})
	if err != nil {
		return Partner{}, "", err
	}
	return out, what, nil
}

// acceptCard stores c as the partner's current card inside tx, deciding
// between adding, rotating and replacing. verified says that the caller
// checked c's fingerprint out of band.
func (s *Service) acceptCard(ctx context.Context, tx *db.Tx, c *card.Card, verified bool, now time.Time) (string, error) {
	if err := s.checkExercise(c); err != nil {
		return "", err
	}
	var state string
	var curRaw []byte
	err := tx.QueryRowContext(ctx, `SELECT state, card FROM fed_partners WHERE agency = ?`, c.Agency).Scan(&state, &curRaw)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("read partner: %w", err)
	}
	var what string
	switch {
	case !exists || state == StateRemoved:
		if !verified {
			return "", errs.E(errs.Precondition, "fingerprint",
				"a new partner's card needs its fingerprint, read to you out of band by the partner's administrator")
		}
		what = PartnerAdded
	default:
		cur, err := card.Parse(curRaw)
		if err != nil {
			return "", fmt.Errorf("stored card of %s: %w", c.Agency, err)
		}
		switch {
		case card.Fingerprint(cur) == card.Fingerprint(c) && cur.NotBefore.Equal(c.NotBefore):
			return PartnerUnchanged, nil
		case c.Supersedes != "" && card.VerifyRotation(cur, c, now) == nil:
			what = PartnerRotated
		case verified:
			what = PartnerReplaced
		case c.Supersedes != "":
			return "", card.VerifyRotation(cur, c, now)
		default:
			return "", errs.E(errs.Permission, "card",
				"the card does not supersede the current card of "+c.Agency+": check its fingerprint with the partner out of band and pass it")
		}
	}
	if err := s.checkPinFree(ctx, tx, c); err != nil {
		return "", err
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode card: %w", err)
	}
	ts := now.UnixMicro()
	fp := card.Fingerprint(c)
	if !exists {
		_, err = tx.ExecContext(ctx, `INSERT INTO fed_partners (agency, name, country, state, fingerprint, tls_pin, card,
			added_at, changed_at, next_out, next_in, last_contact, last_error, last_error_at, failures)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, 0, '', 0, 0)`,
			c.Agency, c.Name, c.Country, StateActive, fp, c.TLSPin, raw, ts, ts)
	} else {
		newState := state
		if what == PartnerAdded { // a removed partner comes back active
			newState = StateActive
		}
		_, err = tx.ExecContext(ctx, `UPDATE fed_partners SET name = ?, country = ?, state = ?, fingerprint = ?, tls_pin = ?, card = ?,
			changed_at = ? WHERE agency = ?`, c.Name, c.Country, newState, fp, c.TLSPin, raw, ts, c.Agency)
	}
	if err != nil {
		return "", fmt.Errorf("store partner: %w", err)
	}
	// A rotated card's key and certificate stay acceptable for KeyGrace, as
	// envelopes it signed may be in flight; after a replacement (the old key
	// may be compromised) and a removal they are not accepted any more.
	until := ts
	if what == PartnerRotated {
		until = now.Add(s.cfg.KeyGrace).UnixMicro()
	}
	if _, err := tx.ExecContext(ctx, `UPDATE fed_partner_cards SET superseded_at = ?, trusted_until = ?
		WHERE agency = ? AND superseded_at = 0`, ts, until, c.Agency); err != nil {
		return "", fmt.Errorf("supersede cards: %w", err)
	}
	kid := c.KeyID()
	if _, err := tx.ExecContext(ctx, `INSERT INTO fed_partner_cards (agency, key_id, fingerprint, card, accepted_at, superseded_at, trusted_until)
		VALUES (?, ?, ?, ?, ?, 0, 0)`, c.Agency, kid[:], fp, raw, ts); err != nil {
		return "", fmt.Errorf("store partner card: %w", err)
	}
	e := audit.New(ctx, audit.PartnerChanged, audit.Ref{Type: "partner", ID: c.Agency}, audit.Ref{Type: "card", ID: fp})
	e.Reason = what
	if err := s.audit.Append(ctx, tx, e); err != nil {
		return "", err
	}
	tx.OnCommit(s.partnersChanged)
	return what, nil
}

// checkExercise refuses a card on the other side of the exercise
// boundary: exercise data must never reach a real node, and a real
// node's data never an exercise.
func (s *Service) checkExercise(c *card.Card) error {
	switch {
	case s.cfg.Exercise && !c.Exercise:
		return errs.E(errs.Permission, "card.exercise", c.Agency+" is a real node: an exercise node federates only with exercise nodes")
	case !s.cfg.Exercise && c.Exercise:
		return errs.E(errs.Permission, "card.exercise", c.Agency+" is an exercise node: a real node never federates with exercise nodes")
	}
	return nil
}

// checkPinFree refuses a card whose TLS pin belongs to another partner:
// the pin is how the transport tells partners apart.
func (s *Service) checkPinFree(ctx context.Context, tx *db.Tx, c *card.Card) error {
	var other string
	err := tx.QueryRowContext(ctx, `SELECT agency FROM fed_partners WHERE tls_pin = ? AND agency <> ? AND state <> ? LIMIT 1`,
		c.TLSPin, c.Agency, StateRemoved).Scan(&other)
	switch {
	case err == nil:
		return errs.E(errs.Conflict, "card.tlsPin", "partner "+other+" already uses this TLS certificate")
	case errors.Is(err, sql.ErrNoRows):
		return nil
	default:
		return fmt.Errorf("check tls pin: %w", err)
	}
}

// SetPartnerState suspends (StateSuspended), resumes (StateActive) or
// removes (StateRemoved) a partner. A suspended or removed partner is
// refused at the TLS handshake and nothing is delivered to it; its queued
// envelopes wait, in order, until it is active again.
func (s *Service) SetPartnerState(ctx context.Context, agency, state string) (Partner, error) {
	if !slices.Contains([]string{StateActive, StateSuspended, StateRemoved}, state) {
		return Partner{}, errs.E(errs.Invalid, "state", "state must be active, suspended or removed")
	}
	var out Partner
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		p, err := getPartner(ctx, tx, agency)
		if err != nil {
			return err
		}
		if p.State == state {
			out = p
			return nil
		}
		if p.State == StateRemoved && state == StateActive {
			return errs.E(errs.Precondition, "state", "a removed partner comes back only by adding its card again, with its fingerprint")
		}
		if state == StateActive {
			if err := s.checkPinFree(ctx, tx, &card.Card{Agency: agency, TLSPin: p.TLSPin}); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE fed_partners SET state = ?, changed_at = ? WHERE agency = ?`,
			state, s.nowMicro(), agency); err != nil {
			return fmt.Errorf("update partner: %w", err)
		}
		e := audit.New(ctx, audit.PartnerChanged, audit.Ref{Type: "partner", ID: agency})
		e.Reason = map[string]string{StateActive: "resumed", StateSuspended: "suspended", StateRemoved: "removed"}[state]
		if err := s.audit.Append(ctx, tx, e); err != nil {
			return err
		}
		tx.OnCommit(s.partnersChanged)
		out, err = getPartner(ctx, tx, agency)
		return err
	})
	return out, err
}

// partnersChanged reloads the registry after a committed partner change and
// tells Run to start or stop workers.
func (s *Service) partnersChanged() {
	if err := s.loadPartners(context.Background()); err != nil {
		s.log.Error("reload partners", slog.String("error", err.Error()))
	}
	select {
	case s.reload <- struct{}{}:
	default:
	}
}

// receivePartnerCard handles a partner's announcement of its renewed or
// rotated card: it is accepted only as a rotation of the current card.
func (s *Service) receivePartnerCard(ctx context.Context, tx *db.Tx, m *Inbound) error {
	c, err := card.Parse(m.Payload)
	if err != nil {
		return err
	}
	if c.Agency != m.Sender {
		return errs.E(errs.Permission, "card.agency", "a partner may only announce its own card")
	}
	if c.Supersedes == "" {
		return errs.E(errs.Permission, "card.supersedes", "an announced card must supersede the current one")
	}
	what, err := s.acceptCard(ctx, tx, c, false, s.now())
	if err != nil {
		return err
	}
	s.log.Info("partner card announcement", slog.String("partner", m.Sender), slog.String("result", what))
	return nil
}
