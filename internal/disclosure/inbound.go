package disclosure

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/ids"
	"github.com/liaison-project/liaison/internal/record"
)

// tombstone is a record-tombstone message: the record was withdrawn or
// erased at the sender (or the sender revoked the holder's copy, Reason
// naming the policy rule).
type tombstone struct {
	RecordID string `json:"recordId"`
	Version  int    `json:"version"`
	Kind     string `json:"kind" doc:"withdraw or erase"`
	Reason   string `json:"reason,omitempty"`
}

// receiveCopy handles record-share and record-update: the records
// capability checks and stores the copy (its collect or alter event names
// the message), and the holders this node passed the record to are marked
// outdated so that the change travels on.
func (s *Service) receiveCopy(ctx context.Context, tx *db.Tx, m *federation.Inbound) error {
	r, err := s.records.ApplyReceivedIn(ctx, tx, record.Received{Kind: record.ReceivedCopy, Document: m.Payload, Message: m.ID.String()})
	if err != nil {
		return err
	}
	return s.markDownstream(ctx, tx, r.ID, m.Sender)
}

// receiveTombstone handles record-tombstone. A tombstone for a record not
// held here is refused (errs.NotExist), which federation audits and the
// sender sees as a failed message.
func (s *Service) receiveTombstone(ctx context.Context, tx *db.Tx, m *federation.Inbound) error {
	t, err := decodeTombstone(m.Payload)
	if err != nil {
		return err
	}
	in := record.Received{Kind: record.ReceivedKind(t.Kind), RecordID: t.RecordID, Version: t.Version, Message: m.ID.String()}
	if _, err := s.records.ApplyReceivedIn(ctx, tx, in); err != nil {
		return err
	}
	return s.markDownstream(ctx, tx, t.RecordID, m.Sender)
}

// decodeTombstone decodes and checks a record-tombstone payload.
func decodeTombstone(b []byte) (tombstone, error) {
	var t tombstone
	if err := federation.DecodePayload(b, maxControlBytes, &t); err != nil {
		return t, err
	}
	switch {
	case !ids.Valid(t.RecordID):
		return t, errs.E(errs.Invalid, "recordId", "a record id is a UUID")
	case t.Version <= 0:
		return t, errs.E(errs.Invalid, "version", "version must be positive")
	case t.Kind != string(record.ReceivedWithdraw) && t.Kind != string(record.ReceivedErase):
		return t, errs.E(errs.Invalid, "kind", "withdraw or erase")
	}
	return t, checkReason("reason", t.Reason)
}

// markDownstream marks the holders this node passed record id to as
// outdated, except the agency the change came from and holders whose copy
// is already erased.
func (s *Service) markDownstream(ctx context.Context, tx *db.Tx, id, from string) error {
	_, err := tx.ExecContext(ctx, `UPDATE disclosure_holders SET due = ?, retry_at = 0 WHERE record_id = ? AND agency <> ? AND sent_kind <> ?`,
		true, id, from, string(record.ReceivedErase))
	if err != nil {
		return fmt.Errorf("mark holders outdated: %w", err)
	}
	tx.OnCommit(s.wake)
	return nil
}

func jsonMarshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode message: %w", err)
	}
	return b, nil
}
