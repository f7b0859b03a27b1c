package matchsvc

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/ids"
	"github.com/liaison-project/liaison/internal/match"
)

// storedHit is a hit kept for its follow-up: the reference, never the
// value.
type storedHit struct {
	id       string
	queryID  string
	bulkRun  string
	partner  string
	epoch    match.EpochID
	typ      match.Type
	ref      match.Ref
	index    int
	officer  string
	caseRef  string
	purpose  string
	followed time.Time
}

func insertHits(ctx context.Context, tx *db.Tx, hits []storedHit, now time.Time) error {
	for _, h := range hits {
		if _, err := tx.ExecContext(ctx, `INSERT INTO match_hits (id, query_id, bulk_run, partner, epoch, type, ref, strength,
			value_index, officer_id, case_ref, purpose, created_at, followed_up_at, follow_up_message)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '')`,
			h.id, h.queryID, h.bulkRun, h.partner, int64(h.epoch), h.typ.String(), h.ref[:], h.typ.Strength().String(),
			h.index, h.officer, h.caseRef, h.purpose, now.UnixMicro()); err != nil {
			return fmt.Errorf("store hit: %w", err)
		}
	}
	return nil
}

const hitColumns = `id, query_id, bulk_run, partner, epoch, type, ref, value_index, officer_id, case_ref, purpose, followed_up_at`

func scanHit(row interface{ Scan(...any) error }) (*storedHit, error) {
	var h storedHit
	var epoch, followed int64
	var typ string
	var ref []byte
	if err := row.Scan(&h.id, &h.queryID, &h.bulkRun, &h.partner, &epoch, &typ, &ref, &h.index, &h.officer, &h.caseRef,
		&h.purpose, &followed); err != nil {
		return nil, err
	}
	t, err := match.ParseType(typ)
	if err != nil || len(ref) != match.RefSize {
		return nil, fmt.Errorf("stored hit %s is malformed", h.id)
	}
	h.epoch, h.typ, h.followed = match.EpochID(epoch), t, fromMicro(followed)
	copy(h.ref[:], ref)
	return &h, nil
}

// followUpPayload is the structured hit-follow-up message: the holder's
// opaque reference and what the holder's SPOC needs to decide.
type followUpPayload struct {
	Version       int    `json:"version"`
	Reference     string `json:"reference"` // hex of the match.Ref
	Epoch         uint32 `json:"epoch"`
	Type          string `json:"type"`
	CaseRef       string `json:"caseRef"`
	Purpose       string `json:"purpose"`
	Justification string `json:"justification"`
	Officer       string `json:"officer"` // the requesting officer, as the holder may contact them
}

// maxFollowUpPayload bounds a follow-up message's payload.
const maxFollowUpPayload = 8 << 10

// parseFollowUpPayload decodes a follow-up strictly: unknown fields, a
// malformed reference, type, case or purpose, over-long or control-laden
// texts and trailing data are errs.Invalid.
func parseFollowUpPayload(b []byte) (*followUpPayload, match.Ref, match.Type, error) {
	var ref match.Ref
	var p followUpPayload
	if err := federation.DecodePayload(b, maxFollowUpPayload, &p); err != nil {
		return nil, ref, 0, err
	}
	if p.Version != 1 {
		return nil, ref, 0, errs.E(errs.Invalid, "payload.version", "unsupported follow-up version "+strconv.Itoa(p.Version))
	}
	raw, err := hex.DecodeString(p.Reference)
	if err != nil || len(raw) != match.RefSize || p.Reference != strings.ToLower(p.Reference) {
		return nil, ref, 0, errs.E(errs.Invalid, "payload.reference", fmt.Sprintf("reference must be %d lower-case hex digits", 2*match.RefSize))
	}
	copy(ref[:], raw)
	if p.Epoch == 0 {
		return nil, ref, 0, errs.E(errs.Invalid, "payload.epoch", "epoch ids start at 1")
	}
	t, err := match.ParseType(p.Type)
	if err != nil {
		return nil, ref, 0, errs.E(errs.Invalid, "payload.type", errs.PublicMessage(err))
	}
	switch {
	case !match.ValidCase(p.CaseRef):
		return nil, ref, 0, errs.E(errs.Invalid, "payload.caseRef", "malformed case reference")
	case !match.ValidPurpose(p.Purpose):
		return nil, ref, 0, errs.E(errs.Invalid, "payload.purpose", "malformed purpose")
	case !printable(p.Justification, audit.MaxTextLen, true) || strings.TrimSpace(p.Justification) == "":
		return nil, ref, 0, errs.E(errs.Invalid, "payload.justification", "justification must be 1–1000 bytes of text")
	case !printable(p.Officer, audit.MaxIDLen, false):
		return nil, ref, 0, errs.E(errs.Invalid, "payload.officer", "officer must be at most 200 bytes of text")
	}
	return &p, ref, t, nil
}

