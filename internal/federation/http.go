package federation

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/httpx"
)

// Who may do what on the officer API.
var (
	partnerAdmins  = []access.Role{access.Admin}
	partnerViewers = []access.Role{access.Admin, access.SPOC}
	messageRoles   = []access.Role{access.SPOC, access.Investigator, access.Analyst, access.Prosecutor}
)

// AddPartnerRequest imports a partner card.
type AddPartnerRequest struct {
	Card        json.RawMessage `json:"card" doc:"the partner card, as liaison partner card prints it"`
	Fingerprint string          `json:"fingerprint,omitempty" doc:"the card's fingerprint, read to you out of band; optional for a rotation signed by the current card's key"`
}

// AddPartnerResult is the partner after an import and what happened.
type AddPartnerResult struct {
	Partner Partner `json:"partner"`
	Result  string  `json:"result" doc:"added, rotated, replaced or unchanged"`
}

// ThreadView is a thread with its messages.
type ThreadView struct {
	Thread   Thread     `json:"thread"`
	Messages []*Message `json:"messages"`
}

// Routes returns the federation part of the officer API: partners and
// their status, this node's card, messages, threads and attachments.
func (s *Service) Routes() []api.Route {
	const tagP, tagM = "partners", "messages"
	page := []api.Param{
		{Name: "limit", Type: "integer", Description: "page size (1-500, default 50)"},
		{Name: "cursor", Description: "nextCursor of the previous page"},
	}
	listParams := append([]api.Param{
		{Name: "box", Description: "inbox or sent; default both"},
		{Name: "unread", Type: "boolean", Description: "only unread inbound messages"},
		{Name: "q", Description: "text in the subject or case reference"},
		{Name: "thread", Description: "thread id"},
		{Name: "partner", Description: "sending or receiving agency"},
		{Name: "case", Description: "exact case reference"},
	}, page...)
	return []api.Route{
		{Method: "GET", Path: "/api/v1/federation/card", Summary: "This node's partner card and its fingerprint", Tag: tagP,
			Roles: partnerViewers, Response: OwnCard{}, Handler: s.handleOwnCard},
		{Method: "GET", Path: "/api/v1/partners", Summary: "List partner agencies", Tag: tagP, Roles: partnerViewers,
			Query:    []api.Param{{Name: "removed", Type: "boolean", Description: "include removed partners"}},
			Response: httpx.Page[Partner]{}, Handler: s.handleListPartners},
		{Method: "POST", Path: "/api/v1/partners", Summary: "Add a partner card (fingerprint checked out of band) or accept a rotated card",
			Tag: tagP, Roles: partnerAdmins, Request: AddPartnerRequest{}, Response: AddPartnerResult{}, Handler: s.handleAddPartner},
		{Method: "GET", Path: "/api/v1/partners/status", Summary: "Per partner: last contact, queue depth, oldest undelivered, failures",
			Tag: tagP, Roles: partnerViewers, Response: httpx.Page[PartnerStatus]{}, Handler: s.handleStatus},
		{Method: "GET", Path: "/api/v1/partners/{agency}", Summary: "Show a partner", Tag: tagP, Roles: partnerViewers,
			Response: Partner{}, Handler: s.handleGetPartner},
		{Method: "POST", Path: "/api/v1/partners/{agency}/suspend", Summary: "Suspend a partner: refused at the handshake, nothing delivered",
			Tag: tagP, Roles: partnerAdmins, Response: Partner{}, Handler: s.handleSetState(StateSuspended)},
		{Method: "POST", Path: "/api/v1/partners/{agency}/resume", Summary: "Resume a suspended partner", Tag: tagP, Roles: partnerAdmins,
			Response: Partner{}, Handler: s.handleSetState(StateActive)},
		{Method: "DELETE", Path: "/api/v1/partners/{agency}", Summary: "Remove a partner (its cards are kept for evidence)", Tag: tagP,
			Roles: partnerAdmins, Response: Partner{}, Handler: s.handleSetState(StateRemoved)},

		{Method: "POST", Path: "/api/v1/messages", Summary: "Send a message to partner agencies", Tag: tagM, Roles: messageRoles,
			Personal: true, JustificationInBody: true, Request: SendRequest{}, Response: Message{}, Status: http.StatusCreated,
			Handler: s.handleSend},
		{Method: "GET", Path: "/api/v1/messages", Summary: "List and search messages (subjects and metadata, no bodies)", Tag: tagM,
			Roles: messageRoles, Query: listParams, Response: httpx.Page[*Message]{}, Handler: s.handleListMessages},
		{Method: "GET", Path: "/api/v1/messages/counts", Summary: "Inbox, unread, sent, queued and failed counts", Tag: tagM,
			Roles: messageRoles, Response: Counts{}, Handler: s.handleCounts},
		{Method: "GET", Path: "/api/v1/messages/{id}", Summary: "Open a message (consultation: needs a justification; sends a read receipt)",
			Tag: tagM, Roles: messageRoles, Personal: true, Response: Message{}, Handler: s.handleOpenMessage},
		{Method: "GET", Path: "/api/v1/messages/{id}/deliveries", Summary: "Delivery state of a sent message per recipient", Tag: tagM,
			Roles: messageRoles, Response: httpx.Page[Delivery]{}, Handler: s.handleDeliveries},
		{Method: "GET", Path: "/api/v1/threads", Summary: "List threads with unread counts", Tag: tagM, Roles: messageRoles,
			Query: page, Response: httpx.Page[Thread]{}, Handler: s.handleListThreads},
		{Method: "GET", Path: "/api/v1/threads/{id}", Summary: "Show a thread and its message summaries", Tag: tagM, Roles: messageRoles,
			Response: ThreadView{}, Handler: s.handleGetThread},

		{Method: "POST", Path: "/api/v1/attachments", Summary: "Start (or resume) a chunked upload", Tag: tagM, Roles: messageRoles,
			Request: UploadRequest{}, Response: Attachment{}, Status: http.StatusCreated, Handler: s.handleCreateUpload},
		{Method: "GET", Path: "/api/v1/attachments/{id}", Summary: "Attachment state, with the chunks still missing", Tag: tagM,
			Roles: messageRoles, Response: Attachment{}, Handler: s.handleUploadStatus},
		{Method: "PUT", Path: "/api/v1/attachments/{id}/chunks/{n}", Summary: "Upload one chunk (raw bytes; Liaison-Chunk-SHA256 header)",
			Tag: tagM, Roles: messageRoles, Status: http.StatusNoContent, Handler: s.handlePutChunk},
		{Method: "POST", Path: "/api/v1/attachments/{id}/complete", Summary: "Finish an upload: checks the whole SHA-256", Tag: tagM,
			Roles: messageRoles, Response: Attachment{}, Handler: s.handleCompleteUpload},
		{Method: "GET", Path: "/api/v1/attachments/{id}/content", Summary: "Download an attachment (consultation: needs a justification)",
			Tag: tagM, Roles: messageRoles, Personal: true, Handler: s.handleDownload},
	}
}

