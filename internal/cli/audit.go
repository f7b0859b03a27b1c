package cli

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/config"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/identity"
)

// Exit codes of the verification commands.
const (
	exitTampered   = 1 // the log or export was altered
	exitUnreadable = 2 // what should be verified could not be read
)

func tampered(format string, args ...any) error {
	return &ExitError{Code: exitTampered, Err: fmt.Errorf("TAMPERED: "+format, args...)}
}

func unreadable(err error) error {
	var ee *ExitError
	if errors.As(err, &ee) {
		return err
	}
	return &ExitError{Code: exitUnreadable, Err: err}
}

func newAuditCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Search, export and verify the tamper-evident audit log",
		Long: `Every collection, alteration, consultation, disclosure, combination and erasure of
personal data, and every security event, is an entry of the node's audit log: a Merkle
tree whose checkpoints the node signs with its agency key at least every 10 seconds.

Data protection officers and administrators search and export events (with
--justification or --case: reading the log is itself logged). Anyone with the node
directory, a saved checkpoint file or an export can verify that no entry was removed or
rewritten: verification exits 1 when it finds tampering and names the first bad entry,
and 2 when it cannot read what it should verify.`,
	}
	cmd.AddCommand(newAuditVerifyCmd(env), newAuditCheckpointCmd(env), newAuditSearchCmd(env),
		newAuditEventCmd(env), newAuditExportCmd(env), newAuditVerifyExportCmd(env))
	return cmd
}

