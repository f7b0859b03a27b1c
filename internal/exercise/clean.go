package exercise

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/notice"
	"github.com/liaison-project/liaison/internal/noticesvc"
)

// maxCleanRecords bounds how many records one clean-up erases on a node.
const maxCleanRecords = 1_000_000

// CleanResult is what a clean-up did on one node.
type CleanResult struct {
	Agency string // the node's agency id
	Erased int
	Gone   int // already erased, or unknown to the node
	// Notices and Alerts count the notices and alerts cancelled (exercise
	// nodes only: real nodes never hold an exercise's).
	Notices int
	Alerts  int
}

// Clean erases, on the node, every exercise record its exercise token can
// read, and the records the journal names for the node's agency (withdrawn
// records, which search no longer lists). Each erasure is the record
// service's own, audited as an erasure inside the exercise. The token must
// be a SPOC's exercise token: it cannot read, so cannot erase, real data.
//
// On an exercise node, every notice and alert of the node still in
// circulation (all exercise data there) is cancelled too, each by the
// notice service's own cancellation, audited and sent to the partners
// that hold it, so that it stops producing hits at their border checks.
func Clean(ctx context.Context, n *Node, journal []JournalEntry) (*CleanResult, error) {
	if err := CheckExerciseToken(ctx, n); err != nil {
		return nil, err
	}
	c := withJustification(n.Client, "erasure of exercise data after the training session")
	res := &CleanResult{Agency: n.id}
	if n.exerciseNode {
		if err := cancelNotices(ctx, c, res); err != nil {
			return res, err
		}
		if err := cancelAlerts(ctx, c, res); err != nil {
			return res, err
		}
	}
	seen := map[string]bool{}
	var ids []string
	add := func(id string) error {
		if seen[id] {
			return nil
		}
		if len(ids) == maxCleanRecords {
			return errs.E(errs.TooLarge, "records", fmt.Sprintf("more than %d records to erase", maxCleanRecords))
		}
		seen[id] = true
		ids = append(ids, id)
		return nil
	}
	q := url.Values{"limit": {"500"}}
	for {
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			NextCursor string `json:"nextCursor"`
		}
		if err := c.Get(ctx, "/api/v1/records", q, &page); err != nil {
			return res, fmt.Errorf("list exercise records: %w", err)
		}
		for _, it := range page.Items {
			if err := add(it.ID); err != nil {
				return res, err
			}
		}
		if page.NextCursor == "" {
			break
		}
		q.Set("cursor", page.NextCursor)
	}
	for _, j := range journal {
		if j.Agency == n.id {
			if err := add(j.Record); err != nil {
				return res, err
			}
		}
	}
	for _, id := range ids {
		err := c.Do(ctx, client.Request{Method: http.MethodDelete, Path: "/api/v1/records/" + url.PathEscape(id)}, nil)
		switch {
		case err == nil:
			res.Erased++
		case errs.Is(err, errs.NotExist):
			res.Gone++
		default:
			return res, fmt.Errorf("erase record %s: %w", id, err)
		}
	}
	return res, nil
}

// cleanReason is the reason every cancellation of a clean-up gives.
const cleanReason = "End of the training exercise: exercise data withdrawn."

// cancelNotices cancels the node's own notices that are not cancelled or
// expired yet.
func cancelNotices(ctx context.Context, c *client.Client, res *CleanResult) error {
	return eachPage(ctx, c, "/api/v1/notices", url.Values{"origin": {"own"}}, func(id string, state string) error {
		if state == string(notice.Cancelled) || state == string(notice.Expired) {
			return nil
		}
		if err := c.Post(ctx, "/api/v1/notices/"+url.PathEscape(id)+"/cancel", noticesvc.CancelRequest{Reason: cleanReason}, nil); err != nil {
			return fmt.Errorf("cancel notice %s: %w", id, err)
		}
		res.Notices++
		return nil
	})
}

// cancelAlerts cancels the node's own active alerts.
func cancelAlerts(ctx context.Context, c *client.Client, res *CleanResult) error {
	return eachPage(ctx, c, "/api/v1/alerts", url.Values{"origin": {"own"}, "state": {"active"}}, func(id string, _ string) error {
		if err := c.Post(ctx, "/api/v1/alerts/"+url.PathEscape(id)+"/cancel", noticesvc.CancelRequest{Reason: cleanReason}, nil); err != nil {
			return fmt.Errorf("cancel alert %s: %w", id, err)
		}
		res.Alerts++
		return nil
	})
}

// eachPage lists path page by page and calls fn with each item's id and
// state. The cursors of notices and alerts are ids, so changing the state
// of listed items does not disturb the listing.
func eachPage(ctx context.Context, c *client.Client, path string, q url.Values, fn func(id, state string) error) error {
	q.Set("limit", "500")
	for range maxCleanRecords {
		var page struct {
			Items []struct {
				ID    string `json:"id"`
				State string `json:"state"`
			} `json:"items"`
			NextCursor string `json:"nextCursor"`
		}
		if err := c.Get(ctx, path, q, &page); err != nil {
			return fmt.Errorf("list %s: %w", path, err)
		}
		for _, it := range page.Items {
			if err := fn(it.ID, it.State); err != nil {
				return err
			}
		}
		if page.NextCursor == "" {
			return nil
		}
		q.Set("cursor", page.NextCursor)
	}
	return errs.E(errs.TooLarge, path, "too many pages")
}

// maxJournalLine bounds a line of a journal.
const maxJournalLine = 4096

// ReadJournal decodes a journal written by [Player].
func ReadJournal(r io.Reader) ([]JournalEntry, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, maxJournalLine), maxJournalLine)
	var out []JournalEntry
	line := 0
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		if len(out) == maxCleanRecords {
			return nil, errs.E(errs.TooLarge, "journal", fmt.Sprintf("more than %d entries", maxCleanRecords))
		}
		var e JournalEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Agency == "" || e.Record == "" {
			return nil, errs.E(errs.Invalid, fmt.Sprintf("journal line %d", line), "not a journal entry")
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, errs.E(errs.Invalid, fmt.Sprintf("journal line %d", line+1), "unreadable", err)
	}
	return out, nil
}
