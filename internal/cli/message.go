package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/liaison-project/liaison/internal/client"
)

// maxBodyFile bounds a message body read from a file (the node's limit
// applies as well).
const maxBodyFile = 1 << 20

type attachmentView struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	MediaType string  `json:"mediaType"`
	Size      int64   `json:"size"`
	SHA256    string  `json:"sha256"`
	ChunkSize int64   `json:"chunkSize"`
	Chunks    int64   `json:"chunks"`
	Received  int64   `json:"received"`
	Missing   []int64 `json:"missing"`
	State     string  `json:"state"`
	Reason    string  `json:"reason"`
	Origin    string  `json:"origin"`
}

type deliveryView struct {
	Partner     string    `json:"partner"`
	State       string    `json:"state"`
	Seq         int64     `json:"seq"`
	Attempts    int64     `json:"attempts"`
	LastError   string    `json:"lastError"`
	QueuedAt    time.Time `json:"queuedAt"`
	DeliveredAt time.Time `json:"deliveredAt"`
	ReadAt      time.Time `json:"readAt"`
	ReadBy      string    `json:"readBy"`
}

type messageView struct {
	ID              string           `json:"id"`
	ThreadID        string           `json:"threadId"`
	Direction       string           `json:"direction"`
	Sender          string           `json:"sender"`
	Officer         string           `json:"officer"`
	Recipients      []string         `json:"recipients"`
	Subject         string           `json:"subject"`
	Body            string           `json:"body"`
	CaseRef         string           `json:"caseRef"`
	Handling        []string         `json:"handling"`
	Restrictions    string           `json:"restrictions"`
	TLP             string           `json:"tlp"`
	Created         time.Time        `json:"created"`
	Read            bool             `json:"read"`
	AttachmentCount int              `json:"attachmentCount"`
	Attachments     []attachmentView `json:"attachments"`
	Deliveries      []deliveryView   `json:"deliveries"`
}

func newMessageCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "message",
		Short: "Send and read secure messages to and from partner agencies",
		Long: `Messages go to partner agencies signed by this agency (naming the sending officer) and
encrypted for each recipient. Every message carries Europol handling codes (H0-H3) and a
TLP label, belongs to a thread with a subject and may carry a case reference and
attachments of up to 1 GiB. Delivery is tracked per recipient: queued, delivered (signed
receipt), read (signed receipt naming the officer who opened it) or failed with a reason.

Sending discloses personal data and opening a message consults it: both need
--justification or --case, and both are written to the audit log.`,
	}
	cmd.AddCommand(newMessageSendCmd(env), newMessageListCmd(env), newMessageShowCmd(env), newMessageThreadCmd(env),
		newMessageStatusCmd(env), newMessageAttachmentCmd(env))
	return cmd
}

func newMessageSendCmd(env *Env) *cobra.Command {
	var to, attach, handling []string
	var subject, bodyFile, tlp, thread, restrictions string
	cmd := &cobra.Command{
		Use:   "send --to AGENCY[,AGENCY] --subject TEXT --body-file FILE [--attach FILE]... [--handling H0,H2] [--tlp LABEL] [--case REF]",
		Short: "Send a message (with attachments) to partner agencies",
		Long: `Send a message to one or more partner agencies. The body is read from --body-file ("-" for
standard input). Attachments are uploaded to this node in chunks, each checked with SHA-256,
with progress on standard error; an interrupted upload resumes when the command is run again.
Recipients fetch attachments from this node after the message arrives.

--case is the case reference of the message and justifies the disclosure; --thread replies
in an existing thread (its case reference applies unless --case is given). Handling codes
default to H0 and the TLP label to TLP:AMBER; H3 needs --restrictions.`,
		Example: `  liaison message send --to DE-BKA,BE-FPJ --subject "Container MSCU1234567" \
      --body-file note.txt --attach manifest.pdf --handling H0,H2 --tlp TLP:AMBER --case NL/2026/0042
  echo "Confirmed." | liaison message send --to DE-BKA --thread 0190f1c2-… --subject "Re: Container" --body-file - --case NL/2026/0042`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(to) == 0 || subject == "" || bodyFile == "" {
				return errors.New("--to, --subject and --body-file are required")
			}
			body, err := readBody(env, bodyFile)
			if err != nil {
				return err
			}
			c, err := env.Client()
			if err != nil {
				return err
			}
			var ids []string
			for _, path := range attach {
				a, err := uploadFile(cmd.Context(), env, c, path)
				if err != nil {
					return fmt.Errorf("attach %s: %w", path, err)
				}
				ids = append(ids, a.ID)
			}
			req := map[string]any{
				"to": to, "subject": subject, "body": body, "threadId": thread, "caseRef": env.CaseRef,
				"handling": handling, "restrictions": restrictions, "tlp": tlp, "attachments": ids,
				"justification": env.Justification,
			}
			var m messageView
			if err := c.Post(cmd.Context(), "/api/v1/messages", req, &m); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(m)
			}
			fmt.Fprintf(env.Stdout, "Sent message %s to %s (%s, %s) in thread %s\n",
				m.ID, strings.Join(m.Recipients, ", "), strings.Join(m.Handling, ","), m.TLP, m.ThreadID)
			fmt.Fprintf(env.Stdout, "Delivery: liaison message status %s\n", m.ID)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&to, "to", nil, "partner agency ids, comma-separated (required)")
	f.StringVar(&subject, "subject", "", "subject; keep personal data in the body (required)")
	f.StringVar(&bodyFile, "body-file", "", `file with the body, "-" for standard input (required)`)
	f.StringArrayVar(&attach, "attach", nil, "file to attach (repeatable, up to 1 GiB each)")
	f.StringSliceVar(&handling, "handling", []string{"H0"}, "Europol handling codes: H0, H1, H2, H3")
	f.StringVar(&restrictions, "restrictions", "", "the restrictions, in words (required with H3)")
	f.StringVar(&tlp, "tlp", "TLP:AMBER", "TLP:RED, TLP:AMBER+STRICT, TLP:AMBER, TLP:GREEN or TLP:CLEAR")
	f.StringVar(&thread, "thread", "", "reply in this thread")
	return cmd
}