func newAuditVerifyCmd(env *Env) *cobra.Command {
	var checkpoints, key string
	var events bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Verify the audit log of a node directory (offline) or of a running node",
		Long: `With --dir DIR, verify recomputes the audit log from the node's database offline: every
event must sit at its index with the leaf hash and MAC of its canonical encoding, and the
tree must match every checkpoint the node stored (and those of --checkpoints FILE).

With --url and --token, verify checks a running node: it downloads every event, recomputes
the tree and holds it against the node's latest signed checkpoint and against the
checkpoints saved earlier with "liaison audit checkpoint save FILE" (--checkpoints FILE,
whose pinned key the node's checkpoints must be signed with). Downloading the events
reads the log, so it needs a dpo or admin token and --justification or --case, and is
itself logged. --events=false checks only consistency proofs between the saved checkpoints
and the latest one, which any token may do.

On success it prints the tree size and root. It exits 1 when the log was tampered with,
naming the first bad entry, and 2 when it cannot read the log.`,
		Example: `  liaison audit verify --dir ./nl
  liaison audit verify --url https://nl.example:8443 --token $TOKEN --checkpoints nl-checkpoints.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			remote := env.URL != "" || (env.Dir == "" && env.Getenv("LIAISON_URL") != "")
			if !remote && env.Dir == "" {
				return unreadable(errors.New("give --dir DIR for a node directory, or --url and --token for a running node"))
			}
			saved, err := loadCheckpointFile(checkpoints)
			if err != nil {
				return unreadable(err)
			}
			if remote {
				return verifyRemote(cmd.Context(), env, saved, key, events)
			}
			return verifyDir(cmd.Context(), env, env.Dir, saved)
		},
	}
	cmd.Flags().StringVar(&checkpoints, "checkpoints", "", "checkpoint file written by \"liaison audit checkpoint save\"")
	cmd.Flags().StringVar(&key, "key", "", "the log's verifier key (name+hash+base64), when no checkpoint file pins it")
	cmd.Flags().BoolVar(&events, "events", true, "with --url: download and recompute every event (false: consistency proofs only)")
	return cmd
}

// verifyDir verifies a node directory's log offline.
func verifyDir(ctx context.Context, env *Env, dir string, saved *checkpointFile) error {
	cfg, err := config.Load(dir)
	if err != nil {
		return unreadable(err)
	}
	dsn := cfg.DatabaseDSN(dir)
	if !db.IsPostgres(dsn) {
		// db.Open would create a missing SQLite file.
		if _, err := os.Stat(dsn); err != nil {
			return unreadable(fmt.Errorf("database: %w", err))
		}
	}
	id, err := identity.Load(dir, cfg.Agency.ID, cfg.Agency.Country, cfg.Agency.Name, cfg.API.CertFile, cfg.API.KeyFile)
	if err != nil {
		return unreadable(err)
	}
	keys, err := audit.NewKeys(audit.Origin(cfg.Agency.ID), id.SigningKey)
	if err != nil {
		return unreadable(err)
	}
	d, err := db.Open(ctx, dsn, db.Options{})
	if err != nil {
		return unreadable(err)
	}
	defer d.Close()
	if err := d.CheckMigrations(ctx, audit.Schema); err != nil {
		return unreadable(err)
	}
	var trusted []audit.Checkpoint
	if saved != nil {
		if saved.VerifierKey != keys.VerifierKey() {
			return tampered("the node's log key %s is not the key %s the checkpoints in the file were saved with", keys.VerifierKey(), saved.VerifierKey)
		}
		if trusted, err = saved.open(); err != nil {
			return unreadable(err)
		}
	}
	rep, err := audit.Verify(ctx, d, keys, trusted)
	if err != nil {
		return unreadable(err)
	}
	return reportVerify(env, rep.Size, rep.Root, rep.Checkpoints, rep.Problem)
}

func reportVerify(env *Env, size uint64, root []byte, checkpoints int, problem *audit.IntegrityError) error {
	if env.JSON {
		out := map[string]any{"ok": problem == nil, "size": size, "root": root, "checkpoints": checkpoints}
		if problem != nil {
			out["firstBadIndex"], out["reason"] = problem.Index, problem.Reason
		}
		if err := env.printJSON(out); err != nil {
			return err
		}
	}
	if problem != nil {
		return tampered("first bad entry %d: %s", problem.Index, problem.Reason)
	}
	if !env.JSON {
		fmt.Fprintf(env.Stdout, "OK: %d events, root %s, %d checkpoints match\n", size, base64.StdEncoding.EncodeToString(root), checkpoints)
	}
	return nil
}

// verifyRemote verifies a running node's log against saved checkpoints.
func verifyRemote(ctx context.Context, env *Env, saved *checkpointFile, key string, events bool) error {
	c, err := env.Client()
	if err != nil {
		return unreadable(err)
	}
	verifier, err := pinnedVerifier(ctx, env, c, saved, key)
	if err != nil {
		return err
	}
	var trusted []audit.Checkpoint
	if saved != nil {
		if trusted, err = saved.open(); err != nil {
			return unreadable(err)
		}
	}
	if events {
		resp, err := c.Raw(ctx, client.Request{Method: http.MethodGet, Path: "/api/v1/audit/export",
			Query: url.Values{"start": {"0"}, "proofs": {"false"}}})
		if err != nil {
			return unreadable(err)
		}
		defer resp.Body.Close()
		rep, err := audit.VerifyExport(resp.Body, verifier, trusted)
		if err != nil {
			return unreadable(err)
		}
		if rep.Problem == nil && rep.Header.End != rep.Checkpoint.Size {
			rep.Problem = &audit.IntegrityError{Index: rep.Header.End, Reason: "the node exported fewer events than its checkpoint covers"}
		}
		if rep.Problem == nil {
			if p := truncatedBelow(trusted, rep.Checkpoint.Size); p != nil {
				rep.Problem = p
			}
		}
		return reportVerify(env, rep.Checkpoint.Size, rep.Checkpoint.Root, 1+len(trusted), rep.Problem)
	}
	latest, err := fetchCheckpoint(ctx, c, verifier)
	if err != nil {
		return err
	}
	if p := truncatedBelow(trusted, latest.Size); p != nil {
		return reportVerify(env, latest.Size, latest.Root, 0, p)
	}
	matched := uint64(0)
	for i, t := range trusted {
		p, err := fetchConsistency(ctx, c, t.Size, latest.Size)
		if err != nil {
			return unreadable(err)
		}
		if err := p.Verify(t.Root, latest.Root); err != nil {
			return reportVerify(env, latest.Size, latest.Root, i, &audit.IntegrityError{Index: matched,
				Reason: fmt.Sprintf("the node's log is not an extension of the checkpoint of size %d saved earlier: events %d to %d were rewritten (%v)", t.Size, matched, t.Size-1, err)})
		}
		matched = t.Size
	}
	return reportVerify(env, latest.Size, latest.Root, 1+len(trusted), nil)
}

// truncatedBelow reports a trusted checkpoint larger than the node's log.
func truncatedBelow(trusted []audit.Checkpoint, size uint64) *audit.IntegrityError {
	for _, t := range trusted {
		if t.Size > size {
			return &audit.IntegrityError{Index: size,
				Reason: fmt.Sprintf("missing: a checkpoint saved earlier covers %d events, the node's log has %d (truncated)", t.Size, size)}
		}
	}
	return nil
}

// pinnedVerifier is the log key to trust: the one saved with the checkpoint
// file, else --key, else (trust on first use, with a warning) the node's.
func pinnedVerifier(ctx context.Context, env *Env, c *client.Client, saved *checkpointFile, key string) (note.Verifier, error) {
	switch {
	case saved != nil && key != "" && key != saved.VerifierKey:
		return nil, unreadable(errors.New("--key differs from the key in the checkpoint file"))
	case saved != nil:
		key = saved.VerifierKey
	case key == "":
		var info audit.CheckpointInfo
		if err := c.Get(ctx, "/api/v1/audit/checkpoint", nil, &info); err != nil {
			return nil, unreadable(err)
		}
		key = info.VerifierKey
		fmt.Fprintf(env.Stderr, "warning: trusting the log key the node presents (%s); pin it with --key or --checkpoints\n", key)
	}
	v, err := note.NewVerifier(key)
	if err != nil {
		return nil, unreadable(fmt.Errorf("log verifier key: %w", err))
	}
	return v, nil
}

func fetchCheckpoint(ctx context.Context, c *client.Client, v note.Verifier) (audit.Checkpoint, error) {
	var info audit.CheckpointInfo
	if err := c.Get(ctx, "/api/v1/audit/checkpoint", nil, &info); err != nil {
		return audit.Checkpoint{}, unreadable(err)
	}
	cp, _, err := audit.OpenCheckpoint([]byte(info.Note), v)
	if err != nil {
		return audit.Checkpoint{}, tampered("the node's checkpoint does not verify with the pinned key: %v", err)
	}
	return cp, nil
}

func fetchConsistency(ctx context.Context, c *client.Client, from, to uint64) (audit.ConsistencyProof, error) {
	var p audit.ConsistencyProof
	q := url.Values{"from": {strconv.FormatUint(from, 10)}, "to": {strconv.FormatUint(to, 10)}}
	if err := c.Get(ctx, "/api/v1/audit/proofs/consistency", q, &p); err != nil {
		return p, err
	}
	if p.From != from || p.To != to {
		return p, fmt.Errorf("the node answered a consistency proof for %d..%d, asked for %d..%d", p.From, p.To, from, to)
	}
	return p, nil
}

// checkpointFile holds checkpoints saved outside the node, and the log key
// they were first saved with.
type checkpointFile struct {
	Origin      string            `json:"origin"`
	VerifierKey string            `json:"verifierKey"`
	Checkpoints []savedCheckpoint `json:"checkpoints"`
}

type savedCheckpoint struct {
	SavedAt time.Time `json:"savedAt"`
	Note    string    `json:"note"`
}

// maxCheckpointFile bounds a checkpoint file (about 30,000 checkpoints).
const maxCheckpointFile = 16 << 20

func loadCheckpointFile(path string) (*checkpointFile, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint file: %w", err)
	}
	defer f.Close()
	var cf checkpointFile
	dec := json.NewDecoder(io.LimitReader(f, maxCheckpointFile))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cf); err != nil {
		return nil, fmt.Errorf("checkpoint file %s: %w", path, err)
	}
	if _, err := note.NewVerifier(cf.VerifierKey); err != nil {
		return nil, fmt.Errorf("checkpoint file %s: verifier key: %w", path, err)
	}
	return &cf, nil
}

// open verifies every saved checkpoint with the file's key, in size order.
func (cf *checkpointFile) open() ([]audit.Checkpoint, error) {
	v, err := note.NewVerifier(cf.VerifierKey)
	if err != nil {
		return nil, err
	}
	var out []audit.Checkpoint
	for i, s := range cf.Checkpoints {
		c, _, err := audit.OpenCheckpoint([]byte(s.Note), v)
		if err != nil {
			return nil, fmt.Errorf("saved checkpoint %d: %w", i+1, err)
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b audit.Checkpoint) int { return cmp.Compare(a.Size, b.Size) })
	return out, nil
}

func (cf *checkpointFile) save(path string) error {
	b, err := json.MarshalIndent(cf, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".checkpoints-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func newAuditCheckpointCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "checkpoint",
		Short: "Show, sign or save the node's signed audit checkpoints",
	}
	show := &cobra.Command{
		Use:   "show",
		Short: "Print the latest signed checkpoint (with witness cosignatures)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return checkpointRequest(cmd, env, http.MethodGet)
		},
	}
	sign := &cobra.Command{
		Use:   "sign",
		Short: "Integrate new events and sign a checkpoint now (dpo, admin)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return checkpointRequest(cmd, env, http.MethodPost)
		},
	}
	save := &cobra.Command{
		Use:   "save FILE",
		Short: "Fetch the latest checkpoint and add it to FILE, outside the node",
		Long: `save fetches the node's latest signed checkpoint and appends it to FILE. The first save
pins the log key: compare the printed key with the one the node's operator gives you out of
band. Later saves require the same key and a valid consistency proof from the last saved
checkpoint, so FILE only ever holds one consistent history. "liaison audit verify
--checkpoints FILE" holds the node's log against every checkpoint in it: an attacker who
truncates the log and its stored checkpoints cannot rewrite FILE.`,
		Example: "  liaison audit checkpoint save nl-checkpoints.json --url https://nl.example:8443 --token $TOKEN",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return saveCheckpoint(cmd.Context(), env, args[0])
		},
	}
	cmd.AddCommand(show, sign, save)
	return cmd
}

func checkpointRequest(cmd *cobra.Command, env *Env, method string) error {
	c, err := env.Client()
	if err != nil {
		return err
	}
	var info audit.CheckpointInfo
	if err := c.Do(cmd.Context(), client.Request{Method: method, Path: "/api/v1/audit/checkpoint", IdempotencyKey: idempotencyKeyFor(method)}, &info); err != nil {
		return err
	}
	if env.JSON {
		return env.printJSON(info)
	}
	fmt.Fprintf(env.Stdout, "%s\nverifier key: %s\n", info.Note, info.VerifierKey)
	return nil
}

func idempotencyKeyFor(method string) string {
	if method == http.MethodPost {
		return client.NewIdempotencyKey()
	}
	return ""
}

func saveCheckpoint(ctx context.Context, env *Env, path string) error {
	c, err := env.Client()
	if err != nil {
		return err
	}
	var info audit.CheckpointInfo
	if err := c.Get(ctx, "/api/v1/audit/checkpoint", nil, &info); err != nil {
		return err
	}
	cf, err := loadCheckpointFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	first := cf == nil
	if first {
		cf = &checkpointFile{Origin: info.Origin, VerifierKey: info.VerifierKey}
	}
	v, err := note.NewVerifier(cf.VerifierKey)
	if err != nil {
		return err
	}
	cp, n, err := audit.OpenCheckpoint([]byte(info.Note), v)
	if err != nil {
		return tampered("the node's checkpoint is not signed by the key saved in %s: %v", path, err)
	}
	saved, err := cf.open()
	if err != nil {
		return err
	}
	if len(saved) > 0 {
		last := saved[len(saved)-1]
		if last.Size > cp.Size {
			return tampered("the node's log has %d events, a checkpoint saved in %s covers %d (truncated)", cp.Size, path, last.Size)
		}
		p, err := fetchConsistency(ctx, c, last.Size, cp.Size)
		if err != nil {
			return err
		}
		if err := p.Verify(last.Root, cp.Root); err != nil {
			return tampered("the node's log is not an extension of the checkpoint of size %d saved in %s: %v", last.Size, path, err)
		}
		if last.Size == cp.Size {
			fmt.Fprintf(env.Stdout, "unchanged: %s already holds the checkpoint of size %d\n", path, cp.Size)
			return nil
		}
	}
	// Keep only the node's own signature: cosignatures are checked elsewhere.
	body := audit.Checkpoint{Origin: cp.Origin, Size: cp.Size, Root: cp.Root, Extensions: cp.Extensions}.Body()
	own := string(body) + "\n"
	for _, s := range n.Sigs {
		own += "— " + s.Name + " " + s.Base64 + "\n"
	}
	cf.Checkpoints = append(cf.Checkpoints, savedCheckpoint{SavedAt: time.Now().UTC(), Note: own})
	if err := cf.save(path); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if first {
		fmt.Fprintf(env.Stdout, "pinned log key %s\ncompare it with the key the node's operator gives you out of band\n", cf.VerifierKey)
	}
	fmt.Fprintf(env.Stdout, "saved checkpoint of size %d, root %s\n", cp.Size, base64.StdEncoding.EncodeToString(cp.Root))
	return nil
}

func newAuditSearchCmd(env *Env) *cobra.Command {
	var f struct {
		actor, agency, kind, object, objectType, caseRef, from, to string
		limit                                                      int
		all                                                        bool
	}
	cmd := &cobra.Command{
		Use:   "search",
		Short: "Search audit events, newest first (dpo, admin; needs --justification or --case)",
		Long: `search lists audit events matching all the filters given, newest first. Searching the
log is itself recorded in the log, with your justification and the filters.`,
		Example: `  liaison audit search --object rec-123 --case DPO-2025-7 --dir ./nl
  liaison audit search --actor u-42 --from 2025-01-01T00:00:00Z --to 2025-02-01T00:00:00Z --justification "complaint 17"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			q := url.Values{"limit": {strconv.Itoa(f.limit)}}
			for k, v := range map[string]string{"actor": f.actor, "agency": f.agency, "kind": f.kind, "object": f.object,
				"objectType": f.objectType, "case": f.caseRef, "from": f.from, "to": f.to} {
				if v != "" {
					q.Set(k, v)
				}
			}
			var entries []audit.Entry
			for {
				var page struct {
					Items      []audit.Entry `json:"items"`
					NextCursor string        `json:"nextCursor"`
				}
				if err := c.Get(cmd.Context(), "/api/v1/audit/events", q, &page); err != nil {
					return err
				}
				entries = append(entries, page.Items...)
				if page.NextCursor == "" || !f.all {
					if page.NextCursor != "" && !env.JSON {
						defer fmt.Fprintln(env.Stderr, "more events: use --all, or narrow the filters")
					}
					break
				}
				q.Set("cursor", page.NextCursor)
			}
			return env.printList(entries, len(entries), []string{"INDEX", "TIME", "KIND", "ACTOR", "AGENCY", "OBJECTS", "CASE", "OUTCOME"}, func(i int) []string {
				e := entries[i]
				var objs []string
				for _, o := range e.Event.Objects {
					objs = append(objs, o.Type+":"+o.ID)
				}
				return []string{strconv.FormatUint(e.Index, 10), e.Event.Time.Format(time.RFC3339), string(e.Event.Kind),
					e.Event.ActorName, e.Event.Agency, strings.Join(objs, " "), e.Event.CaseRef, string(e.Event.Outcome)}
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.actor, "actor", "", "user id of the acting officer")
	fl.StringVar(&f.agency, "agency", "", "agency id of the actor")
	fl.StringVar(&f.kind, "kind", "", "event kind: collect, alter, consult, disclose, combine, erase, login, login-failed, …")
	fl.StringVar(&f.object, "object", "", "id of a record, entity, message, notice, user, … the event concerns")
	fl.StringVar(&f.objectType, "object-type", "", "with --object: its type")
	fl.StringVar(&f.caseRef, "event-case", "", "case reference the events were justified with (--case is your own justification)")
	fl.StringVar(&f.from, "from", "", "RFC 3339 time, inclusive")
	fl.StringVar(&f.to, "to", "", "RFC 3339 time, exclusive")
	fl.IntVar(&f.limit, "limit", 50, "events per page (1-500)")
	fl.BoolVar(&f.all, "all", false, "fetch every page")
	return cmd
}

func newAuditEventCmd(env *Env) *cobra.Command {
	var key string
	cmd := &cobra.Command{
		Use:   "event INDEX",
		Short: "Show one audit event and check its inclusion proof (dpo, admin; needs --justification or --case)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := strconv.ParseUint(args[0], 10, 63); err != nil {
				return fmt.Errorf("INDEX must be a leaf index: %w", err)
			}
			c, err := env.Client()
			if err != nil {
				return err
			}
			var ev audit.EventWithProof
			if err := c.Get(cmd.Context(), "/api/v1/audit/events/"+args[0], nil, &ev); err != nil {
				return err
			}
			status := "not yet covered by a checkpoint"
			if ev.Proof != nil {
				v, err := pinnedVerifier(cmd.Context(), env, c, nil, key)
				if err != nil {
					return err
				}
				cp, _, err := audit.OpenCheckpoint([]byte(ev.Checkpoint), v)
				if err != nil {
					return tampered("event %d: checkpoint does not verify: %v", ev.Index, err)
				}
				leaf, err := eventLeafHash(ev)
				if err != nil {
					return tampered("event %d: %v", ev.Index, err)
				}
				p := *ev.Proof
				p.LeafHash = leaf
				if p.Index != ev.Index {
					return tampered("event %d: the proof is for event %d", ev.Index, p.Index)
				}
				if err := p.Verify(cp.Root); err != nil {
					return tampered("event %d: %v", ev.Index, err)
				}
				status = fmt.Sprintf("included in the signed tree of size %d", cp.Size)
			}
			if env.JSON {
				return env.printJSON(ev)
			}
			if err := env.printJSON(ev.Event); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "event %d: %s\n", ev.Index, status)
			return nil
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "the log's verifier key to check the checkpoint with")
	return cmd
}

