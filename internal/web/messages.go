package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
)

// maxAttachmentsPerForm bounds the files one compose form may carry.
const maxAttachmentsPerForm = 10

type inboxData struct {
	Box      string
	Messages []*federation.Message
	Counts   federation.Counts
}

const listLimit = 100

func (p *Portal) inbox(w http.ResponseWriter, r *http.Request, s *session) error {
	box := r.URL.Query().Get("box")
	if box != "sent" {
		box = "inbox"
	}
	ms, err := p.cfg.Messages.ListMessages(r.Context(), federation.MessageFilter{Box: box, Limit: listLimit})
	if err != nil {
		return err
	}
	if box == "sent" { // the state per recipient at a glance
		for _, m := range ms {
			if m.Deliveries, err = p.cfg.Messages.Deliveries(r.Context(), m.ID); err != nil {
				return err
			}
		}
	}
	c, err := p.cfg.Messages.MessageCounts(r.Context())
	if err != nil {
		return err
	}
	title := "Inbox"
	if box == "sent" {
		title = "Sent messages"
	}
	p.render(w, r, http.StatusOK, "inbox", s.page(title, "messages", inboxData{Box: box, Messages: ms, Counts: c}), "")
	return nil
}

func (p *Portal) threads(w http.ResponseWriter, r *http.Request, s *session) error {
	ts, err := p.cfg.Messages.ListThreads(r.Context(), listLimit)
	if err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, "threads", s.page("Threads", "messages", ts), "")
	return nil
}

type threadData struct {
	Thread   federation.Thread
	Messages []*federation.Message
}

func (p *Portal) thread(w http.ResponseWriter, r *http.Request, s *session) error {
	t, ms, err := p.cfg.Messages.GetThread(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, "thread", s.page(t.Subject, "messages", threadData{Thread: t, Messages: ms}), "")
	return nil
}

// messageData is an opened message.
type messageData struct {
	Message *federation.Message
}

// message opens a message: a consultation recorded with the officer's
// case, which sends the read receipt the first time.
func (p *Portal) message(w http.ResponseWriter, r *http.Request, s *session) error {
	m, err := p.cfg.Messages.OpenMessage(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, "message", s.page(m.Subject, "messages", messageData{Message: m}), "")
	return nil
}

func (p *Portal) attachment(w http.ResponseWriter, r *http.Request, s *session) error {
	started := false
	err := p.cfg.Messages.WriteAttachment(r.Context(), r.PathValue("id"), w, func(a *federation.Attachment) {
		started = true
		name := strings.Map(func(c rune) rune {
			if c < 0x20 || c == '"' || c == '\\' || c == 0x7f {
				return '_'
			}
			return c
		}, a.Name)
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		w.Header().Set("Content-Length", fmt.Sprint(a.Size))
	})
	if err != nil && started {
		p.log.WarnContext(r.Context(), "attachment download ended early", "error", err.Error())
		return nil
	}
	return err
}

// composeForm is the message form, kept on errors.
type composeForm struct {
	To           []string
	Subject      string
	Body         string
	ThreadID     string
	CaseRef      string
	Handling     []string
	Restrictions string
	TLP          string
	Partners     []federation.Partner
}

func (p *Portal) composePage(w http.ResponseWriter, r *http.Request, s *session) error {
	q := r.URL.Query()
	f := composeForm{ThreadID: q.Get("thread"), CaseRef: s.state.CaseRef, Handling: []string{"H0"}, TLP: "TLP:AMBER"}
	if to := q.Get("to"); to != "" {
		f.To = []string{to}
	}
	if f.ThreadID != "" {
		t, _, err := p.cfg.Messages.GetThread(r.Context(), f.ThreadID)
		if err != nil {
			return err
		}
		f.Subject, f.CaseRef = "Re: "+strings.TrimPrefix(t.Subject, "Re: "), t.CaseRef
	}
	return p.renderCompose(w, r, s, http.StatusOK, f, nil)
}

func (p *Portal) renderCompose(w http.ResponseWriter, r *http.Request, s *session, status int, f composeForm, failure error) error {
	if p.cfg.Partners != nil {
		ps, err := p.cfg.Partners.ListPartners(r.Context(), false)
		if err != nil {
			return err
		}
		f.Partners = ps
	}
	pg := s.page("New message", "messages", f)
	if failure != nil {
		pg.Error, pg.Field = errs.PublicMessage(failure), errs.FieldOf(failure)
	}
	p.render(w, r, status, "compose", pg, "")
	return nil
}

// send uploads the attached files and sends the message; the message and
// its disclosure audit event carry the officer's case and justification.
func (p *Portal) send(w http.ResponseWriter, r *http.Request, s *session) error {
	f := composeForm{To: r.PostForm["to"], Subject: strings.TrimSpace(r.PostFormValue("subject")), Body: r.PostFormValue("body"),
		ThreadID: r.PostFormValue("thread"), CaseRef: strings.TrimSpace(r.PostFormValue("case")), Handling: r.PostForm["handling"],
		Restrictions: strings.TrimSpace(r.PostFormValue("restrictions")), TLP: r.PostFormValue("tlp")}
	ids, err := p.uploadAll(r, s)
	if err != nil {
		if !userError(err) {
			return err
		}
		return p.renderCompose(w, r, s, formStatus, f, err)
	}
	m, err := p.cfg.Messages.SendMessage(r.Context(), federation.SendRequest{To: f.To, Subject: f.Subject, Body: f.Body,
		ThreadID: f.ThreadID, CaseRef: f.CaseRef, Handling: f.Handling, Restrictions: f.Restrictions, TLP: f.TLP, Attachments: ids})
	if err != nil {
		if !userError(err) {
			return err
		}
		return p.renderCompose(w, r, s, formStatus, f, err)
	}
	http.Redirect(w, r, "/messages/"+m.ID, http.StatusSeeOther)
	return nil
}

// uploadAll stores the form's files as completed uploads of the officer.
func (p *Portal) uploadAll(r *http.Request, s *session) ([]string, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	files := r.MultipartForm.File["attachments"]
	if len(files) > maxAttachmentsPerForm {
		return nil, errs.E(errs.Invalid, "attachments", fmt.Sprintf("at most %d files per message from the portal", maxAttachmentsPerForm))
	}
	var ids []string
	for _, fh := range files {
		if fh.Size == 0 && fh.Filename == "" {
			continue
		}
		id, err := p.upload(r, fh)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (p *Portal) upload(r *http.Request, fh *multipart.FileHeader) (string, error) {
	ctx := r.Context()
	f, err := fh.Open()
	if err != nil {
		return "", fmt.Errorf("open uploaded file: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash uploaded file: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	mt := fh.Header.Get("Content-Type")
	a, err := p.cfg.Messages.CreateUpload(ctx, federation.UploadRequest{Name: filepath.Base(fh.Filename), MediaType: mt, Size: fh.Size, SHA256: sum})
	if err != nil {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	buf := make([]byte, a.ChunkSize)
	for n := int64(0); n < a.Chunks; n++ {
		k, err := io.ReadFull(f, buf)
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			return "", fmt.Errorf("read uploaded file: %w", err)
		}
		chunk := buf[:k]
		cs := sha256.Sum256(chunk)
		if err := p.cfg.Messages.PutChunk(ctx, a.ID, n, chunk, hex.EncodeToString(cs[:])); err != nil {
			return "", err
		}
	}
	if _, err := p.cfg.Messages.CompleteUpload(ctx, a.ID); err != nil {
		return "", err
	}
	return a.ID, nil
}
