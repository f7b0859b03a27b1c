package exercise

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/scenario"
)

// Outcomes of a timeline event.
const (
	OK      = "ok"      // done, and the nodes answered as the timeline expects
	Skipped = "skipped" // not played: real nodes cannot keep it apart from real data
	Failed  = "failed"
)

// DefaultWait bounds how long the player waits for a partner's delivery.
const DefaultWait = 20 * time.Second

// MaxSpeed bounds the speed factor (a week of timeline in ten seconds).
const MaxSpeed = 100_000

// Node is a node taking part in an exercise.
type Node struct {
	// Agency is the scenario agency the node plays, e.g. NL-NCB.
	Agency string
	// Client calls the node with an exercise token of a SPOC.
	Client *client.Client

	id           string // the node's own agency id, from GET /api/v1/me
	exerciseNode bool   // an exercise node (liaison init --exercise), from GET /api/v1/me
}

// Player plays a scenario's timeline into running nodes.
type Player struct {
	Scenario *Scenario
	Nodes    []*Node
	// Speed divides the timeline's offsets: 60 plays a minute of the
	// timeline per second; 0 plays every event at once.
	Speed float64
	// Background loads the records the timeline does not create (the
	// background networks) before the clock starts.
	Background bool
	// Out receives one line per event and a summary.
	Out io.Writer
	// Journal, when not nil, receives a JSON line per record created, so
	// that "exercise clean" also finds records that search no longer
	// lists (withdrawn ones).
	Journal io.Writer
	// Wait bounds each wait for a delivery (default DefaultWait).
	Wait time.Duration

	nodes   map[string]*Node // by scenario agency
	story   map[string]*scenario.Record
	created map[string]string // scenario record id → node record id
	// exerciseNodes is set when every node is an exercise node: only then
	// are alerts, notices and hit/no-hit queries played.
	exerciseNodes bool
	lastCreated   time.Time // when the last record was created
}

// Summary counts what a run did.
type Summary struct {
	Background int // background records loaded
	Alerts     int // alerts loaded (exercise nodes only)
	Played     int // events played as expected
	Skipped    int
	Failed     int
}

// JournalEntry is a line of the journal.
type JournalEntry struct {
	Agency   string `json:"agency"` // the node's agency id
	Record   string `json:"record"` // the node's record id
	Scenario string `json:"scenario"`
}

// Run checks the nodes, loads the background and plays the timeline. It
// returns an error when the exercise cannot start (a node unreachable, a
// token that is not an exercise token); events that fail are counted in
// the summary.
func (p *Player) Run(ctx context.Context) (*Summary, error) {
	if p.Speed < 0 || p.Speed > MaxSpeed {
		return nil, errs.E(errs.Invalid, "speed", fmt.Sprintf("must be between 0 and %d", MaxSpeed))
	}
	if p.Wait <= 0 {
		p.Wait = DefaultWait
	}
	if p.Out == nil {
		p.Out = io.Discard
	}
	if err := p.checkNodes(ctx); err != nil {
		return nil, err
	}
	sum := &Summary{}
	if err := p.load(ctx, sum); err != nil {
		return sum, err
	}
	start := time.Now()
	for _, e := range p.Scenario.Timeline {
		if p.Speed > 0 {
			at := start.Add(time.Duration(float64(e.OffsetSeconds) * float64(time.Second) / p.Speed))
			if err := sleepUntil(ctx, at); err != nil {
				return sum, err
			}
		}
		outcome, detail := p.play(ctx, e)
		switch outcome {
		case OK:
			sum.Played++
		case Skipped:
			sum.Skipped++
		default:
			sum.Failed++
		}
		fmt.Fprintf(p.Out, "%s #%-3d %-7s %s %s: %s\n", clock(e.OffsetSeconds), e.Seq, outcome, e.Type, e.Actor, detail)
	}
	fmt.Fprintf(p.Out, "exercise: %d events as expected, %d skipped, %d failed; %d background records and %d alerts loaded\n",
		sum.Played, sum.Skipped, sum.Failed, sum.Background, sum.Alerts)
	return sum, nil
}