func readBody(env *Env, path string) (string, error) {
	var r io.Reader
	if path == "-" {
		r = env.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxBodyFile+1))
	if err != nil {
		return "", fmt.Errorf("read body: %w", err)
	}
	if len(b) > maxBodyFile {
		return "", fmt.Errorf("the body is larger than %d bytes: attach it as a file instead", maxBodyFile)
	}
	return string(b), nil
}

// uploadFile uploads a file in chunks, resuming an earlier interrupted
// upload of the same file, and completes it.
func uploadFile(ctx context.Context, env *Env, c *client.Client, path string) (*attachmentView, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	name := filepath.Base(path)
	bar := &progress{w: env.Stderr, label: "hashing " + name, total: fi.Size()}
	h := sha256.New()
	if _, err := io.Copy(h, io.TeeReader(f, bar)); err != nil {
		return nil, err
	}
	bar.done()
	media := mime.TypeByExtension(filepath.Ext(name))
	if mt, _, err := mime.ParseMediaType(media); err == nil {
		media = mt
	} else {
		media = "application/octet-stream"
	}
	var a attachmentView
	if err := c.Post(ctx, "/api/v1/attachments", map[string]any{"name": name, "mediaType": media, "size": fi.Size(),
		"sha256": hex.EncodeToString(h.Sum(nil))}, &a); err != nil {
		return nil, err
	}
	bar = &progress{w: env.Stderr, label: "uploading " + name, total: fi.Size()}
	bar.add((a.Chunks - int64(len(a.Missing))) * a.ChunkSize)
	buf := make([]byte, a.ChunkSize)
	for _, n := range a.Missing {
		size := min(a.ChunkSize, fi.Size()-n*a.ChunkSize)
		chunk := buf[:size]
		if _, err := f.ReadAt(chunk, n*a.ChunkSize); err != nil {
			return nil, fmt.Errorf("read chunk %d: %w", n, err)
		}
		sum := sha256.Sum256(chunk)
		req := client.Request{Method: http.MethodPut, Path: fmt.Sprintf("/api/v1/attachments/%s/chunks/%d", url.PathEscape(a.ID), n),
			Body: bytes.NewReader(chunk), Header: http.Header{"Content-Type": {"application/octet-stream"},
				"Liaison-Chunk-Sha256": {hex.EncodeToString(sum[:])}}}
		if err := c.Do(ctx, req, nil); err != nil {
			return nil, fmt.Errorf("chunk %d (run the command again to resume): %w", n, err)
		}
		bar.add(size)
	}
	bar.done()
	var done attachmentView
	if err := c.Post(ctx, "/api/v1/attachments/"+url.PathEscape(a.ID)+"/complete", nil, &done); err != nil {
		return nil, err
	}
	return &done, nil
}

// progress draws a one-line progress bar on a terminal stream.
type progress struct {
	w     io.Writer
	label string
	total int64
	n     int64
	last  time.Time
}

func (p *progress) Write(b []byte) (int, error) {
	p.add(int64(len(b)))
	return len(b), nil
}

func (p *progress) add(n int64) {
	p.n += n
	if time.Since(p.last) < 200*time.Millisecond && p.n < p.total {
		return
	}
	p.last = time.Now()
	pct := 100
	if p.total > 0 {
		pct = int(p.n * 100 / p.total)
	}
	const width = 30
	fill := pct * width / 100
	fmt.Fprintf(p.w, "\r%s [%s%s] %3d%% %s/%s", p.label, strings.Repeat("=", fill), strings.Repeat(" ", width-fill), pct,
		byteSize(p.n), byteSize(p.total))
}

