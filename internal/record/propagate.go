package record

import (
	"context"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/policy"
)

// propagationActor names the job that brings holders' copies up to date
// in audit events, when no officer acts.
const propagationActor = "propagation"

// HolderUpdate is what a partner holding a copy of a record must be sent
// to bring its copy up to date.
type HolderUpdate struct {
	// Kind is ReceivedCopy (Document holds the copy), ReceivedWithdraw or
	// ReceivedErase; empty when there is nothing to send.
	Kind     ReceivedKind
	Version  int
	Document []byte
	// Decision is the disclosure decision for the current version of a
	// live record. When it no longer allows the holder to have the record
	// (the originator narrowed its restrictions), the update is an erasure:
	// the holder's copy must go.
	Decision policy.Decision
}

// HolderRef names a partner that holds a copy of a record this node sent
// it, and how it was sent.
type HolderRef struct {
	RecordID string
	// To is the holder, from the partner registry.
	To policy.Partner
	// Purpose and CaseRef are those of the disclosure that gave the holder
	// its copy: updates go where that disclosure went, on the same terms.
	Purpose policy.Purpose
	CaseRef string
	// Sent is the version the holder was last sent (0: none).
	Sent int
	// Message is the id of the federation message that will carry the
	// update; the disclose event names it.
	Message string
}

// UpdateForHolder decides, inside tx, what holder h must be sent now that
// the record changed: the current version (a copy with the recipient's
// envelope, as DiscloseCopy makes it), a withdrawal, an erasure, or, when
// the policy decision for the current version refuses the holder (an H3
// rule, the TLP:RED recipients or the purpose changed), an erasure that
// revokes the copy. Nothing is sent (Kind empty, no event) when the record
// is not past h.Sent, or when it is past its review date: retention acts
// on it at both ends.
//
// Otherwise it records a disclose event naming the recipient and
// h.Message, acted by the officer in ctx, or by the propagation job when
// ctx carries none (a partner principal, in a federation handler, counts
// as none). No officer justification is needed: the update follows a
// disclosure made earlier. It fails with errs.NotExist for a record not
// held here at all.
func (s *Service) UpdateForHolder(ctx context.Context, tx *db.Tx, h HolderRef) (HolderUpdate, error) {
	if err := checkRecordID(h.RecordID); err != nil {
		return HolderUpdate{}, err
	}
	st, err := loadRecord(ctx, tx, h.RecordID)
	if err != nil {
		return HolderUpdate{}, err
	}
	if st.rec.Version <= h.Sent {
		return HolderUpdate{Version: st.rec.Version}, nil
	}
	now := s.now()
	var env *policy.Envelope
	u := HolderUpdate{Version: st.rec.Version}
	reason := ""
	switch st.rec.State {
	case StateErased:
		u.Kind, reason = ReceivedErase, string(ChangeErase)
	case StateWithdrawn:
		u.Kind, reason, env = ReceivedWithdraw, string(ChangeWithdraw), &st.rec.Envelope
	default:
		env = &st.rec.Envelope
		u.Decision = s.decider.CanDiscloseInCase(s.cfg.Agency, *env, h.To, h.Purpose, h.CaseRef, now)
		switch {
		case u.Decision.Allowed:
			if u.Document, err = s.copyDocument(st.rec, h.To, now); err != nil {
				return HolderUpdate{}, err
			}
			u.Kind, reason = ReceivedCopy, u.Decision.Rule
		case u.Decision.Rule == policy.RuleExpired:
			return HolderUpdate{Version: st.rec.Version, Decision: u.Decision}, nil
		default:
			u.Kind, reason = ReceivedErase, "revoke: "+u.Decision.Rule
		}
	}
	e := event(ctx, audit.Disclose, env, h.RecordID)
	if p, ok := access.From(ctx); !ok || p.Partner {
		e.ActorID, e.ActorName, e.Agency, e.Role, e.TokenID, e.Partner = "", propagationActor, s.cfg.Agency, "", "", false
	}
	e.Objects = append(e.Objects, messageRefs(h.Message)...)
	e.Recipients, e.Purpose, e.Reason = []string{h.To.Agency}, string(h.Purpose), reason
	return u, s.audit.Append(ctx, tx, e)
}