func (s *Service) handleOwnCard(w http.ResponseWriter, r *http.Request) error {
	c, err := s.OwnCard(r.Context())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, c)
}

func (s *Service) handleListPartners(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.ListPartners(r.Context(), r.URL.Query().Get("removed") == "true")
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.Page[Partner]{Items: ps})
}

func (s *Service) handleAddPartner(w http.ResponseWriter, r *http.Request) error {
	var req AddPartnerRequest
	if err := httpx.DecodeJSON(w, r, 64<<10, &req); err != nil {
		return err
	}
	if len(req.Card) == 0 {
		return errs.E(errs.Invalid, "card", "the partner card is required")
	}
	p, what, err := s.AddPartner(r.Context(), req.Card, req.Fingerprint)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if what == PartnerAdded {
		status = http.StatusCreated
	}
	return httpx.WriteJSON(w, status, AddPartnerResult{Partner: p, Result: what})
}

func (s *Service) handleStatus(w http.ResponseWriter, r *http.Request) error {
	sts, err := s.Status(r.Context())
	if err != nil {
		return err
	}
	if sts == nil {
		sts = []PartnerStatus{}
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.Page[PartnerStatus]{Items: sts})
}

func (s *Service) handleGetPartner(w http.ResponseWriter, r *http.Request) error {
	p, err := s.GetPartner(r.Context(), r.PathValue("agency"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, p)
}

func (s *Service) handleSetState(state string) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.SetPartnerState(r.Context(), r.PathValue("agency"), state)
		if err != nil {
			return err
		}
		return httpx.WriteJSON(w, http.StatusOK, p)
	}
}

func (s *Service) handleSend(w http.ResponseWriter, r *http.Request) error {
	var req SendRequest
	if err := httpx.DecodeJSON(w, r, 6*int64(s.cfg.MaxMessageBody)+64<<10, &req); err != nil { // JSON escapes take up to 6 bytes per byte
		return err
	}
	m, err := s.SendMessage(r.Context(), req)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, m)
}