// eventLeafHash recomputes the leaf hash of an event as the API shows it.
func eventLeafHash(ev audit.EventWithProof) ([]byte, error) {
	enc, err := audit.EncodeEvent(ev.Index, ev.Event)
	if err != nil {
		return nil, fmt.Errorf("event does not encode: %w", err)
	}
	leaf := audit.LeafHash(enc)
	return leaf[:], nil
}

func newAuditExportCmd(env *Env) *cobra.Command {
	var from, to, out string
	var start, end uint64
	var noProofs bool
	cmd := &cobra.Command{
		Use:   "export --from TIME --to TIME --out FILE",
		Short: "Export audit events with the signed checkpoint and proofs (dpo, admin; needs --justification or --case)",
		Long: `export writes the events of a time range (or of leaf indexes --start to --end) as JSON
lines: a header with the node's signed checkpoint, then one line per event with its
canonical encoding, its readable form and its inclusion proof. An oversight body checks
the file with "liaison audit verify-export FILE" and nothing else.`,
		Example: `  liaison audit export --from 2025-01-01T00:00:00Z --to 2025-02-01T00:00:00Z --out jan.jsonl --case DPO-2025-7 --dir ./nl`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("--out FILE is required")
			}
			c, err := env.Client()
			if err != nil {
				return err
			}
			q := url.Values{"proofs": {strconv.FormatBool(!noProofs)}}
			if from != "" || to != "" {
				q.Set("from", from)
				q.Set("to", to)
			} else {
				q.Set("start", strconv.FormatUint(start, 10))
				if end > 0 {
					q.Set("end", strconv.FormatUint(end, 10))
				}
			}
			resp, err := c.Raw(cmd.Context(), client.Request{Method: http.MethodGet, Path: "/api/v1/audit/export", Query: q})
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return err
			}
			if _, err := io.Copy(f, resp.Body); err != nil {
				f.Close()
				return fmt.Errorf("write %s: %w", out, err)
			}
			if err := f.Close(); err != nil {
				return err
			}
			return verifyExportFile(env, out, nil, "")
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&from, "from", "", "RFC 3339 time, inclusive")
	fl.StringVar(&to, "to", "", "RFC 3339 time, exclusive")
	fl.Uint64Var(&start, "start", 0, "first leaf index (without --from/--to)")
	fl.Uint64Var(&end, "end", 0, "one past the last leaf index (default: the checkpoint size)")
	fl.StringVar(&out, "out", "", "file to write (must not exist)")
	fl.BoolVar(&noProofs, "no-proofs", false, "leave out inclusion proofs (only an export from index 0 then verifies)")
	return cmd
}