func (p *progress) done() {
	p.n = p.total
	p.last = time.Time{}
	p.add(0)
	fmt.Fprintln(p.w)
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func newMessageListCmd(env *Env) *cobra.Command {
	var inboxOnly, sentOnly, unread bool
	var search, partner, thread string
	var limit int
	cmd := &cobra.Command{
		Use:   "list [--inbox|--sent] [--unread] [--search TEXT] [--partner AGENCY] [--thread ID]",
		Short: "List messages, newest first, with unread counts",
		Long: `List messages: subjects, parties, markings and state, without bodies (no justification
needed). --search matches the subject and case reference.`,
		Example: `  liaison message list --inbox --unread
  liaison message list --search MSCU1234567`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if inboxOnly && sentOnly {
				return errors.New("--inbox and --sent exclude each other")
			}
			c, err := env.Client()
			if err != nil {
				return err
			}
			q := url.Values{"limit": {strconv.Itoa(limit)}}
			switch {
			case inboxOnly:
				q.Set("box", "inbox")
			case sentOnly:
				q.Set("box", "sent")
			}
			for k, v := range map[string]string{"q": search, "partner": partner, "thread": thread} {
				if v != "" {
					q.Set(k, v)
				}
			}
			if unread {
				q.Set("unread", "true")
			}
			var page struct {
				Items []messageView `json:"items"`
			}
			if err := c.Get(cmd.Context(), "/api/v1/messages", q, &page); err != nil {
				return err
			}
			var counts struct{ Inbox, Unread, Sent, Queued, Failed int64 }
			if err := c.Get(cmd.Context(), "/api/v1/messages/counts", nil, &counts); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(map[string]any{"counts": counts, "messages": page.Items})
			}
			fmt.Fprintf(env.Stdout, "Inbox %d (%d unread), sent %d (%d envelopes queued, %d failed)\n\n",
				counts.Inbox, counts.Unread, counts.Sent, counts.Queued, counts.Failed)
			rows := make([][]string, len(page.Items))
			for i, m := range page.Items {
				party, state := "from "+m.Sender, "read"
				if m.Direction == "out" {
					party, state = "to "+strings.Join(m.Recipients, ","), "sent"
				} else if !m.Read {
					state = "UNREAD"
				}
				att := ""
				if m.AttachmentCount > 0 {
					att = fmt.Sprintf(" [%d att.]", m.AttachmentCount)
				}
				rows[i] = []string{m.ID, m.Created.Local().Format("2006-01-02 15:04"), party, state,
					strings.Join(m.Handling, ","), m.TLP, m.CaseRef, truncateText(m.Subject, 60) + att}
			}
			return env.table([]string{"ID", "DATE", "PARTY", "STATE", "HANDLING", "TLP", "CASE", "SUBJECT"}, rows)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&inboxOnly, "inbox", false, "received messages only")
	f.BoolVar(&sentOnly, "sent", false, "sent messages only")
	f.BoolVar(&unread, "unread", false, "unread received messages only")
	f.StringVar(&search, "search", "", "text in the subject or case reference")
	f.StringVar(&partner, "partner", "", "messages from or to this agency")
	f.StringVar(&thread, "thread", "", "messages of this thread")
	f.IntVar(&limit, "limit", 50, "how many messages (1-500)")
	return cmd
}

func newMessageShowCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Open a message: body, attachments, delivery (needs --justification or --case)",
		Long: `Open a message. This consults personal data: it needs --justification or --case and is
written to the audit log. The first time a received message is opened, the sender gets a
signed read receipt naming you.`,
		Example: `  liaison message show 0190f1c2-… --case NL/2026/0042`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var m messageView
			if err := c.Get(cmd.Context(), "/api/v1/messages/"+url.PathEscape(args[0]), nil, &m); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(m)
			}
			w := env.Stdout
			fmt.Fprintf(w, "Message:   %s (%s)\n", m.ID, map[string]string{"in": "received", "out": "sent"}[m.Direction])
			fmt.Fprintf(w, "Thread:    %s\n", m.ThreadID)
			fmt.Fprintf(w, "From:      %s (officer %s)\n", m.Sender, m.Officer)
			fmt.Fprintf(w, "To:        %s\n", strings.Join(m.Recipients, ", "))
			fmt.Fprintf(w, "Date:      %s\n", m.Created.Local().Format(time.RFC1123))
			fmt.Fprintf(w, "Handling:  %s    %s\n", strings.Join(m.Handling, ", "), m.TLP)
			if m.Restrictions != "" {
				fmt.Fprintf(w, "H3:        %s\n", m.Restrictions)
			}
			if m.CaseRef != "" {
				fmt.Fprintf(w, "Case:      %s\n", m.CaseRef)
			}
			fmt.Fprintf(w, "Subject:   %s\n\n%s\n", m.Subject, strings.TrimRight(m.Body, "\n"))
			if len(m.Attachments) > 0 {
				fmt.Fprintln(w, "\nAttachments (liaison message attachment ID --out FILE):")
				for _, a := range m.Attachments {
					state := a.State
					if a.State == "fetching" {
						state = fmt.Sprintf("fetching %d/%d chunks", a.Received, a.Chunks)
					} else if a.Reason != "" {
						state += ": " + a.Reason
					}
					fmt.Fprintf(w, "  %s  %s  %s  %s\n", a.ID, a.Name, byteSize(a.Size), state)
				}
			}
			if len(m.Deliveries) > 0 {
				fmt.Fprintln(w)
				return printDeliveries(env, m.Deliveries)
			}
			return nil
		},
	}
}

