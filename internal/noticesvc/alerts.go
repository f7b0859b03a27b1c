package noticesvc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/ids"
	"github.com/liaison-project/liaison/internal/notice"
	"github.com/liaison-project/liaison/internal/notice/alertcsv"
)

func alertEvent(ctx context.Context, k audit.Kind, id, reason string) audit.Event {
	e := audit.New(ctx, k, audit.Ref{Type: "alert", ID: id})
	e.Reason = reason
	return e
}

// normalizeInput validates an alert from a request and returns it
// normalised, with this node as originator.
func (s *Service) normalizeInput(in *AlertInput) (notice.Alert, error) {
	if err := checkDistribution(in.Distribution, false); err != nil {
		return notice.Alert{}, err
	}
	a := in.core(s.cfg.Agency)
	if err := a.Normalize(); err != nil {
		return a, err
	}
	return a, nil
}

// CreateAlert stores an alert of this node and sends it at once to its
// distribution (alerts need no compliance review). An own alert for the
// same document or vehicle exists already: Conflict (update it instead).
func (s *Service) CreateAlert(ctx context.Context, in AlertInput) (*Alert, error) {
	p, err := s.officer(ctx, AlertWriters)
	if err != nil {
		return nil, err
	}
	a, err := s.normalizeInput(&in)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	id := ids.New()
	a.ID = id
	r := &alertRow{id: id, a: a, originator: s.cfg.Agency, sourceID: id, state: AlertActive, version: 1, dist: in.Distribution,
		createdBy: p.UserID, createdAt: now, updatedAt: now}
	r.dist.Region = strings.ToLower(r.dist.Region)
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		sentTo, err := s.propagateAlert(ctx, tx, r, now)
		if err != nil {
			return err
		}
		if err := insertAlert(ctx, tx, r); err != nil {
			return err
		}
		ops := &indexOps{}
		if err := stageAlert(ctx, tx, ops, nil, r); err != nil {
			return err
		}
		if err := s.stage(ctx, tx, ops); err != nil {
			return err
		}
		if err := s.audit.Append(ctx, tx, alertEvent(ctx, audit.Collect, id, "alert-created")); err != nil {
			return err
		}
		return s.auditDisclosure(ctx, tx, audit.Ref{Type: "alert", ID: id}, "alert-distributed", sentTo)
	})
	if err != nil {
		return nil, err
	}
	return r.view(), nil
}

// GetAlert returns an alert, own or received.
func (s *Service) GetAlert(ctx context.Context, id string) (*Alert, error) {
	if _, err := s.officer(ctx, AlertReaders); err != nil {
		return nil, err
	}
	r, err := loadAlert(ctx, s.db, `id = ?`, id)
	if err != nil {
		return nil, err
	}
	if err := s.db.Write(ctx, func(tx *db.Tx) error {
		return s.audit.Append(ctx, tx, alertEvent(ctx, audit.Consult, id, "alert-read"))
	}); err != nil {
		return nil, err
	}
	return r.view(), nil
}

// AlertFilter selects alerts for ListAlerts.
type AlertFilter struct {
	Kind   notice.AlertKind
	State  string // active or cancelled
	Origin string // own or received
	Import string // an import id
	Before string // cursor: list ids below this one
	Limit  int
}