func newAuditVerifyExportCmd(env *Env) *cobra.Command {
	var key, checkpoints string
	cmd := &cobra.Command{
		Use:   "verify-export FILE",
		Short: "Verify an audit export offline, with this binary alone",
		Long: `verify-export checks an export written by "liaison audit export": the checkpoint must be
signed by the log key, every event line must be the next entry, its readable event must be
exactly its signed encoding, and its inclusion proof must lead to the checkpoint's root.
Pin the log key with --key (from the node's operator) or --checkpoints FILE; otherwise
the key written in the export is used, with a warning. Exits 1 when the export was
altered, naming the first bad entry, and 2 when it cannot be read.`,
		Example: "  liaison audit verify-export jan.jsonl --key 'liaison.NL-NCB/audit+1a2b3c4d+AQ…'",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			saved, err := loadCheckpointFile(checkpoints)
			if err != nil {
				return unreadable(err)
			}
			return verifyExportFile(env, args[0], saved, key)
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "the log's verifier key (name+hash+base64)")
	cmd.Flags().StringVar(&checkpoints, "checkpoints", "", "checkpoint file whose pinned key to use")
	return cmd
}

func verifyExportFile(env *Env, path string, saved *checkpointFile, key string) error {
	f, err := os.Open(path)
	if err != nil {
		return unreadable(err)
	}
	defer f.Close()
	var h audit.ExportHeader
	if err := json.NewDecoder(io.LimitReader(f, audit.MaxNoteSize*4)).Decode(&h); err != nil {
		return unreadable(fmt.Errorf("%s is not an audit export: %w", path, err))
	}
	switch {
	case saved != nil:
		key = saved.VerifierKey
	case key == "":
		key = h.VerifierKey
		fmt.Fprintf(env.Stderr, "warning: trusting the log key written in the export (%s); pin it with --key\n", key)
	}
	v, err := note.NewVerifier(key)
	if err != nil {
		return unreadable(fmt.Errorf("log verifier key: %w", err))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return unreadable(err)
	}
	var trusted []audit.Checkpoint
	if saved != nil {
		if trusted, err = saved.open(); err != nil {
			return unreadable(err)
		}
	}
	rep, err := audit.VerifyExport(f, v, trusted)
	if err != nil {
		return unreadable(err)
	}
	if env.JSON {
		out := map[string]any{"ok": rep.Problem == nil, "events": rep.Events, "start": rep.Header.Start, "end": rep.Header.End,
			"checkpointSize": rep.Checkpoint.Size, "root": rep.Checkpoint.Root}
		if rep.Problem != nil {
			out["firstBadIndex"], out["reason"] = rep.Problem.Index, rep.Problem.Reason
		}
		if err := env.printJSON(out); err != nil {
			return err
		}
	}
	if rep.Problem != nil {
		return tampered("first bad entry %d: %s", rep.Problem.Index, rep.Problem.Reason)
	}
	if !env.JSON {
		fmt.Fprintf(env.Stdout, "OK: events %d to %d (%d) are in the signed tree of size %d, root %s\n",
			rep.Header.Start, int64(rep.Header.End)-1, rep.Events, rep.Checkpoint.Size, base64.StdEncoding.EncodeToString(rep.Checkpoint.Root))
	}
	return nil
}