// printable reports whether s is valid UTF-8 of at most max bytes without
// control characters (newlines allowed when multiline).
func printable(s string, max int, multiline bool) bool {
	if len(s) > max || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if (r < 0x20 && !(multiline && (r == '\n' || r == '\t'))) || r == 0x7f {
			return false
		}
	}
	return true
}

// FollowUp sends the holder of a hit a structured follow-up request
// (message type hit-follow-up) with the officer's justification: the
// second, legal step in which the holder decides what to share. Only the
// officer who obtained the hit, or a SPOC, follows it up, once.
func (s *Service) FollowUp(ctx context.Context, hitID string, req FollowUpRequest) (*FollowUpSent, error) {
	p, err := officer(ctx, followUpRoles)
	if err != nil {
		return nil, err
	}
	ctx, j, err := justified(ctx, req.Justification, req.CaseRef)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(j.Text) == "" {
		return nil, errs.E(errs.Precondition, "justification", "a follow-up needs a justification text: the holder decides on it")
	}
	if !ids.Valid(hitID) {
		return nil, errs.E(errs.NotExist, "hit", "no such hit")
	}
	var out *FollowUpSent
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		h, err := scanHit(tx.QueryRowContext(ctx, `SELECT `+hitColumns+` FROM match_hits WHERE id = ?`, hitID))
		if errors.Is(err, sql.ErrNoRows) || (err == nil && h.officer != p.UserID && p.Role != access.SPOC) {
			return errs.E(errs.NotExist, "hit", "no such hit")
		}
		if err != nil {
			return err
		}
		if !h.followed.IsZero() {
			return errs.E(errs.Conflict, "hit", "this hit was followed up on "+h.followed.Format(time.RFC3339))
		}
		name := p.DisplayName
		if name == "" {
			name = p.Username
		}
		payload, err := json.Marshal(followUpPayload{Version: 1, Reference: h.ref.String(), Epoch: uint32(h.epoch), Type: h.typ.String(),
			CaseRef: j.CaseRef, Purpose: h.purpose, Justification: j.Text, Officer: truncate(name, 150)})
		if err != nil {
			return err
		}
		msgID, err := s.fed.Send(ctx, tx, federation.Outbound{Type: TypeFollowUp, To: []string{h.partner}, CaseRef: j.CaseRef,
			Officer: p.UserID, Payload: payload})
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE match_hits SET followed_up_at = ?, follow_up_message = ? WHERE id = ?`,
			now.UnixMicro(), msgID.String(), h.id); err != nil {
			return err
		}
		e := audit.New(ctx, audit.Disclose, audit.Ref{Type: "match-hit", ID: h.id}, audit.Ref{Type: "message", ID: msgID.String()})
		e.Purpose, e.Recipients, e.Reason = h.purpose, []string{h.partner}, "hit follow-up sent"
		if err := s.audit.Append(ctx, tx, e); err != nil {
			return err
		}
		out = &FollowUpSent{HitID: h.id, Partner: h.partner, Type: h.typ.String(), Strength: h.typ.Strength().String(),
			Reference: h.ref.String(), CaseRef: j.CaseRef, MessageID: msgID.String(), SentAt: now.UTC()}
		return nil
	})
	return out, err
}

// Follow-up states at the holder.
const (
	followUpResolving = "resolving" // received; the reference is being resolved
	followUpOpen      = "open"      // waits for the SPOC's answer
	followUpAnswered  = "answered"
)

// receiveFollowUp records a partner's follow-up as a task for this node's
// SPOC, due within the follow-up deadline. The reference is resolved to
// records after the commit ([Service.Sync]), outside the delivery's
// transaction.
func (s *Service) receiveFollowUp(ctx context.Context, tx *db.Tx, m *federation.Inbound) error {
	p, ref, t, err := parseFollowUpPayload(m.Payload)
	if err != nil {
		return err
	}
	id := ids.New()
	now := s.now()
	due := now.Add(s.cfg.FollowUpDeadline)
	if _, err := tx.ExecContext(ctx, `INSERT INTO match_follow_ups (id, partner, message_id, officer, epoch, type, ref, case_ref,
		purpose, justification, received_at, due_at, state, records, resolution, outcome, note, answered_by, answered_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '[]', '', '', '', '', 0)`,
		id, m.Sender, m.ID.String(), p.Officer, int64(p.Epoch), t.String(), ref[:], p.CaseRef, p.Purpose, p.Justification,
		now.UnixMicro(), due.UnixMicro(), followUpResolving); err != nil {
		return fmt.Errorf("store follow-up: %w", err)
	}
	e := audit.New(ctx, audit.Collect, audit.Ref{Type: "match-follow-up", ID: id}, audit.Ref{Type: "message", ID: m.ID.String()})
	e.Purpose, e.CaseRef = p.Purpose, p.CaseRef
	e.Reason = "hit follow-up received, due " + due.UTC().Format(time.RFC3339)
	if err := s.audit.Append(ctx, tx, e); err != nil {
		return err
	}
	if err := s.recordAlerts(ctx, tx, s.monitor.FollowedUp(m.Sender, t)); err != nil {
		return err
	}
	tx.OnCommit(func() { nudge(s.wake) })
	return nil
}

// resolveFollowUps resolves received references to the records of the
// partner's view that hold the value: it recomputes, for every key of
// every record in that view, the reference the partner would have got
// (one HMAC each), so the index keeps no reference table. Part of Sync.
func (s *Service) resolveFollowUps(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, partner, epoch, type, ref FROM match_follow_ups WHERE state = ? ORDER BY received_at LIMIT 100`,
		followUpResolving)
	if err != nil {
		return fmt.Errorf("read follow-ups: %w", err)
	}
	type pending struct {
		id, partner string
		epoch       match.EpochID
		typ         match.Type
		ref         match.Ref
	}
	var todo []pending
	for rows.Next() {
		var p pending
		var epoch int64
		var typ string
		var ref []byte
		if err := rows.Scan(&p.id, &p.partner, &epoch, &typ, &ref); err != nil {
			rows.Close()
			return fmt.Errorf("read follow-ups: %w", err)
		}
		p.epoch = match.EpochID(epoch)
		p.typ, _ = match.ParseType(typ)
		copy(p.ref[:], ref)
		todo = append(todo, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, p := range todo {
		recs, resolution := s.resolve(p.partner, p.epoch, p.typ, p.ref)
		slices.Sort(recs)
		list, err := json.Marshal(recs)
		if err != nil {
			return err
		}
		err = s.db.Write(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE match_follow_ups SET state = ?, records = ?, resolution = ? WHERE id = ? AND state = ?`,
				followUpOpen, string(list), resolution, p.id, followUpResolving); err != nil {
				return err
			}
			refs := []audit.Ref{{Type: "match-follow-up", ID: p.id}}
			for _, r := range recs {
				if len(refs) < audit.MaxObjects {
					refs = append(refs, audit.Ref{Type: "record", ID: r})
				}
			}
			e := audit.New(ctx, audit.Consult, refs...)
			e.Agency, e.Reason = p.partner, "hit follow-up resolved: "+resolution
			return s.audit.Append(ctx, tx, e)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// resolve returns the records of partner's view of epoch e that hold a
// value of type t whose reference is ref. Caller holds the index step.
func (s *Service) resolve(partner string, e match.EpochID, t match.Type, ref match.Ref) ([]string, string) {
	vk := viewKey{e, partner}
	var recs []string
	for id, r := range s.idx.recs {
		if !slices.Contains(r.in, vk) {
			continue
		}
		for _, k := range r.keys {
			if k.Type != t {
				continue
			}
			got, err := s.holder.Ref(partner, e, k)
			if err != nil {
				return nil, "the reference's epoch has expired: ask the partner to query again"
			}
			if got == ref {
				recs = append(recs, id)
				break
			}
		}
	}
	if len(recs) == 0 {
		if _, held := s.idx.keys[e]; !held {
			return nil, "the reference's epoch has expired: ask the partner to query again"
		}
		return nil, "the reference matches no record the partner may match now (changed, withdrawn or erased since the hit)"
	}
	return recs, fmt.Sprintf("resolved to %d record(s)", len(recs))
}

// ListFollowUps returns the follow-ups partners sent this node, newest
// first, after the cursor (a received time and id).
func (s *Service) ListFollowUps(ctx context.Context, limit int, before *followUpCursor) ([]FollowUp, *followUpCursor, error) {
	if _, err := officer(ctx, overseeRoles); err != nil {
		return nil, nil, err
	}
	cond, args := "", []any{}
	if before != nil {
		cond = ` WHERE (received_at < ? OR (received_at = ? AND id < ?))`
		args = append(args, before.At, before.At, before.ID)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, partner, officer, type, epoch, ref, case_ref, purpose, justification, received_at,
		due_at, state, records, resolution, outcome, note, answered_by, answered_at FROM match_follow_ups`+cond+`
		ORDER BY received_at DESC, id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, nil, fmt.Errorf("list follow-ups: %w", err)
	}
	defer rows.Close()
	now := s.now()
	out := []FollowUp{}
	for rows.Next() {
		var f FollowUp
		var epoch, received, due, answered int64
		var ref []byte
		var recs string
		if err := rows.Scan(&f.ID, &f.Partner, &f.Officer, &f.Type, &epoch, &ref, &f.CaseRef, &f.Purpose, &f.Justification, &received,
			&due, &f.State, &recs, &f.Resolution, &f.Outcome, &f.Note, &f.AnsweredBy, &answered); err != nil {
			return nil, nil, fmt.Errorf("list follow-ups: %w", err)
		}
		f.Epoch, f.Reference = uint32(epoch), hex.EncodeToString(ref)
		f.ReceivedAt, f.DueAt, f.AnsweredAt = fromMicro(received), fromMicro(due), fromMicro(answered)
		if err := json.Unmarshal([]byte(recs), &f.Records); err != nil {
			return nil, nil, fmt.Errorf("follow-up %s records: %w", f.ID, err)
		}
		switch {
		case f.State == followUpAnswered:
			f.Due = "done"
		case now.After(f.DueAt):
			f.Due = "overdue"
		default:
			f.Due = "due"
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	var next *followUpCursor
	if len(out) > limit {
		out = out[:limit]
		last := out[len(out)-1]
		next = &followUpCursor{At: last.ReceivedAt.UnixMicro(), ID: last.ID}
	}
	ids := make([]audit.Ref, 0, len(out))
	for _, f := range out {
		if len(ids) < audit.MaxObjects {
			ids = append(ids, audit.Ref{Type: "match-follow-up", ID: f.ID})
		}
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		e := audit.New(ctx, audit.Consult, ids...)
		e.Reason = "hit follow-ups listed"
		return s.audit.Append(ctx, tx, e)
	})
	return out, next, err
}

type followUpCursor struct {
	At int64  `json:"t"`
	ID string `json:"i"`
}

// Follow-up outcomes.
var outcomes = []string{"shared", "declined", "no-record"}

// Answer records the SPOC's answer to a follow-up: the records were
// shared through the normal channels, the request was declined, or there
// is nothing to share.
func (s *Service) Answer(ctx context.Context, id string, req AnswerRequest) error {
	p, err := officer(ctx, answerRoles)
	if err != nil {
		return err
	}
	if access.JustificationFrom(ctx).Empty() {
		return errs.E(errs.Precondition, "justification", "a justification or case reference is required")
	}
	if !slices.Contains(outcomes, req.Outcome) {
		return errs.E(errs.Invalid, "outcome", "outcome must be shared, declined or no-record")
	}
	if !printable(req.Note, audit.MaxTextLen, true) {
		return errs.E(errs.Invalid, "note", "note must be at most 1000 bytes of text")
	}
	if !ids.Valid(id) {
		return errs.E(errs.NotExist, "id", "no such follow-up")
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		var state string
		err := tx.QueryRowContext(ctx, `SELECT state FROM match_follow_ups WHERE id = ?`, id).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotExist, "id", "no such follow-up")
		}
		if err != nil {
			return err
		}
		if state == followUpAnswered {
			return errs.E(errs.Conflict, "id", "the follow-up was answered already")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE match_follow_ups SET state = ?, outcome = ?, note = ?, answered_by = ?, answered_at = ? WHERE id = ?`,
			followUpAnswered, req.Outcome, req.Note, p.Username, s.now().UnixMicro(), id); err != nil {
			return err
		}
		e := audit.New(ctx, audit.Alter, audit.Ref{Type: "match-follow-up", ID: id})
		e.Reason = "hit follow-up answered: " + req.Outcome
		return s.audit.Append(ctx, tx, e)
	})
}