// ListAlerts lists alerts, newest first, and reports the id to continue
// from when there are more.
func (s *Service) ListAlerts(ctx context.Context, f AlertFilter) ([]*Alert, string, error) {
	if _, err := s.officer(ctx, AlertReaders); err != nil {
		return nil, "", err
	}
	f.Limit = pageLimit(f.Limit)
	where, args := []string{"1 = 1"}, []any{}
	if f.Kind != "" {
		if !slices.Contains([]notice.AlertKind{notice.TravelDocument, notice.Vehicle, notice.Object}, f.Kind) {
			return nil, "", errs.E(errs.Invalid, "kind", "kind must be travel-document, vehicle or object")
		}
		where, args = append(where, "kind = ?"), append(args, string(f.Kind))
	}
	if f.State != "" {
		if f.State != AlertActive && f.State != AlertCancelled {
			return nil, "", errs.E(errs.Invalid, "state", "state must be active or cancelled")
		}
		where, args = append(where, "state = ?"), append(args, f.State)
	}
	switch f.Origin {
	case "":
	case "own":
		where = append(where, "received_from = ''")
	case "received":
		where = append(where, "received_from <> ''")
	default:
		return nil, "", errs.E(errs.Invalid, "origin", "origin must be own or received")
	}
	if f.Import != "" {
		where, args = append(where, "import_id = ?"), append(args, f.Import)
	}
	if f.Before != "" {
		where, args = append(where, "id < ?"), append(args, f.Before)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC LIMIT ?`, append(args, f.Limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("list alerts: %w", err)
	}
	defer rows.Close()
	out := []*Alert{}
	var ids []string
	for rows.Next() {
		r, err := scanAlert(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list alerts: %w", err)
		}
		out = append(out, r.view())
		ids = append(ids, r.id)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list alerts: %w", err)
	}
	next := ""
	if len(out) > f.Limit {
		out, ids = out[:f.Limit], ids[:f.Limit]
		next = ids[len(ids)-1]
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		return s.appendCall(ctx, tx, audit.Consult, "alert", "alert-list", ids)
	})
	return out, next, err
}

// alertChange changes an own alert in a write.
func (s *Service) alertChange(ctx context.Context, id string, fn func(r *alertRow) (string, error)) (*Alert, error) {
	if _, err := s.officer(ctx, AlertWriters); err != nil {
		return nil, err
	}
	now := s.clock()
	var out *Alert
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		old, err := loadAlert(ctx, tx, `id = ?`, id)
		if err != nil {
			return err
		}
		if !old.own() {
			return errs.E(errs.Permission, "id", "only the originator "+old.originator+" changes this alert")
		}
		r := *old
		reason, err := fn(&r)
		if err != nil {
			return err
		}
		r.version++
		r.updatedAt = now
		sentTo, err := s.propagateAlert(ctx, tx, &r, now)
		if err != nil {
			return err
		}
		if err := updateAlert(ctx, tx, &r, old.version); err != nil {
			return err
		}
		ops := &indexOps{}
		if err := stageAlert(ctx, tx, ops, old, &r); err != nil {
			return err
		}
		if err := s.stage(ctx, tx, ops); err != nil {
			return err
		}
		if err := s.audit.Append(ctx, tx, alertEvent(ctx, audit.Alter, id, reason)); err != nil {
			return err
		}
		if err := s.auditDisclosure(ctx, tx, audit.Ref{Type: "alert", ID: id}, "alert-distributed", sentTo); err != nil {
			return err
		}
		out = r.view()
		return nil
	})
	return out, err
}

// UpdateAlert replaces an active own alert's content; version must be its
// current version. Partners holding it receive the new version.
func (s *Service) UpdateAlert(ctx context.Context, id string, version int64, in AlertInput) (*Alert, error) {
	return s.alertChange(ctx, id, func(r *alertRow) (string, error) {
		if r.version != version {
			return "", errs.E(errs.Conflict, "version", fmt.Sprintf("the alert is at version %d, not %d; reload it", r.version, version))
		}
		if r.state != AlertActive {
			return "", errs.E(errs.Conflict, "state", "a cancelled alert is not changed; create a new one")
		}
		a, err := s.normalizeInput(&in)
		if err != nil {
			return "", err
		}
		a.ID = r.id
		r.a, r.dist = a, in.Distribution
		r.dist.Region = strings.ToLower(r.dist.Region)
		return "alert-updated", nil
	})
}

// CancelAlert cancels an own alert (recovered, found, entered in error):
// it stops producing hits here at once, and partners holding it are told.
func (s *Service) CancelAlert(ctx context.Context, id, reason string) (*Alert, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, errs.E(errs.Invalid, "reason", "a cancellation gives its reason")
	}
	if len(reason) > notice.MaxReasonsLen {
		return nil, errs.E(errs.TooLarge, "reason", "reason too long")
	}
	return s.alertChange(ctx, id, func(r *alertRow) (string, error) {
		if r.state != AlertActive {
			return "", errs.E(errs.Conflict, "state", "the alert is cancelled already")
		}
		r.state = AlertCancelled
		return "alert-cancelled", nil
	})
}

// AlertDistribution reports where an own alert went and whether each
// partner acknowledged it.
func (s *Service) AlertDistribution(ctx context.Context, id string) ([]PartnerState, error) {
	if _, err := s.officer(ctx, DistributionReaders); err != nil {
		return nil, err
	}
	r, err := loadAlert(ctx, s.db, `id = ?`, id)
	if err != nil {
		return nil, err
	}
	if !r.own() {
		return nil, errs.E(errs.Conflict, "id", "a received alert is distributed by its originator")
	}
	subjects := [][2]string{{subjectAlert, id}}
	if r.importID != "" {
		subjects = append(subjects, [2]string{subjectImport, r.importID})
	}
	return s.distribution(ctx, subjects...)
}

// propagateAlert sends one alert to its distribution (publish to new
// holders, update to current ones) and cancellations to holders it no
// longer reaches, or to every holder once it is cancelled. It updates
// r.heldBy, which the caller stores, and returns who was sent something.
func (s *Service) propagateAlert(ctx context.Context, tx *db.Tx, r *alertRow, now time.Time) ([]string, error) {
	if len(r.heldBy) == 0 && (r.state != AlertActive || r.dist.Scope == "") {
		return nil, nil // nobody holds it and nobody is to receive it
	}
	partners, err := s.partners(ctx)
	if err != nil {
		return nil, err
	}
	var sentTo, held []string
	if r.state == AlertActive {
		to, withheld := resolve(r.dist, partners, s.cfg.Exercise)
		for _, agency := range sortedKeys(withheld) {
			if err := recordSend(ctx, tx, subjectAlert, r.id, agency, EventPublish, r.version, "", withheld[agency], now); err != nil {
				return nil, err
			}
		}
		for _, p := range to {
			event := EventPublish
			if slices.Contains(r.heldBy, p.Agency) {
				event = EventUpdate
			}
			w := wire{Kind: wireAlerts, Alerts: []wireAlert{r.wire()}}
			if err := s.send(ctx, tx, subjectAlert, r.id, p.Agency, event, r.version, nil, w, now); err != nil {
				return nil, err
			}
			sentTo, held = append(sentTo, p.Agency), append(held, p.Agency)
		}
	}
	for _, h := range r.heldBy {
		if slices.Contains(held, h) {
			continue
		}
		p := partnerByAgency(partners, h)
		if p.State != partnerActive {
			if err := recordSend(ctx, tx, subjectAlert, r.id, h, EventCancel, r.version, "", unreachable(p), now); err != nil {
				return nil, err
			}
			if p.State != federation.StateRemoved {
				held = append(held, h) // still holds it: the job retries
			}
			continue
		}
		w := wire{Kind: wireAlerts, Cancel: []string{r.sourceID}}
		if err := s.send(ctx, tx, subjectAlert, r.id, h, EventCancel, r.version, nil, w, now); err != nil {
			return nil, err
		}
		sentTo = append(sentTo, h)
	}
	r.heldBy = held
	return sentTo, nil
}

func (r *alertRow) wire() wireAlert {
	in := alertInputOf(&r.a, Distribution{})
	return wireAlert{ID: r.sourceID, Version: r.version, AlertInput: in}
}

// ImportOptions are the options of an alert import.
type ImportOptions struct {
	Distribution Distribution
	// FirstLine is the line number, in the caller's file, of the first
	// line of this request's CSV (its header): a client sending a large
	// file in several requests sets it so that errors name lines of the
	// file. Default 1.
	FirstLine int
}

// AlertImport is the outcome of an alert import.
type AlertImport struct {
	ImportID     string             `json:"importId"`
	Kind         notice.AlertKind   `json:"kind"`
	Records      int                `json:"records"`
	Created      int                `json:"created"`
	Updated      int                `json:"updated"`
	Unchanged    int                `json:"unchanged"`
	Warnings     []alertcsv.Warning `json:"warnings,omitempty"`
	WarningCount int                `json:"warningCount"`
	SentTo       []string           `json:"sentTo,omitempty" doc:"partners the alerts were queued for"`
	Withheld     map[string]string  `json:"withheld,omitempty" doc:"named agencies not sent to, with the reason"`
}

// ImportAlerts reads a CSV file of alerts (see internal/notice/alertcsv
// for the columns) and stores them, all or none: the whole request is
// parsed and checked before anything is written, and an error names the
// line and the column. Alerts this node already has for the same document
// or vehicle are updated (an import can be repeated safely). The alerts
// go to the import's distribution in messages of AlertsPerSend alerts.
// The import is audited as one collect event naming the import id, which
// every imported alert carries.
func (s *Service) ImportAlerts(ctx context.Context, body io.Reader, opts ImportOptions) (*AlertImport, error) {
	p, err := s.officer(ctx, AlertWriters)
	if err != nil {
		return nil, err
	}
	if err := checkDistribution(opts.Distribution, false); err != nil {
		return nil, err
	}
	opts.Distribution.Region = strings.ToLower(opts.Distribution.Region)
	if opts.FirstLine <= 0 {
		opts.FirstLine = 1
	}
	var alerts []notice.Alert
	sum, err := alertcsv.Read(body, alertcsv.Options{MaxRecords: s.cfg.MaxImportRows, Originator: s.cfg.Agency},
		func(line int, a notice.Alert) error {
			if a.Originator != s.cfg.Agency {
				return errs.E(errs.Invalid, fmt.Sprintf("line %d: originator", line+opts.FirstLine-1),
					"alerts are imported in this node's name ("+s.cfg.Agency+"); name other agencies as contact")
			}
			alerts = append(alerts, a)
			return nil
		})
	if err != nil {
		return nil, fileLineError(err, opts.FirstLine-1)
	}
	for i := range sum.Warnings {
		sum.Warnings[i].Line += opts.FirstLine - 1
	}
	now := s.clock()
	res := &AlertImport{ImportID: ids.New(), Kind: sum.Kind, Records: sum.Records, Warnings: sum.Warnings, WarningCount: sum.WarningCount}
	// Through the group committer (not db.Tx), so that the index changes
	// of concurrent writes apply in commit order. A request is bounded
	// (MaxImportRows, the API body limit), which bounds how long it holds
	// the committer; clients send large files in batches.
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		changes, unchanged, err := s.importChanges(ctx, tx, alerts, res.ImportID, opts.Distribution, p.UserID, now)
		if err != nil {
			return err
		}
		res.Unchanged = unchanged
		rows := make([]*alertRow, len(changes))
		for i, c := range changes {
			rows[i] = c.cur
		}
		sentTo, withheld, err := s.propagateImport(ctx, tx, res.ImportID, rows, opts.Distribution, now)
		if err != nil {
			return err
		}
		res.SentTo, res.Withheld = sentTo, withheld
		ops := &indexOps{}
		for _, c := range changes {
			if c.old == nil {
				err = insertAlert(ctx, tx, c.cur)
				res.Created++
			} else {
				err = updateAlert(ctx, tx, c.cur, c.old.version)
				res.Updated++
			}
			if err != nil {
				return err
			}
			if err := stageAlert(ctx, tx, ops, c.old, c.cur); err != nil {
				return err
			}
		}
		if err := s.stage(ctx, tx, ops); err != nil {
			return err
		}
		e := audit.New(ctx, audit.Collect, audit.Ref{Type: "alert-import", ID: res.ImportID})
		e.Reason = "alert-import"
		if err := s.audit.Append(ctx, tx, e); err != nil {
			return err
		}
		return s.auditDisclosure(ctx, tx, audit.Ref{Type: "alert-import", ID: res.ImportID}, "alert-distributed", sentTo)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// importChange is one alert an import creates (old nil) or changes.
type importChange struct {
	old, cur *alertRow
}

// importChanges works out what an import changes: a new alert for a
// document or vehicle this node has no alert for, an update of the own
// alert with the same keys when something differs, nothing otherwise. A
// key repeated in the file counts once, its last row winning.
func (s *Service) importChanges(ctx context.Context, tx *db.Tx, alerts []notice.Alert, importID string, dist Distribution,
	user string, now time.Time) ([]importChange, int, error) {
	var changes []importChange
	byIdent := map[string]int{} // ident → index in changes
	unchanged := 0
	for _, a := range alerts {
		keyA, keyB := alertKeys(&a)
		ident := identOf(keyA, keyB)
		if i, ok := byIdent[ident]; ok && ident != "" {
			a.ID = changes[i].cur.id
			changes[i].cur.a = a
			continue
		}
		var old *alertRow
		if ident != "" {
			r, err := loadAlert(ctx, tx, `ident = ? AND received_from = ''`, ident)
			switch {
			case err == nil:
				old = r
			case !errs.Is(err, errs.NotExist):
				return nil, 0, err
			}
		}
		if old != nil {
			a.ID = old.id
			if old.state == AlertActive && old.a == a && distEqual(old.dist, dist) {
				unchanged++
				continue
			}
			cur := *old
			cur.a, cur.state, cur.dist = a, AlertActive, dist
			cur.version++
			cur.importID, cur.updatedAt = importID, now
			changes = append(changes, importChange{old: old, cur: &cur})
		} else {
			id := ids.New()
			a.ID = id
			changes = append(changes, importChange{cur: &alertRow{id: id, a: a, originator: s.cfg.Agency, sourceID: id,
				state: AlertActive, version: 1, dist: dist, importID: importID, createdBy: user, createdAt: now, updatedAt: now}})
		}
		if ident != "" {
			byIdent[ident] = len(changes) - 1
		}
	}
	// A repeated row may have undone the change of an earlier one.
	kept := changes[:0]
	for _, c := range changes {
		if c.old != nil && c.old.state == AlertActive && c.old.a == c.cur.a && distEqual(c.old.dist, dist) {
			unchanged++
			continue
		}
		kept = append(kept, c)
	}
	return kept, unchanged, nil
}

// fileLineError renumbers an import error's line by offset lines, so that
// it names the line in the caller's file.
func fileLineError(err error, offset int) error {
	var le *alertcsv.LineError
	if !errors.As(err, &le) {
		return err // emit's own error, which names the line already
	}
	where := fmt.Sprintf("line %d", le.Line+offset)
	if le.Field != "" {
		where += ": " + le.Field
	}
	return errs.E(errs.KindOf(err), where, le.Message)
}

func distEqual(a, b Distribution) bool {
	return a.Scope == b.Scope && strings.EqualFold(a.Region, b.Region) && slices.Equal(a.Agencies, b.Agencies)
}

// propagateImport sends the alerts an import created or changed to the
// import's distribution, AlertsPerSend per message, and cancellations to
// partners that held one of them and are no longer reached. It sets each
// row's holders (the caller stores the rows).
func (s *Service) propagateImport(ctx context.Context, tx *db.Tx, importID string, rows []*alertRow, dist Distribution,
	now time.Time) ([]string, map[string]string, error) {
	if len(rows) == 0 {
		return nil, nil, nil
	}
	var to []partnerRef
	withheld := map[string]string{}
	partners, err := s.partners(ctx)
	if err != nil {
		return nil, nil, err
	}
	if dist.Scope != "" {
		to, withheld = resolve(dist, partners, s.cfg.Exercise)
	}
	for _, agency := range sortedKeys(withheld) {
		if err := recordSend(ctx, tx, subjectImport, importID, agency, EventPublish, 0, "", withheld[agency], now); err != nil {
			return nil, nil, err
		}
	}
	var sentTo []string
	targets := make([]string, len(to))
	for i, p := range to {
		targets[i] = p.Agency
	}
	for _, p := range to {
		for chunk := range slices.Chunk(rows, s.cfg.AlertsPerSend) {
			w := wire{Kind: wireAlerts, Alerts: make([]wireAlert, len(chunk))}
			for i, r := range chunk {
				w.Alerts[i] = r.wire()
			}
			if err := s.send(ctx, tx, subjectImport, importID, p.Agency, EventPublish, 0, nil, w, now); err != nil {
				return nil, nil, err
			}
		}
		sentTo = append(sentTo, p.Agency)
	}
	// Holders the import no longer reaches.
	cancels := map[string][]string{} // partner → source ids
	for _, r := range rows {
		held := slices.Clone(targets)
		for _, h := range r.heldBy {
			if slices.Contains(targets, h) {
				continue
			}
			p := partnerByAgency(partners, h)
			switch p.State {
			case partnerActive:
				cancels[h] = append(cancels[h], r.sourceID)
			case federation.StateRemoved:
			default:
				held = append(held, h) // told by the job once the partner is back
			}
		}
		r.heldBy = held
	}
	for _, h := range slices.Sorted(maps.Keys(cancels)) {
		for chunk := range slices.Chunk(cancels[h], s.cfg.AlertsPerSend) {
			w := wire{Kind: wireAlerts, Cancel: chunk, Reason: "no longer in the alert's distribution"}
			if err := s.send(ctx, tx, subjectImport, importID, h, EventCancel, 0, nil, w, now); err != nil {
				return nil, nil, err
			}
		}
		sentTo = append(sentTo, h)
	}
	slices.Sort(sentTo)
	return sentTo, withheld, nil
}