// clock renders an offset as h:mm:ss.
func clock(s int64) string { return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60) }

func sleepUntil(ctx context.Context, at time.Time) error {
	d := time.Until(at)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// me is the part of GET /api/v1/me the player checks.
type me struct {
	Agency   string      `json:"agency"`
	Role     access.Role `json:"role"`
	Exercise bool        `json:"exercise"`
	// ExerciseNode: the node holds exercise data only.
	ExerciseNode bool `json:"exerciseNode"`
}

// checkNodes refuses to play unless every scenario agency has a node
// whose token is a SPOC's exercise token, and the nodes are all exercise
// nodes or all real nodes (the two never federate).
func (p *Player) checkNodes(ctx context.Context) error {
	p.nodes = map[string]*Node{}
	var exerciseNodes, realNodes []string
	for _, n := range p.Nodes {
		if _, ok := p.Scenario.Agency(n.Agency); !ok {
			return errs.E(errs.Invalid, "nodes", "the scenario has no agency "+n.Agency)
		}
		if p.nodes[n.Agency] != nil {
			return errs.E(errs.Invalid, "nodes", "two nodes play "+n.Agency)
		}
		if err := CheckExerciseToken(ctx, n); err != nil {
			return err
		}
		p.nodes[n.Agency] = n
		if n.exerciseNode {
			exerciseNodes = append(exerciseNodes, n.Agency)
		} else {
			realNodes = append(realNodes, n.Agency)
		}
	}
	if len(exerciseNodes) > 0 && len(realNodes) > 0 {
		return errs.E(errs.Invalid, "nodes", fmt.Sprintf("%s run exercise nodes and %s real nodes, which never federate: "+
			"play an exercise on exercise nodes only, or on real nodes only", strings.Join(exerciseNodes, ", "), strings.Join(realNodes, ", ")))
	}
	p.exerciseNodes = len(realNodes) == 0
	for _, a := range p.Scenario.Manifest.Agencies {
		if p.nodes[a.ID] == nil {
			return errs.E(errs.Invalid, "nodes", "no node plays "+a.ID)
		}
	}
	return nil
}

// CheckExerciseToken asks the node who n's token is: it must be an exercise
// token of a SPOC (who may create, share, withdraw and erase records).
// It sets the node's own agency id.
func CheckExerciseToken(ctx context.Context, n *Node) error {
	var m me
	if err := n.Client.Get(ctx, "/api/v1/me", nil, &m); err != nil {
		return fmt.Errorf("%s: %w", n.Agency, err)
	}
	if !m.Exercise {
		return errs.E(errs.Permission, "tokens", n.Agency+": not an exercise token: create one with \"liaison exercise token\"")
	}
	if m.Role != access.SPOC {
		return errs.E(errs.Permission, "tokens", fmt.Sprintf("%s: the exercise token is a %s's, want a spoc's", n.Agency, m.Role))
	}
	n.id, n.exerciseNode = m.Agency, m.ExerciseNode
	return nil
}

// ExerciseNode reports whether the node said it is an exercise node (known
// once the player or Clean has checked its token).
func (n *Node) ExerciseNode() bool { return n.exerciseNode }

// agencyMap maps scenario agency ids to the nodes' own ids.
func (p *Player) agencyMap() map[string]string {
	m := make(map[string]string, len(p.nodes))
	for a, n := range p.nodes {
		m[a] = n.id
	}
	return m
}

// load reads every agency's records: the timeline's are kept for their
// events, the others are created now when Background is set.
func (p *Player) load(ctx context.Context, sum *Summary) error {
	inTimeline := map[string]bool{}
	for _, e := range p.Scenario.Timeline {
		if e.RecordID != "" {
			inTimeline[e.RecordID] = true
		}
	}
	p.story, p.created = map[string]*scenario.Record{}, map[string]string{}
	for _, a := range p.Scenario.Manifest.Agencies {
		t0, before := time.Now(), sum.Background
		err := p.Scenario.Records(a.ID, func(r *scenario.Record) error {
			if inTimeline[r.ID] {
				p.story[r.ID] = r
				return nil
			}
			if !p.Background {
				return nil
			}
			if _, err := p.createRecord(ctx, p.nodes[a.ID], r); err != nil {
				return err
			}
			sum.Background++
			return nil
		})
		if err != nil {
			return fmt.Errorf("background records of %s: %w", a.ID, err)
		}
		if n := sum.Background - before; n > 0 {
			fmt.Fprintf(p.Out, "background: %d records of %s loaded in %.1f s\n", n, a.ID, time.Since(t0).Seconds())
		}
	}
	if p.exerciseNodes {
		return p.loadAlerts(ctx, sum)
	}
	return nil
}

// createRecord creates r on n as exercise data and journals it.
func (p *Player) createRecord(ctx context.Context, n *Node, r *scenario.Record) (string, error) {
	now := time.Now()
	shift, err := ReviewShift(&p.Scenario.Manifest, now)
	if err != nil {
		return "", err
	}
	d, err := Draft(r, DraftOptions{Exercise: true, Agencies: p.agencyMap(), Shift: shift, Now: now})
	if err != nil {
		return "", err
	}
	c := withJustification(n.Client, "exercise "+p.Scenario.Manifest.Story.Operation+": record "+r.ID)
	var res struct {
		Record struct {
			ID string `json:"id"`
		} `json:"record"`
	}
	if err := c.Post(ctx, "/api/v1/records", d, &res); err != nil {
		return "", fmt.Errorf("record %s: %w", r.ID, err)
	}
	p.created[r.ID] = res.Record.ID
	p.lastCreated = time.Now()
	if p.Journal != nil {
		b, _ := json.Marshal(JournalEntry{Agency: n.id, Record: res.Record.ID, Scenario: r.ID})
		if _, err := p.Journal.Write(append(b, '\n')); err != nil {
			return "", fmt.Errorf("journal: %w", err)
		}
	}
	return res.Record.ID, nil
}

// withJustification returns a copy of c sending justification.
func withJustification(c *client.Client, justification string) *client.Client {
	cc := *c
	cc.Justification = justification
	return &cc
}

// play performs one event and says how it went.
func (p *Player) play(ctx context.Context, e scenario.TimelineEvent) (string, string) {
	n := p.nodes[e.Actor]
	if n == nil {
		return Failed, "no node plays " + e.Actor
	}
	switch e.Type {
	case scenario.EventRecordCreated:
		r := p.story[e.RecordID]
		if r == nil {
			return Failed, "record " + e.RecordID + " is not in " + e.Actor + "'s records"
		}
		id, err := p.createRecord(ctx, n, r)
		if err != nil {
			return Failed, err.Error()
		}
		return OK, fmt.Sprintf("stored as %s (%s, exercise)", id, r.Envelope.Handling)
	case scenario.EventRecordShared:
		r := p.story[e.RecordID]
		id := p.created[e.RecordID]
		if r == nil || id == "" {
			return Failed, "record " + e.RecordID + " was not created"
		}
		body := fmt.Sprintf("%s shares record %s (case %s): %s\n\n%s", n.id, id, r.CaseRef, r.Title, e.Text)
		return p.message(ctx, n, e.Recipients, r.Title, body, r.Envelope.Handling, r.Envelope.TLP)
	case scenario.EventMessage:
		handling := e.Handling
		if handling == "" {
			handling = "H0"
		}
		return p.message(ctx, n, e.Recipients, "Request for information", e.Text, handling, "TLP:AMBER")
	case scenario.EventRecordWithdrawn:
		id := p.created[e.RecordID]
		if id == "" {
			return Failed, "record " + e.RecordID + " was not created"
		}
		c := withJustification(n.Client, "exercise withdrawal: "+e.Text)
		var rec struct {
			State string `json:"state"`
		}
		if err := c.Post(ctx, "/api/v1/records/"+id+"/withdraw", nil, &rec); err != nil {
			return Failed, err.Error()
		}
		if rec.State != "withdrawn" {
			return Failed, "record is " + rec.State
		}
		return OK, "record " + id + " withdrawn"
	case scenario.EventQuery:
		if !p.exerciseNodes {
			return Skipped, "real nodes: hit/no-hit queries are exercised on exercise nodes (liaison init --exercise), as real partners would answer from real data"
		}
		return p.query(ctx, n, e)
	case scenario.EventAlertLookup:
		if !p.exerciseNodes {
			return Skipped, "real nodes: alerts and border checks are exercised on exercise nodes (liaison init --exercise), as an exercise alert would hit real border checks"
		}
		return p.lookup(ctx, n, e)
	case scenario.EventNoticeDrafted, scenario.EventNoticeRequested:
		if !p.exerciseNodes {
			return Skipped, "real nodes: notices are exercised on exercise nodes (liaison init --exercise), as an exercise notice would reach real border checks"
		}
		return p.noticeEvent(ctx, n, e)
	}
	return Skipped, "unknown event type"
}

// ExerciseMarking opens and closes the body of every exercise message, the
// customary marking of exercise traffic.
const ExerciseMarking = "EXERCISE EXERCISE EXERCISE"

// message sends an exercise message from n and waits for its delivery.
func (p *Player) message(ctx context.Context, n *Node, to []string, subject, body, handling, tlp string) (string, string) {
	m := p.agencyMap()
	var recipients []string
	for _, a := range to {
		id, ok := m[a]
		if !ok {
			return Failed, "no node plays " + a
		}
		recipients = append(recipients, id)
	}
	req := map[string]any{
		"to":       recipients,
		"subject":  "EXERCISE " + subject,
		"body":     ExerciseMarking + "\n\n" + body + "\n\n" + ExerciseMarking,
		"caseRef":  ExerciseCase(p.Scenario.Manifest.Story.Operation),
		"handling": []string{handling},
		"tlp":      tlp,
	}
	if handling == "H3" {
		req["restrictions"] = "Exercise traffic: for the training session only."
	}
	c := withJustification(n.Client, "exercise "+p.Scenario.Manifest.Story.Operation)
	var msg struct {
		ID string `json:"id"`
	}
	if err := c.Post(ctx, "/api/v1/messages", req, &msg); err != nil {
		return Failed, err.Error()
	}
	t0 := time.Now()
	deadline := t0.Add(p.Wait)
	for {
		var page struct {
			Items []struct {
				Partner   string `json:"partner"`
				State     string `json:"state"`
				LastError string `json:"lastError"`
			} `json:"items"`
		}
		err := c.Do(ctx, client.Request{Method: http.MethodGet, Path: "/api/v1/messages/" + msg.ID + "/deliveries"}, &page)
		pending := slices.Clone(recipients)
		for _, dl := range page.Items {
			if dl.State == "failed" {
				return Failed, "delivery to " + dl.Partner + " failed: " + dl.LastError
			}
			if dl.State == "delivered" || dl.State == "read" {
				pending = slices.DeleteFunc(pending, func(a string) bool { return a == dl.Partner })
			}
		}
		if err == nil && len(pending) == 0 {
			return OK, fmt.Sprintf("message %s delivered to %s in %.1f s", msg.ID, strings.Join(recipients, ", "), time.Since(t0).Seconds())
		}
		if time.Now().After(deadline) {
			return Failed, fmt.Sprintf("message %s not delivered to %s within %s (%v)", msg.ID, strings.Join(pending, ", "), p.Wait, err)
		}
		if err := sleepUntil(ctx, time.Now().Add(100*time.Millisecond)); err != nil {
			return Failed, err.Error()
		}
	}
}

// ExerciseCase is the case reference of an exercise's messages.
func ExerciseCase(operation string) string {
	op := strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, operation)
	return truncate("EXERCISE-"+op, 64)
}