func printDeliveries(env *Env, ds []deliveryView) error {
	rows := make([][]string, len(ds))
	for i, d := range ds {
		when := ""
		switch {
		case !d.ReadAt.IsZero():
			when = d.ReadAt.Local().Format("2006-01-02 15:04:05") + " by " + d.ReadBy
		case !d.DeliveredAt.IsZero():
			when = d.DeliveredAt.Local().Format("2006-01-02 15:04:05")
		}
		rows[i] = []string{d.Partner, d.State, when, strconv.FormatInt(d.Attempts, 10), truncateText(d.LastError, 80)}
	}
	return env.table([]string{"RECIPIENT", "STATE", "WHEN", "ATTEMPTS", "LAST ERROR"}, rows)
}

func newMessageStatusCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "status ID",
		Short: "Delivery state of a sent message per recipient: queued, delivered, read or failed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var page struct {
				Items []deliveryView `json:"items"`
			}
			if err := c.Get(cmd.Context(), "/api/v1/messages/"+url.PathEscape(args[0])+"/deliveries", nil, &page); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(page.Items)
			}
			return printDeliveries(env, page.Items)
		},
	}
}

func newMessageThreadCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "thread ID",
		Short: "Show a thread and its messages",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var tv struct {
				Thread struct {
					ID, Subject, CaseRef, StartedBy string
					Messages, Unread                int64
				} `json:"thread"`
				Messages []messageView `json:"messages"`
			}
			if err := c.Get(cmd.Context(), "/api/v1/threads/"+url.PathEscape(args[0]), nil, &tv); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(tv)
			}
			t := tv.Thread
			fmt.Fprintf(env.Stdout, "Thread %s: %s\nCase %s, started by %s, %d messages (%d unread)\n\n",
				t.ID, t.Subject, t.CaseRef, t.StartedBy, t.Messages, t.Unread)
			rows := make([][]string, len(tv.Messages))
			for i, m := range tv.Messages {
				state := "read"
				if m.Direction == "out" {
					state = "sent"
				} else if !m.Read {
					state = "UNREAD"
				}
				rows[i] = []string{m.ID, m.Created.Local().Format("2006-01-02 15:04"), m.Sender, state, truncateText(m.Subject, 60)}
			}
			return env.table([]string{"ID", "DATE", "FROM", "STATE", "SUBJECT"}, rows)
		},
	}
}

func newMessageAttachmentCmd(env *Env) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:     "attachment ID --out FILE",
		Short:   "Save an attachment (needs --justification or --case)",
		Example: `  liaison message attachment 0190f1c3-… --out manifest.pdf --case NL/2026/0042`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("--out is required")
			}
			c, err := env.Client()
			if err != nil {
				return err
			}
			// A large download outlives the client's per-request timeout;
			// the command's context bounds it instead.
			hc := *c.HTTP
			hc.Timeout = 0
			long := *c
			long.HTTP = &hc
			resp, err := long.Raw(cmd.Context(), client.Request{Method: http.MethodGet, Path: "/api/v1/attachments/" + url.PathEscape(args[0]) + "/content"})
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return err
			}
			bar := &progress{w: env.Stderr, label: "downloading", total: resp.ContentLength}
			h := sha256.New()
			_, err = io.Copy(io.MultiWriter(f, h, bar), resp.Body)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(out)
				return fmt.Errorf("download: %w", err)
			}
			bar.done()
			if want := resp.Header.Get("Liaison-Content-Sha256"); want != "" && want != hex.EncodeToString(h.Sum(nil)) {
				os.Remove(out)
				return errors.New("the downloaded content does not match its SHA-256; nothing was saved")
			}
			if !env.JSON {
				fmt.Fprintf(env.Stdout, "Saved %s (SHA-256 %s)\n", out, hex.EncodeToString(h.Sum(nil)))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "file to create (required; not overwritten)")
	return cmd
}
