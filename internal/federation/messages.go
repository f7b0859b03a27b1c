package federation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation/envelope"
)

// Handling codes (Europol) and TLP labels (FIRST TLP 2.0) a message may
// carry. Every message carries at least one handling code and a TLP label.
var (
	HandlingCodes = []string{"H0", "H1", "H2", "H3"}
	TLPLabels     = []string{"TLP:RED", "TLP:AMBER+STRICT", "TLP:AMBER", "TLP:GREEN", "TLP:CLEAR"}
)

// SendRequest is a message an officer sends.
type SendRequest struct {
	To            []string `json:"to" doc:"partner agency ids"`
	Subject       string   `json:"subject"`
	Body          string   `json:"body"`
	ThreadID      string   `json:"threadId,omitempty" doc:"reply in this thread; empty starts a new thread"`
	CaseRef       string   `json:"caseRef,omitempty" doc:"case reference; replies default to the thread's"`
	Handling      []string `json:"handling" doc:"Europol handling codes, H0-H3; at least one"`
	Restrictions  string   `json:"restrictions,omitempty" doc:"required with H3: the restrictions, in words"`
	TLP           string   `json:"tlp" doc:"TLP:RED, TLP:AMBER+STRICT, TLP:AMBER, TLP:GREEN or TLP:CLEAR"`
	Attachments   []string `json:"attachments,omitempty" doc:"ids of completed uploads"`
	Justification string   `json:"justification,omitempty" doc:"why the personal data in the message is disclosed (or send Liaison-Justification)"`
}

// Message is a message as the API shows it. Body and Attachments are filled
// only when one message is opened.
type Message struct {
	ID              string       `json:"id"`
	ThreadID        string       `json:"threadId"`
	Direction       string       `json:"direction" doc:"in or out"`
	Sender          string       `json:"sender"`
	Officer         string       `json:"officer,omitempty" doc:"the sending officer's id at the sending agency"`
	Recipients      []string     `json:"recipients"`
	Subject         string       `json:"subject"`
	Body            string       `json:"body,omitempty"`
	CaseRef         string       `json:"caseRef,omitempty"`
	Handling        []string     `json:"handling"`
	Restrictions    string       `json:"restrictions,omitempty"`
	TLP             string       `json:"tlp"`
	Created         time.Time    `json:"created"`
	Read            bool         `json:"read" doc:"inbound: opened by an officer of this node"`
	ReadAt          time.Time    `json:"readAt,omitzero"`
	AttachmentCount int          `json:"attachmentCount"`
	Attachments     []Attachment `json:"attachments,omitempty"`
	Deliveries      []Delivery   `json:"deliveries,omitempty" doc:"outbound: the state per recipient"`
}

// Delivery is the delivery state of a message to one recipient.
type Delivery struct {
	Partner     string    `json:"partner"`
	State       string    `json:"state" doc:"queued, delivered, read or failed"`
	Seq         int64     `json:"seq"`
	Attempts    int64     `json:"attempts"`
	LastError   string    `json:"lastError,omitempty" doc:"why the last attempt failed, or why the message failed"`
	QueuedAt    time.Time `json:"queuedAt"`
	DeliveredAt time.Time `json:"deliveredAt,omitzero"`
	ReadAt      time.Time `json:"readAt,omitzero"`
	ReadBy      string    `json:"readBy,omitempty" doc:"the partner officer's id from the signed read receipt"`
}

// Thread is a conversation with a subject and a case reference.
type Thread struct {
	ID        string    `json:"id"`
	Subject   string    `json:"subject"`
	CaseRef   string    `json:"caseRef,omitempty"`
	StartedBy string    `json:"startedBy" doc:"agency that started it"`
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
	Messages  int64     `json:"messages"`
	Unread    int64     `json:"unread"`
}

// Counts summarise the mailbox.
type Counts struct {
	Inbox  int64 `json:"inbox"`
	Unread int64 `json:"unread"`
	Sent   int64 `json:"sent"`
	Queued int64 `json:"queued" doc:"envelopes of sent messages not yet delivered"`
	Failed int64 `json:"failed" doc:"envelopes of sent messages a partner rejected"`
}