// SentFollowUps lists the hits this node followed up: the officer's own,
// or all for a SPOC. The listing is a consultation, audited with the hits
// it returns (none: still one event).
func (s *Service) SentFollowUps(ctx context.Context, limit int) ([]FollowUpSent, error) {
	p, err := officer(ctx, followUpRoles)
	if err != nil {
		return nil, err
	}
	cond, args := "", []any{}
	if p.Role != access.SPOC {
		cond, args = " AND officer_id = ?", append(args, p.UserID)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, partner, type, ref, case_ref, follow_up_message, followed_up_at FROM match_hits
		WHERE followed_up_at > 0`+cond+` ORDER BY followed_up_at DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list sent follow-ups: %w", err)
	}
	defer rows.Close()
	out := []FollowUpSent{}
	for rows.Next() {
		var f FollowUpSent
		var ref []byte
		var at int64
		if err := rows.Scan(&f.HitID, &f.Partner, &f.Type, &ref, &f.CaseRef, &f.MessageID, &at); err != nil {
			return nil, err
		}
		t, _ := match.ParseType(f.Type)
		f.Strength, f.Reference, f.SentAt = t.Strength().String(), hex.EncodeToString(ref), fromMicro(at)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list sent follow-ups: %w", err)
	}
	refs := make([]audit.Ref, 0, min(len(out), audit.MaxObjects))
	for _, f := range out[:min(len(out), audit.MaxObjects)] {
		refs = append(refs, audit.Ref{Type: "match-hit", ID: f.HitID})
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		e := audit.New(ctx, audit.Consult, refs...)
		e.Reason = "hit follow-ups sent listed"
		return s.audit.Append(ctx, tx, e)
	})
	return out, err
}