func (s *Service) handleListMessages(w http.ResponseWriter, r *http.Request) error {
	limit, err := httpx.Limit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := MessageFilter{Box: q.Get("box"), Unread: q.Get("unread") == "true", Query: q.Get("q"), Thread: q.Get("thread"),
		Partner: q.Get("partner"), CaseRef: q.Get("case"), Limit: limit + 1}
	var pos cursorPos
	if ok, err := httpx.DecodeCursor(r, &pos); err != nil {
		return err
	} else if ok {
		f.Before = &pos
	}
	ms, err := s.ListMessages(r.Context(), f)
	if err != nil {
		return err
	}
	page := httpx.Page[*Message]{Items: ms}
	if len(ms) > limit {
		last := ms[limit-1]
		page.Items, page.NextCursor = ms[:limit], httpx.EncodeCursor(cursorPos{Created: last.Created.UnixMicro(), ID: last.ID})
	}
	return httpx.WriteJSON(w, http.StatusOK, page)
}

func (s *Service) handleCounts(w http.ResponseWriter, r *http.Request) error {
	c, err := s.MessageCounts(r.Context())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, c)
}

func (s *Service) handleOpenMessage(w http.ResponseWriter, r *http.Request) error {
	m, err := s.OpenMessage(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, m)
}

func (s *Service) handleDeliveries(w http.ResponseWriter, r *http.Request) error {
	ds, err := s.Deliveries(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.Page[Delivery]{Items: ds})
}

func (s *Service) handleListThreads(w http.ResponseWriter, r *http.Request) error {
	limit, err := httpx.Limit(r)
	if err != nil {
		return err
	}
	var pos cursorPos
	var before *cursorPos
	if ok, err := httpx.DecodeCursor(r, &pos); err != nil {
		return err
	} else if ok {
		before = &pos
	}
	ts, err := s.ListThreads(r.Context(), before, limit+1)
	if err != nil {
		return err
	}
	page := httpx.Page[Thread]{Items: ts}
	if len(ts) > limit {
		last := ts[limit-1]
		page.Items, page.NextCursor = ts[:limit], httpx.EncodeCursor(cursorPos{Created: last.Updated.UnixMicro(), ID: last.ID})
	}
	return httpx.WriteJSON(w, http.StatusOK, page)
}

func (s *Service) handleGetThread(w http.ResponseWriter, r *http.Request) error {
	t, ms, err := s.GetThread(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, ThreadView{Thread: t, Messages: ms})
}

func (s *Service) handleCreateUpload(w http.ResponseWriter, r *http.Request) error {
	var req UploadRequest
	if err := httpx.DecodeJSON(w, r, 16<<10, &req); err != nil {
		return err
	}
	a, err := s.CreateUpload(r.Context(), req)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, a)
}

func (s *Service) handleUploadStatus(w http.ResponseWriter, r *http.Request) error {
	a, err := s.UploadStatus(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, a)
}

// ChunkHashHeader carries a chunk's hex SHA-256 on upload.
const ChunkHashHeader = "Liaison-Chunk-SHA256"

func (s *Service) handlePutChunk(w http.ResponseWriter, r *http.Request) error {
	n, err := strconv.ParseInt(r.PathValue("n"), 10, 64)
	if err != nil {
		return errs.E(errs.Invalid, "n", "chunk number must be an integer")
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/octet-stream" {
			return errs.E(errs.Unsupported, "chunks are application/octet-stream")
		}
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxChunkSize+1))
	if err != nil {
		return errs.E(errs.Invalid, "chunk", "cannot read the chunk", err)
	}
	if len(data) > maxChunkSize {
		return errs.E(errs.TooLarge, "chunk", fmt.Sprintf("chunks are at most %d bytes", maxChunkSize))
	}
	if err := s.PutChunk(r.Context(), r.PathValue("id"), n, data, r.Header.Get(ChunkHashHeader)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) handleCompleteUpload(w http.ResponseWriter, r *http.Request) error {
	a, err := s.CompleteUpload(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, a)
}

func (s *Service) handleDownload(w http.ResponseWriter, r *http.Request) error {
	return s.WriteAttachment(r.Context(), r.PathValue("id"), w, func(a *Attachment) {
		h := w.Header()
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Length", strconv.FormatInt(a.Size, 10))
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
		h.Set("Liaison-Content-SHA256", a.SHA256)
		h.Set("Cache-Control", "no-store")
	})
}