func checkMarkings(handling []string, restrictions, tlp string) error {
	if len(handling) == 0 {
		return errs.E(errs.Invalid, "handling", "at least one handling code (H0-H3) is required")
	}
	for i, h := range handling {
		if !slices.Contains(HandlingCodes, h) {
			return errs.E(errs.Invalid, fmt.Sprintf("handling[%d]", i), "handling codes are H0, H1, H2 and H3")
		}
		if slices.Contains(handling[:i], h) {
			return errs.E(errs.Invalid, fmt.Sprintf("handling[%d]", i), "duplicate handling code")
		}
	}
	if slices.Contains(handling, "H3") != (strings.TrimSpace(restrictions) != "") {
		return errs.E(errs.Invalid, "restrictions", "H3 requires the restrictions in words, and restrictions require H3")
	}
	if !slices.Contains(TLPLabels, tlp) {
		return errs.E(errs.Invalid, "tlp", "TLP must be TLP:RED, TLP:AMBER+STRICT, TLP:AMBER, TLP:GREEN or TLP:CLEAR")
	}
	return nil
}

// SendMessage sends a message from the officer in ctx, in a new thread or
// a reply, with the officer's completed uploads attached. The message, its
// outbox entries and the disclosure audit event commit together.
func (s *Service) SendMessage(ctx context.Context, req SendRequest) (*Message, error) {
	p, _ := access.From(ctx)
	j, err := api.RequireJustification(ctx, req.Justification, req.CaseRef)
	if err != nil {
		return nil, err
	}
	ctx = access.WithJustification(ctx, j)
	if len(req.To) == 0 {
		return nil, errs.E(errs.Invalid, "to", "at least one recipient is required")
	}
	if err := checkSubject(req.Subject); err != nil {
		return nil, err
	}
	if err := checkBody(req.Body, s.cfg.MaxMessageBody); err != nil {
		return nil, err
	}
	if err := checkMarkings(req.Handling, req.Restrictions, req.TLP); err != nil {
		return nil, err
	}
	if err := checkFreeText("restrictions", req.Restrictions, MaxRestrictionsLen); err != nil {
		return nil, err
	}
	if len(req.Attachments) > MaxAttachments {
		return nil, errs.E(errs.Invalid, "attachments", fmt.Sprintf("at most %d attachments", MaxAttachments))
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	now := s.nowMicro()
	var msgID string
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		threadID, caseRef := req.ThreadID, req.CaseRef
		if threadID == "" {
			tid, err := uuid.NewV7()
			if err != nil {
				return err
			}
			threadID = tid.String()
			if _, err := tx.ExecContext(ctx, `INSERT INTO fed_threads (id, subject, case_ref, started_by, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?)`, threadID, req.Subject, caseRef, s.id.Agency, now, now); err != nil {
				return fmt.Errorf("create thread: %w", err)
			}
		} else {
			var threadCase string
			err := tx.QueryRowContext(ctx, `SELECT case_ref FROM fed_threads WHERE id = ?`, threadID).Scan(&threadCase)
			if errors.Is(err, sql.ErrNoRows) {
				return errs.E(errs.NotExist, "threadId", "no such thread")
			}
			if err != nil {
				return fmt.Errorf("read thread: %w", err)
			}
			if caseRef == "" {
				caseRef = threadCase
			}
			if _, err := tx.ExecContext(ctx, `UPDATE fed_threads SET updated_at = ? WHERE id = ?`, now, threadID); err != nil {
				return fmt.Errorf("update thread: %w", err)
			}
		}
		refs, err := s.attachForSending(ctx, tx, req.Attachments, p.UserID, id.String())
		if err != nil {
			return err
		}
		payload, err := encodeMessagePayload(messagePayload{Subject: req.Subject, Body: req.Body, Restrictions: req.Restrictions, Attachments: refs})
		if err != nil {
			return err
		}
		if _, err := s.Send(ctx, tx, Outbound{ID: id, Type: envelope.TypeMessage, To: req.To, Thread: threadID, CaseRef: caseRef,
			Handling: req.Handling, TLP: req.TLP, Officer: p.UserID, Payload: payload}); err != nil {
			return err
		}
		for _, a := range req.Attachments {
			for _, to := range req.To {
				if _, err := tx.ExecContext(ctx, `INSERT INTO fed_attachment_grants (attachment_id, partner, served) VALUES (?, ?, 0)`, a, to); err != nil {
					return fmt.Errorf("grant attachment: %w", err)
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO fed_messages (id, thread_id, outbound, sender, officer, recipients, subject, body,
			case_ref, handling, restrictions, tlp, attachments, created_at, read_at, read_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '')`,
			id.String(), threadID, true, s.id.Agency, p.UserID, strings.Join(req.To, ","), req.Subject, req.Body,
			caseRef, strings.Join(req.Handling, ","), req.Restrictions, req.TLP, len(refs), now); err != nil {
			return fmt.Errorf("store message: %w", err)
		}
		objs := []audit.Ref{{Type: "message", ID: id.String()}}
		for _, a := range req.Attachments {
			objs = append(objs, audit.Ref{Type: "attachment", ID: a})
		}
		e := audit.New(ctx, audit.Disclose, objs...)
		e.Recipients = slices.Clone(req.To)
		if e.CaseRef == "" {
			e.CaseRef = caseRef
		}
		e.Reason = "message sent"
		msgID = id.String()
		return s.audit.Append(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return s.messageView(ctx, s.db, msgID, false)
}

// receiveMessage is the InboundHandler of "message" envelopes: it files
// the message in its thread (creating the thread on first contact) and
// queues its attachments for fetching.
func (s *Service) receiveMessage(ctx context.Context, tx *db.Tx, m *Inbound) error {
	p, err := decodeMessagePayload(m.Payload, s.cfg.MaxMessageBody, s.cfg.MaxAttachment)
	if err != nil {
		return err
	}
	if _, err := uuid.Parse(m.Thread); err != nil || len(m.Thread) != 36 {
		return errs.E(errs.Invalid, "thread", "a message needs a thread id (a UUID)")
	}
	if err := checkMarkings(m.Handling, p.Restrictions, m.TLP); err != nil {
		return err
	}
	now := m.Received.UnixMicro()
	res, err := tx.ExecContext(ctx, `UPDATE fed_threads SET updated_at = ? WHERE id = ?`, now, m.Thread)
	if err != nil {
		return fmt.Errorf("update thread: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO fed_threads (id, subject, case_ref, started_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`, m.Thread, p.Subject, m.CaseRef, m.Sender, now, now); err != nil {
			return fmt.Errorf("create thread: %w", err)
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO fed_messages (id, thread_id, outbound, sender, officer, recipients, subject, body,
		case_ref, handling, restrictions, tlp, attachments, created_at, read_at, read_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '')`,
		m.ID.String(), m.Thread, false, m.Sender, m.Officer, strings.Join(m.Recipients, ","), p.Subject, p.Body,
		m.CaseRef, strings.Join(m.Handling, ","), p.Restrictions, m.TLP, len(p.Attachments), m.Created.UnixMicro())
	if db.IsUniqueViolation(err) {
		return errs.E(errs.Conflict, "id", "a message with this id exists")
	}
	if err != nil {
		return fmt.Errorf("store message: %w", err)
	}
	for _, a := range p.Attachments {
		if err := s.expectAttachment(ctx, tx, m, a); err != nil {
			return err
		}
	}
	if len(p.Attachments) > 0 {
		sender := m.Sender
		tx.OnCommit(func() { s.bells(sender).ring(bellFetch) })
	}
	return nil
}

// receiveReadReceipt is the InboundHandler of "receipt" envelopes: a
// partner's signed read receipt for a message this node sent.
func (s *Service) receiveReadReceipt(ctx context.Context, tx *db.Tx, m *Inbound) error {
	rc, err := envelope.ParseReceipt(m.Payload)
	if err != nil {
		return errs.E(errs.Invalid, "receipt", errs.PublicMessage(err))
	}
	if rc.Kind != envelope.Read || rc.By != m.Sender || rc.Sender != s.id.Agency {
		return errs.E(errs.Invalid, "receipt", "not a read receipt by the sending partner for a message of this node")
	}
	var seq int64
	var wire, prev []byte
	var state string
	err = tx.QueryRowContext(ctx, `SELECT seq, wire, prev_wire, state FROM fed_outbox WHERE partner = ? AND message_id = ?`,
		m.Sender, rc.MessageID.String()).Scan(&seq, &wire, &prev, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(errs.NotExist, "receipt", "no message "+rc.MessageID.String()+" was sent to "+m.Sender)
	}
	if err != nil {
		return fmt.Errorf("read outbox: %w", err)
	}
	key, err := s.anyKey(m.Sender, rc.ByKey)
	if err != nil {
		return errs.E(errs.Permission, "receipt", "the receipt is not signed by a key of "+m.Sender)
	}
	verified := false
	for _, wb := range [][]byte{wire, prev} {
		if wb == nil {
			continue
		}
		w, err := envelope.Unmarshal(wb, 0)
		if err == nil && rc.Verify(key, w) == nil {
			verified = true
			break
		}
	}
	if !verified {
		return errs.E(errs.Permission, "receipt", "the read receipt does not verify against the envelope sent")
	}
	// A read receipt also proves delivery, should the delivered receipt
	// have been lost.
	_, err = tx.ExecContext(ctx, `UPDATE fed_outbox SET state = ?, read_at = ?, read_by = ?, read_receipt = ?,
		delivered_at = CASE WHEN delivered_at = 0 THEN ? ELSE delivered_at END, payload = NULL
		WHERE partner = ? AND seq = ? AND read_at = 0`,
		DeliveryRead, rc.Time.UnixMicro(), rc.Officer, m.Payload, rc.Time.UnixMicro(), m.Sender, seq)
	if err != nil {
		return fmt.Errorf("record read receipt: %w", err)
	}
	return nil
}

// OpenMessage returns a message with its body, writing a consultation
// audit event with the justification in ctx. The first time an officer of
// this node opens an inbound message, it is marked read and a signed read
// receipt naming the officer goes back to the sender.
func (s *Service) OpenMessage(ctx context.Context, id string) (*Message, error) {
	p, _ := access.From(ctx)
	var m *Message
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		var err error
		m, err = s.messageView(ctx, tx, id, true)
		if err != nil {
			return err
		}
		objs := []audit.Ref{{Type: "message", ID: id}}
		for _, a := range m.Attachments {
			objs = append(objs, audit.Ref{Type: "attachment", ID: a.ID})
		}
		e := audit.New(ctx, audit.Consult, objs...)
		e.Reason = "message opened"
		if err := s.audit.Append(ctx, tx, e); err != nil {
			return err
		}
		if m.Direction != "in" || m.Read {
			return nil
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE fed_messages SET read_at = ?, read_by = ? WHERE id = ? AND read_at = 0`,
			now.UnixMicro(), p.UserID, id); err != nil {
			return fmt.Errorf("mark read: %w", err)
		}
		m.Read, m.ReadAt = true, now
		return s.sendReadReceipt(ctx, tx, m.Sender, id, p.UserID, now)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// MarkRead sends the signed read receipt for the inbound envelope id from
// sender, naming officer, inside tx. Capabilities other than messaging call
// it when an officer first opens what a partner sent them. A receipt to a
// partner that is not active is not sent (and not an error).
func (s *Service) MarkRead(ctx context.Context, tx *db.Tx, sender, id, officer string) error {
	return s.sendReadReceipt(ctx, tx, sender, id, officer, s.now())
}

func (s *Service) sendReadReceipt(ctx context.Context, tx *db.Tx, sender, id, officer string, now time.Time) error {
	var raw []byte
	err := tx.QueryRowContext(ctx, `SELECT evidence FROM fed_inbox WHERE sender = ? AND message_id = ? AND outcome = ?`,
		sender, id, outcomeAccepted).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(errs.NotExist, "no envelope "+id+" was received from "+sender)
	}
	if err != nil {
		return fmt.Errorf("read evidence: %w", err)
	}
	ev, err := envelope.ParseEvidence(raw, 0)
	if err != nil {
		return fmt.Errorf("stored evidence: %w", err)
	}
	if officer == "" {
		officer = "node"
	}
	rc, err := envelope.NewReceipt(s.id, envelope.Read, ev, truncate(officer, envelope.MaxTextLen), now)
	if err != nil {
		return fmt.Errorf("sign read receipt: %w", err)
	}
	if pa := s.partners.get(sender); pa == nil || pa.state != StateActive {
		s.log.Info("read receipt not sent: partner not active", slog.String("partner", sender))
		return nil
	}
	_, err = s.Send(ctx, tx, Outbound{Type: envelope.TypeReceipt, To: []string{sender}, Payload: rc.Marshal()})
	return err
}

const messageColumns = `id, thread_id, outbound, sender, officer, recipients, subject, case_ref, handling, restrictions, tlp,
	attachments, created_at, read_at`

func scanMessage(r scanner) (*Message, error) {
	var m Message
	var outbound bool
	var recipients, handling string
	var created, readAt int64
	if err := r.Scan(&m.ID, &m.ThreadID, &outbound, &m.Sender, &m.Officer, &recipients, &m.Subject, &m.CaseRef, &handling,
		&m.Restrictions, &m.TLP, &m.AttachmentCount, &created, &readAt); err != nil {
		return nil, err
	}
	m.Direction = "in"
	if outbound {
		m.Direction = "out"
	}
	m.Recipients, m.Handling = splitList(recipients), splitList(handling)
	m.Created, m.ReadAt, m.Read = fromMicro(created), fromMicro(readAt), readAt != 0
	return &m, nil
}

// messageView reads one message; with full, also its body and attachments.
// Outbound messages come with their deliveries.
func (s *Service) messageView(ctx context.Context, q db.Querier, id string, full bool) (*Message, error) {
	m, err := scanMessage(q.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM fed_messages WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotExist, "id", "no such message")
	}
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	if full {
		if err := q.QueryRowContext(ctx, `SELECT body FROM fed_messages WHERE id = ?`, id).Scan(&m.Body); err != nil {
			return nil, fmt.Errorf("read message: %w", err)
		}
		if m.Attachments, err = s.messageAttachments(ctx, q, id); err != nil {
			return nil, err
		}
	}
	if m.Direction == "out" {
		if m.Deliveries, err = deliveries(ctx, q, id); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// OnSettled registers f to be called after the node has recorded partners'
// final answers (a delivered receipt, or a rejection) to envelopes it sent,
// so that a capability that tracks deliveries (record holders'
// acknowledgements) learns of them at once instead of at its next poll.
// f runs on a delivery worker: it must return at once, e.g. by a
// non-blocking send on a channel.
func (s *Service) OnSettled(f func()) {
	s.settledMu.Lock()
	s.settled = append(s.settled, f)
	s.settledMu.Unlock()
}

func (s *Service) notifySettled() {
	s.settledMu.RLock()
	defer s.settledMu.RUnlock()
	for _, f := range s.settled {
		f()
	}
}

// Deliveries returns the delivery state of a sent message (or any other
// envelope sent with Send) per recipient.
func (s *Service) Deliveries(ctx context.Context, messageID string) ([]Delivery, error) {
	ds, err := deliveries(ctx, s.db, messageID)
	if err == nil && len(ds) == 0 {
		return nil, errs.E(errs.NotExist, "id", "no such sent message")
	}
	return ds, err
}

func deliveries(ctx context.Context, q db.Querier, messageID string) ([]Delivery, error) {
	rows, err := q.QueryContext(ctx, `SELECT partner, state, seq, attempts, last_error, queued_at, delivered_at, read_at, read_by
		FROM fed_outbox WHERE message_id = ? ORDER BY partner`, messageID)
	if err != nil {
		return nil, fmt.Errorf("read deliveries: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var queued, delivered, read int64
		if err := rows.Scan(&d.Partner, &d.State, &d.Seq, &d.Attempts, &d.LastError, &queued, &delivered, &read, &d.ReadBy); err != nil {
			return nil, fmt.Errorf("read deliveries: %w", err)
		}
		d.QueuedAt, d.DeliveredAt, d.ReadAt = fromMicro(queued), fromMicro(delivered), fromMicro(read)
		out = append(out, d)
	}
	return out, rows.Err()
}

// MessageFilter selects messages for ListMessages.
type MessageFilter struct {
	Box     string // "inbox", "sent" or "" for both
	Unread  bool   // only unread inbound messages
	Query   string // substring of the subject or case reference
	Thread  string
	Partner string // sender or recipient
	CaseRef string
	Before  *cursorPos
	Limit   int
}

type cursorPos struct {
	Created int64  `json:"c"`
	ID      string `json:"i"`
}

// ListMessages lists message summaries, newest first. Subjects and case
// references are metadata: they are listed without a justification, and
// officers keep personal data out of them (in the body).
func (s *Service) ListMessages(ctx context.Context, f MessageFilter) ([]*Message, error) {
	var where []string
	var args []any
	switch f.Box {
	case "inbox":
		where, args = append(where, "outbound = ?"), append(args, false)
	case "sent":
		where, args = append(where, "outbound = ?"), append(args, true)
	case "":
	default:
		return nil, errs.E(errs.Invalid, "box", "box must be inbox or sent")
	}
	if f.Unread {
		where, args = append(where, "outbound = ? AND read_at = 0"), append(args, false)
	}
	if f.Query != "" {
		if len(f.Query) > 200 {
			return nil, errs.E(errs.Invalid, "q", "search text longer than 200 bytes")
		}
		like := "%" + escapeLike(strings.ToLower(f.Query)) + "%"
		where, args = append(where, `(LOWER(subject) LIKE ? ESCAPE '\' OR LOWER(case_ref) LIKE ? ESCAPE '\')`), append(args, like, like)
	}
	if f.Thread != "" {
		where, args = append(where, "thread_id = ?"), append(args, f.Thread)
	}
	if f.CaseRef != "" {
		where, args = append(where, "case_ref = ?"), append(args, f.CaseRef)
	}
	if f.Partner != "" {
		where = append(where, "(sender = ? OR recipients = ? OR recipients LIKE ? ESCAPE '\\' OR recipients LIKE ? ESCAPE '\\' OR recipients LIKE ? ESCAPE '\\')")
		e := escapeLike(f.Partner)
		args = append(args, f.Partner, f.Partner, e+",%", "%,"+e, "%,"+e+",%")
	}
	if f.Before != nil {
		where, args = append(where, "(created_at < ? OR (created_at = ? AND id < ?))"), append(args, f.Before.Created, f.Before.Created, f.Before.ID)
	}
	q := `SELECT ` + messageColumns + ` FROM fed_messages`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	rows, err := s.db.QueryContext(ctx, q, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	defer rows.Close()
	out := []*Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("list messages: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// MessageCounts summarises the mailbox.
func (s *Service) MessageCounts(ctx context.Context) (Counts, error) {
	var c Counts
	err := s.db.Read(ctx, func(q db.Querier) error {
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM fed_messages WHERE outbound = ?`, false).Scan(&c.Inbox); err != nil {
			return err
		}
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM fed_messages WHERE outbound = ? AND read_at = 0`, false).Scan(&c.Unread); err != nil {
			return err
		}
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM fed_messages WHERE outbound = ?`, true).Scan(&c.Sent); err != nil {
			return err
		}
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM fed_outbox WHERE type = ? AND state = ?`,
			envelope.TypeMessage, DeliveryQueued).Scan(&c.Queued); err != nil {
			return err
		}
		return q.QueryRowContext(ctx, `SELECT COUNT(*) FROM fed_outbox WHERE type = ? AND state = ?`,
			envelope.TypeMessage, DeliveryFailed).Scan(&c.Failed)
	})
	if err != nil {
		return c, fmt.Errorf("count messages: %w", err)
	}
	return c, nil
}

// ListThreads lists threads, most recently active first, with their
// message and unread counts.
func (s *Service) ListThreads(ctx context.Context, before *cursorPos, limit int) ([]Thread, error) {
	q := `SELECT t.id, t.subject, t.case_ref, t.started_by, t.created_at, t.updated_at,
		(SELECT COUNT(*) FROM fed_messages m WHERE m.thread_id = t.id),
		(SELECT COUNT(*) FROM fed_messages m WHERE m.thread_id = t.id AND m.outbound = ? AND m.read_at = 0)
		FROM fed_threads t`
	args := []any{false}
	if before != nil {
		q += ` WHERE (t.updated_at < ? OR (t.updated_at = ? AND t.id < ?))`
		args = append(args, before.Created, before.Created, before.ID)
	}
	q += ` ORDER BY t.updated_at DESC, t.id DESC LIMIT ?`
	rows, err := s.db.QueryContext(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list threads: %w", err)
	}
	defer rows.Close()
	out := []Thread{}
	for rows.Next() {
		t, err := scanThread(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func scanThread(r scanner) (Thread, error) {
	var t Thread
	var created, updated int64
	if err := r.Scan(&t.ID, &t.Subject, &t.CaseRef, &t.StartedBy, &created, &updated, &t.Messages, &t.Unread); err != nil {
		return t, err
	}
	t.Created, t.Updated = fromMicro(created), fromMicro(updated)
	return t, nil
}

// GetThread returns a thread and its message summaries, oldest first.
func (s *Service) GetThread(ctx context.Context, id string) (Thread, []*Message, error) {
	t, err := scanThread(s.db.QueryRowContext(ctx, `SELECT t.id, t.subject, t.case_ref, t.started_by, t.created_at, t.updated_at,
		(SELECT COUNT(*) FROM fed_messages m WHERE m.thread_id = t.id),
		(SELECT COUNT(*) FROM fed_messages m WHERE m.thread_id = t.id AND m.outbound = ? AND m.read_at = 0)
		FROM fed_threads t WHERE t.id = ?`, false, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, nil, errs.E(errs.NotExist, "id", "no such thread")
	}
	if err != nil {
		return t, nil, fmt.Errorf("read thread: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+messageColumns+` FROM fed_messages WHERE thread_id = ? ORDER BY created_at, id LIMIT 1000`, id)
	if err != nil {
		return t, nil, fmt.Errorf("read thread: %w", err)
	}
	defer rows.Close()
	msgs := []*Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return t, nil, fmt.Errorf("read thread: %w", err)
		}
		msgs = append(msgs, m)
	}
	return t, msgs, rows.Err()
}
