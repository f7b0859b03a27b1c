package noticesvc

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/notice"
	"github.com/liaison-project/liaison/internal/notice/lookup"
	"github.com/liaison-project/liaison/internal/policy"
)

// circulating are the states in which a notice is published.
var circulating = []notice.State{notice.Published, notice.Updated}

func stateArgs(states []notice.State) []any {
	out := make([]any, len(states))
	for i, s := range states {
		out[i] = string(s)
	}
	return out
}

func micro(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicro(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// ---- notices ----

// body is the stored JSON of a notice: its API view without history and
// decisions, which have tables of their own.
func (r *record) body() ([]byte, error) {
	v := r.view(time.Time{})
	v.History, v.Decisions = nil, nil
	v.ReassessmentDue = false
	return json.Marshal(v)
}

// fromView turns a stored or received view into the core notice (without
// history and decisions).
func fromView(v *Notice) (notice.Notice, error) {
	n, err := v.Draft.core()
	if err != nil {
		return n, err
	}
	n.ID = v.ID
	n.State = v.State
	n.Originator = v.Originator
	n.PublishedAt, n.ExpiresAt, n.ReminderAt = v.PublishedAt, v.ExpiresAt, v.ReminderAt
	n.Flags = coreFlags(v.Flags)
	return n, nil
}

func insertNotice(ctx context.Context, tx *db.Tx, r *record) error {
	body, err := r.body()
	if err != nil {
		return fmt.Errorf("encode notice: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO notices (id, originator, source_id, received_from, entity_id, type, diffusion,
		state, awaiting, version, subject_key, body, created_by, created_at, updated_at, expires_at, reminder_at, reminded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.n.ID, r.n.Originator, r.sourceID, r.receivedFrom, r.n.EntityID, string(r.n.Type), r.n.Diffusion,
		string(r.state()), r.awaiting(), r.version, string(subjectKey(r.n)), string(body), r.createdBy,
		micro(r.createdAt), micro(r.updatedAt), micro(r.n.ExpiresAt), micro(r.n.ReminderAt), micro(r.remindedAt)); err != nil {
		if db.IsUniqueViolation(err) {
			return errs.E(errs.Conflict, "id", "the notice exists already", err)
		}
		return fmt.Errorf("insert notice: %w", err)
	}
	return storeHistory(ctx, tx, r)
}

// updateNotice stores r if the stored version is still prev; otherwise
// Conflict.
func updateNotice(ctx context.Context, tx *db.Tx, r *record, prev int64) error {
	body, err := r.body()
	if err != nil {
		return fmt.Errorf("encode notice: %w", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE notices SET entity_id = ?, state = ?, awaiting = ?, version = ?, subject_key = ?, body = ?,
		updated_at = ?, expires_at = ?, reminder_at = ?, reminded_at = ? WHERE id = ? AND version = ?`,
		r.n.EntityID, string(r.state()), r.awaiting(), r.version, string(subjectKey(r.n)), string(body),
		micro(r.updatedAt), micro(r.n.ExpiresAt), micro(r.n.ReminderAt), micro(r.remindedAt), r.n.ID, prev)
	if err != nil {
		return fmt.Errorf("update notice: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("update notice: %w", err)
	} else if n != 1 {
		return errs.E(errs.Conflict, "version", "the notice was changed meanwhile; reload it and try again")
	}
	return storeHistory(ctx, tx, r)
}

func (r *record) state() notice.State {
	if r.n.State == "" {
		return notice.Draft
	}
	return r.n.State
}

func (r *record) awaiting() bool { return r.own() && r.n.AwaitingReview() }

// storeHistory appends the history entries and decisions not stored yet.
func storeHistory(ctx context.Context, tx *db.Tx, r *record) error {
	for i := r.stored; i < len(r.n.History); i++ {
		c := r.n.History[i]
		if _, err := tx.ExecContext(ctx, `INSERT INTO notice_changes (notice_id, n, event, from_state, to_state, actor, agency, at, note)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.n.ID, i, string(c.Event), string(c.From), string(c.To), c.Actor, c.Agency,
			micro(c.At), c.Note); err != nil {
			return fmt.Errorf("store notice history: %w", err)
		}
	}
	for i := r.storedDec; i < len(r.n.Decisions); i++ {
		d := r.n.Decisions[i]
		ack, err := json.Marshal(d.Acknowledged)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notice_decisions (notice_id, n, outcome, reviewer, reasons, acknowledged,
			extradition, after_circulation, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.n.ID, i, string(d.Outcome), d.Reviewer,
			d.Reasons, string(ack), d.ExtraditionWillBeSought, d.AfterCirculation, micro(d.At)); err != nil {
			return fmt.Errorf("store notice decision: %w", err)
		}
	}
	r.stored, r.storedDec = len(r.n.History), len(r.n.Decisions)
	return nil
}

const noticeColumns = `id, originator, source_id, received_from, version, body, created_by, created_at, updated_at, reminded_at`

// scanNotice reads a notices row (noticeColumns) without history.
func scanNotice(sc interface{ Scan(...any) error }) (*record, *Notice, error) {
	var r record
	var id, body string
	var created, updated, reminded int64
	if err := sc.Scan(&id, new(string), &r.sourceID, &r.receivedFrom, &r.version, &body, &r.createdBy, &created, &updated, &reminded); err != nil {
		return nil, nil, err
	}
	var v Notice
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		return nil, nil, fmt.Errorf("stored notice %s: %w", id, err)
	}
	n, err := fromView(&v)
	if err != nil {
		return nil, nil, fmt.Errorf("stored notice %s: %w", id, err)
	}
	r.n, r.env = n, v.Envelope
	r.createdAt, r.updatedAt, r.remindedAt = fromMicro(created), fromMicro(updated), fromMicro(reminded)
	v.Version, v.ReceivedFrom, v.CreatedAt, v.UpdatedAt = r.version, r.receivedFrom, r.createdAt, r.updatedAt
	return &r, &v, nil
}

// loadNotice reads a notice with its history and decisions, and checks the
// lifecycle invariants: a row edited behind the service's back that shows
// a published notice without the review it needs is refused.
func loadNotice(ctx context.Context, q db.Querier, id string) (*record, error) {
	r, _, err := scanNotice(q.QueryRowContext(ctx, `SELECT `+noticeColumns+` FROM notices WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotExist, "id", "no such notice")
	}
	if err != nil {
		return nil, fmt.Errorf("read notice: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT event, from_state, to_state, actor, agency, at, note FROM notice_changes
		WHERE notice_id = ? ORDER BY n`, id)
	if err != nil {
		return nil, fmt.Errorf("read notice history: %w", err)
	}
	for rows.Next() {
		var c notice.Change
		var ev, from, to string
		var at int64
		if err := rows.Scan(&ev, &from, &to, &c.Actor, &c.Agency, &at, &c.Note); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read notice history: %w", err)
		}
		c.Event, c.From, c.To, c.At = notice.Event(ev), notice.State(from), notice.State(to), fromMicro(at)
		r.n.History = append(r.n.History, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read notice history: %w", err)
	}
	rows, err = q.QueryContext(ctx, `SELECT outcome, reviewer, reasons, acknowledged, extradition, after_circulation, at
		FROM notice_decisions WHERE notice_id = ? ORDER BY n`, id)
	if err != nil {
		return nil, fmt.Errorf("read notice decisions: %w", err)
	}
	for rows.Next() {
		var d notice.Decision
		var outcome, ack string
		var at int64
		if err := rows.Scan(&outcome, &d.Reviewer, &d.Reasons, &ack, &d.ExtraditionWillBeSought, &d.AfterCirculation, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read notice decisions: %w", err)
		}
		if err := json.Unmarshal([]byte(ack), &d.Acknowledged); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read notice decisions: %w", err)
		}
		d.Outcome, d.At = notice.Outcome(outcome), fromMicro(at)
		r.n.Decisions = append(r.n.Decisions, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read notice decisions: %w", err)
	}
	r.stored, r.storedDec = len(r.n.History), len(r.n.Decisions)
	if err := r.n.CheckInvariants(); err != nil {
		return nil, fmt.Errorf("notice %s fails its invariants: %w", id, err)
	}
	return r, nil
}

// noticeIDs returns the ids of the notices matching a condition, at most
// limit of them (0: all).
func (s *Service) noticeIDs(ctx context.Context, limit int, where string, args ...any) ([]string, error) {
	q := `SELECT id FROM notices WHERE ` + where + ` ORDER BY id`
	if limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list notices: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list notices: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func subjectKey(n notice.Notice) notice.SubjectKey { return notice.Screener{}.SubjectKey(n) }

// existingSubject returns the duplicate check for screening n: whether a
// notice other than n, in review or in circulation, own or received, has
// the same subject key.
func existingSubject(ctx context.Context, q db.Querier, n notice.Notice) (func(notice.SubjectKey) bool, error) {
	key := subjectKey(n)
	if key == "" {
		return nil, nil
	}
	var count int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM notices WHERE subject_key = ? AND id <> ? AND state IN (?, ?, ?)`,
		string(key), n.ID, string(notice.InReview), string(notice.Published), string(notice.Updated)).Scan(&count); err != nil {
		return nil, fmt.Errorf("duplicate check: %w", err)
	}
	return func(k notice.SubjectKey) bool { return k == key && count > 0 }, nil
}

// ---- alerts ----

// alertRow is an alert as stored.
type alertRow struct {
	id           string
	a            notice.Alert // normalised
	originator   string
	sourceID     string
	receivedFrom string
	state        string
	version      int64
	dist         Distribution
	importID     string
	heldBy       []string // partners holding the alert now
	createdBy    string
	createdAt    time.Time
	updatedAt    time.Time
}

func (r *alertRow) own() bool { return r.receivedFrom == "" }

func (r *alertRow) view() *Alert {
	v := &Alert{ID: r.id, Version: r.version, AlertInput: alertInputOf(&r.a, r.dist), State: r.state,
		Originator: r.originator, ReceivedFrom: r.receivedFrom, ImportID: r.importID, CreatedAt: r.createdAt, UpdatedAt: r.updatedAt}
	if !r.own() {
		v.SourceID = r.sourceID
		v.Distribution = Distribution{}
	}
	return v
}

const alertColumns = `id, originator, source_id, received_from, kind, status, document_number, document_type, country, plate, vin,
	description, action, contact, reference, state, version, scope, agencies, region, import_id, held_by, created_by, created_at, updated_at`

func scanAlert(sc interface{ Scan(...any) error }) (*alertRow, error) {
	var r alertRow
	var kind, status, docType, scope, agencies, heldBy string
	var created, updated int64
	if err := sc.Scan(&r.id, &r.originator, &r.sourceID, &r.receivedFrom, &kind, &status, &r.a.DocumentNumber, &docType,
		&r.a.Country, &r.a.Plate, &r.a.VIN, &r.a.Description, &r.a.Action, &r.a.Contact, &r.a.Reference, &r.state, &r.version,
		&scope, &agencies, &r.dist.Region, &r.importID, &heldBy, &r.createdBy, &created, &updated); err != nil {
		return nil, err
	}
	r.a.Kind, r.a.Status, r.a.DocumentType = notice.AlertKind(kind), notice.AlertStatus(status), notice.DocumentType(docType)
	r.a.ID, r.a.Originator = r.id, r.originator
	r.dist.Scope = notice.Scope(scope)
	r.dist.Agencies, r.heldBy = splitList(agencies), splitList(heldBy)
	r.createdAt, r.updatedAt = fromMicro(created), fromMicro(updated)
	return &r, nil
}

func loadAlert(ctx context.Context, q db.Querier, where string, args ...any) (*alertRow, error) {
	r, err := scanAlert(q.QueryRowContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotExist, "id", "no such alert")
	}
	if err != nil {
		return nil, fmt.Errorf("read alert: %w", err)
	}
	return r, nil
}

func alertArgs(r *alertRow) []any {
	keyA, keyB := alertKeys(&r.a)
	ident := ""
	if r.own() {
		ident = identOf(keyA, keyB)
	}
	return []any{r.originator, r.sourceID, r.receivedFrom, string(r.a.Kind), string(r.a.Status), r.a.DocumentNumber,
		string(r.a.DocumentType), r.a.Country, r.a.Plate, r.a.VIN, r.a.Description, r.a.Action, r.a.Contact, r.a.Reference,
		keyA, keyB, ident, r.state, r.version, string(r.dist.Scope), strings.Join(r.dist.Agencies, ","), strings.ToLower(r.dist.Region),
		r.importID, strings.Join(r.heldBy, ","), micro(r.updatedAt)}
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func insertAlert(ctx context.Context, tx *db.Tx, r *alertRow) error {
	args := append([]any{r.id}, alertArgs(r)...)
	args = append(args, r.createdBy, micro(r.createdAt))
	if _, err := tx.ExecContext(ctx, `INSERT INTO alerts (id, originator, source_id, received_from, kind, status, document_number,
		document_type, country, plate, vin, description, action, contact, reference, key_a, key_b, ident, state, version, scope,
		agencies, region, import_id, held_by, updated_at, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...); err != nil {
		if db.IsUniqueViolation(err) {
			return errs.E(errs.Conflict, "alert", "an alert for the same document or vehicle exists already", err)
		}
		return fmt.Errorf("insert alert: %w", err)
	}
	return nil
}

// updateAlert stores r if the stored version is still prev.
func updateAlert(ctx context.Context, tx *db.Tx, r *alertRow, prev int64) error {
	args := append(alertArgs(r), r.id, prev)
	res, err := tx.ExecContext(ctx, `UPDATE alerts SET originator = ?, source_id = ?, received_from = ?, kind = ?, status = ?,
		document_number = ?, document_type = ?, country = ?, plate = ?, vin = ?, description = ?, action = ?, contact = ?,
		reference = ?, key_a = ?, key_b = ?, ident = ?, state = ?, version = ?, scope = ?, agencies = ?, region = ?, import_id = ?,
		held_by = ?, updated_at = ? WHERE id = ? AND version = ?`, args...)
	if err != nil {
		if db.IsUniqueViolation(err) {
			return errs.E(errs.Conflict, "alert", "an alert for the same document or vehicle exists already", err)
		}
		return fmt.Errorf("update alert: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("update alert: %w", err)
	} else if n != 1 {
		return errs.E(errs.Conflict, "version", "the alert was changed meanwhile; reload it and try again")
	}
	return nil
}

// alertIndexColumns are what the border index needs of an alert.
const alertIndexColumns = `kind, status, document_number, document_type, country, plate, vin, action, contact, reference,
	originator, source_id`

func scanIndexAlert(sc interface{ Scan(...any) error }) (notice.Alert, error) {
	var a notice.Alert
	var kind, status, docType, sourceID string
	if err := sc.Scan(&kind, &status, &a.DocumentNumber, &docType, &a.Country, &a.Plate, &a.VIN, &a.Action, &a.Contact,
		&a.Reference, &a.Originator, &sourceID); err != nil {
		return a, fmt.Errorf("read alert: %w", err)
	}
	a.Kind, a.Status, a.DocumentType = notice.AlertKind(kind), notice.AlertStatus(status), notice.DocumentType(docType)
	if a.Reference == "" {
		a.Reference = sourceID // something to quote when calling the originator
	}
	return a, nil
}

// indexed returns the alert as the border index holds it.
func (r *alertRow) indexed() notice.Alert {
	a := r.a
	if a.Reference == "" {
		a.Reference = r.sourceID
	}
	return a
}

// addAlert adds an alert to x; object alerts have no lookup key and are
// not indexed.
func addAlert(x *lookup.Index, a notice.Alert) error {
	if a.Kind == notice.Object {
		return nil
	}
	return x.Add(a)
}

// alertForKey is a minimal alert carrying one stored key, for removing
// that key from the index.
func alertForKey(key string) notice.Alert {
	switch key[0] {
	case 'D':
		return notice.Alert{Kind: notice.TravelDocument, Status: notice.Stolen, Country: key[1:3], DocumentNumber: key[3:]}
	case 'P':
		return notice.Alert{Kind: notice.Vehicle, Status: notice.Stolen, Country: key[1:3], Plate: key[3:]}
	default:
		return notice.Alert{Kind: notice.Vehicle, Status: notice.Stolen, VIN: key[1:]}
	}
}

// indexOps collects the index changes of one transaction, applied in
// order after it commits.
type indexOps struct {
	addAlerts    []notice.Alert
	removeKeys   []string
	addNotices   []notice.Notice
	removeNotice []string
}

// stage bumps the alert generation when ops change alerts, and applies
// ops to the index once tx commits. Writes go through the group committer,
// which runs the post-commit functions in commit order, so the index sees
// changes in the order storage does.
func (s *Service) stage(ctx context.Context, tx *db.Tx, ops *indexOps) error {
	gen := int64(-1)
	if len(ops.addAlerts)+len(ops.removeKeys) > 0 {
		var err error
		if gen, err = bumpGeneration(ctx, tx); err != nil {
			return err
		}
	}
	tx.OnCommit(func() { s.apply(ops, gen) })
	return nil
}

// apply changes the index; gen is the alert generation the change
// committed as, or -1 when it changed no alert.
func (s *Service) apply(ops *indexOps, gen int64) {
	s.genMu.Lock()
	defer s.genMu.Unlock()
	now := s.now()
	for _, k := range ops.removeKeys {
		if err := s.index.Remove(alertForKey(k)); err != nil {
			s.log.Error("remove alert key from the lookup index", "error", err.Error())
		}
	}
	for _, a := range ops.addAlerts {
		if err := addAlert(s.index, a); err != nil {
			s.log.Error("add alert to the lookup index", "error", err.Error())
		}
	}
	for _, id := range ops.removeNotice {
		s.index.RemoveNotice(id)
	}
	for _, n := range ops.addNotices {
		if !n.Active(now) {
			s.index.RemoveNotice(n.ID)
			continue
		}
		if err := s.index.AddNotice(n, now); err != nil {
			s.log.Error("add notice to the lookup index", "error", err.Error())
		}
	}
	if gen >= 0 {
		s.applied = gen
	}
}

// stageAlert records the index change from old (nil for a new alert) to
// cur: cur's keys point at cur while it is active; a key old had that cur
// no longer serves goes to another active alert with that key, if there
// is one, and is removed otherwise.
func stageAlert(ctx context.Context, tx *db.Tx, ops *indexOps, old, cur *alertRow) error {
	var curKeys []string
	if cur.state == AlertActive && cur.a.Kind != notice.Object {
		ops.addAlerts = append(ops.addAlerts, cur.indexed())
		a, b := alertKeys(&cur.a)
		curKeys = []string{a, b}
	}
	if old == nil || old.state != AlertActive {
		return nil
	}
	a, b := alertKeys(&old.a)
	for _, k := range []string{a, b} {
		if k == "" || contains(curKeys, k) {
			continue
		}
		repl, err := scanIndexAlert(tx.QueryRowContext(ctx, `SELECT `+alertIndexColumns+` FROM alerts
			WHERE state = ? AND id <> ? AND (key_a = ? OR key_b = ?) ORDER BY updated_at DESC LIMIT 1`, AlertActive, cur.id, k, k))
		switch {
		case err == nil:
			ops.addAlerts = append(ops.addAlerts, repl)
		case errors.Is(err, sql.ErrNoRows):
			ops.removeKeys = append(ops.removeKeys, k)
		default:
			return err
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// defaultEnvelope is the envelope of a new notice that comes without one.
func (s *Service) defaultEnvelope(t notice.Type, now time.Time) *policy.Envelope {
	env := &policy.Envelope{
		Originator:             s.cfg.Agency,
		OriginatorCountry:      s.cfg.Country,
		Handling:               policy.H2,
		TLP:                    policy.TLPAmber,
		SourceReliability:      policy.SourceX,
		InformationReliability: policy.Info4,
		Purpose:                purposeOf(t),
		LegalBasis:             s.cfg.LegalBasis,
		ReviewDate:             now.AddDate(notice.ValidityYears, 0, 0),
	}
	if s.cfg.Exercise {
		// Exercise data has purpose training, and only it has (policy).
		env.Exercise, env.Purpose = true, policy.PurposeTraining
		env.PurposeDetail = "Exercise: " + string(purposeOf(t))
	}
	return env
}

// purposeOf is the default purpose of a notice type.
func purposeOf(t notice.Type) policy.Purpose {
	switch t {
	case notice.Red:
		return policy.PurposeJudicialCooperation
	case notice.Yellow, notice.Black:
		return policy.PurposeMissingPerson
	}
	return policy.PurposeCrimePrevention
}
