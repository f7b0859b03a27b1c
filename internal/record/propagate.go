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

// UpdateForHolder decides, inside tx, what partner to — which this node
// sent a copy of record id for purpose, in case caseRef — must be sent now
// that the record changed: the current version (a copy with the
// recipient's envelope, as DiscloseCopy makes it), a withdrawal, an
// erasure, or, when the policy decision for the current version refuses
// the holder (an H3 rule, TLP:RED recipients or the purpose changed), an
// erasure that revokes the copy. A record past its review date is not
// sent (Kind empty): retention acts on it at both ends.
//
// It records a disclose event naming the recipient and message (the
// federation message that will carry the update), acted by the officer in
// ctx, or by the propagation job when ctx carries none (a partner
// principal, in a federation handler, counts as none). No officer
// justification is needed: the update follows a disclosure made earlier.
func (s *Service) UpdateForHolder(ctx context.Context, tx *db.Tx, id string, to policy.Partner, purpose policy.Purpose, caseRef, message string) (HolderUpdate, error) {
	if err := checkRecordID(id); err != nil {
		return HolderUpdate{}, err
	}
	st, err := loadRecord(ctx, tx, id)
	if err != nil {
		return HolderUpdate{}, err
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
		u.Decision = s.decider.CanDiscloseInCase(s.cfg.Agency, *env, to, purpose, caseRef, now)
		switch {
		case u.Decision.Allowed:
			if u.Document, err = s.copyDocument(st.rec, to, now); err != nil {
				return HolderUpdate{}, err
			}
			u.Kind, reason = ReceivedCopy, u.Decision.Rule
		case u.Decision.Rule == policy.RuleExpired:
			return HolderUpdate{Decision: u.Decision}, nil
		default:
			u.Kind, reason = ReceivedErase, "revoke: "+u.Decision.Rule
		}
	}
	e := event(ctx, audit.Disclose, env, id)
	if p, ok := access.From(ctx); !ok || p.Partner {
		e.ActorID, e.ActorName, e.Agency, e.Role, e.TokenID, e.Partner = "", propagationActor, s.cfg.Agency, "", "", false
	}
	e.Objects = append(e.Objects, messageRefs(message)...)
	e.Recipients, e.Purpose, e.Reason = []string{to.Agency}, string(purpose), reason
	return u, s.audit.Append(ctx, tx, e)
}
