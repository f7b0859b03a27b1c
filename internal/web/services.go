package web

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/auth"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/notice/lookup"
	"github.com/liaison-project/liaison/internal/noticesvc"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
)

// The portal reaches every capability through the small interfaces below,
// which the capability services (or thin adapters in internal/app)
// implement. Each method is called with the officer's principal in the
// context (access.With) and, for personal data, the justification of the
// officer's current case (access.WithJustification): the services check
// roles and policy and write the audit events, exactly as for the API.
// A nil interface in Config hides the views that need it.

// Sessions logs officers in and out and authenticates portal requests.
// *auth.Service implements it.
type Sessions interface {
	Login(ctx context.Context, username, password, addr string) (*auth.Session, error)
	Logout(ctx context.Context, value string) error
	// Authenticate checks the session cookie and, on unsafe methods, the
	// auth.CSRFHeader against the session's CSRF token.
	Authenticate(r *http.Request) (access.Principal, error)
	ChangePassword(ctx context.Context, userID, old, new string) error
}

// Accounts is the administrator's view of users and API tokens.
type Accounts interface {
	ListUsers(ctx context.Context) ([]*auth.User, error)
	CreateUser(ctx context.Context, username, displayName string, role access.Role) (*auth.CreateUserResult, error)
	UpdateUser(ctx context.Context, username string, ch auth.UserChange) (*auth.User, error)
	ResetPassword(ctx context.Context, username string) (string, error)
	ListTokens(ctx context.Context) ([]*auth.Token, error)
	CreateToken(ctx context.Context, username, name string, ttl time.Duration) (*auth.CreatedToken, error)
	RevokeToken(ctx context.Context, id string) (*auth.Token, error)
}

// AuditLog is the data protection officer's view of the audit log. Search
// and Export record the consultation of the log before they answer.
type AuditLog interface {
	Search(ctx context.Context, f audit.Filter, before uint64, limit int) ([]audit.Entry, error)
	Export(ctx context.Context, w http.ResponseWriter, rg audit.ExportRange) error
	Verify(ctx context.Context) (*audit.Report, error)
	Checkpoint(ctx context.Context) (*audit.CheckpointInfo, error)
}

// Messaging is secure messaging with partner agencies.
type Messaging interface {
	ListMessages(ctx context.Context, f federation.MessageFilter) ([]*federation.Message, error)
	MessageCounts(ctx context.Context) (federation.Counts, error)
	ListThreads(ctx context.Context, limit int) ([]federation.Thread, error)
	GetThread(ctx context.Context, id string) (federation.Thread, []*federation.Message, error)
	OpenMessage(ctx context.Context, id string) (*federation.Message, error)
	SendMessage(ctx context.Context, req federation.SendRequest) (*federation.Message, error)
	CreateUpload(ctx context.Context, req federation.UploadRequest) (*federation.Attachment, error)
	PutChunk(ctx context.Context, id string, n int64, data []byte, sumHex string) error
	CompleteUpload(ctx context.Context, id string) (*federation.Attachment, error)
	WriteAttachment(ctx context.Context, id string, w io.Writer, before func(*federation.Attachment)) error
	Deliveries(ctx context.Context, messageID string) ([]federation.Delivery, error)
}

// Partners lists partner agencies and the health of the links to them;
// administrators add partners from their cards (fingerprint checked out of
// band) and suspend or resume them.
type Partners interface {
	ListPartners(ctx context.Context, withRemoved bool) ([]federation.Partner, error)
	Status(ctx context.Context) ([]federation.PartnerStatus, error)
	OwnCard(ctx context.Context) (federation.OwnCard, error)
	AddPartner(ctx context.Context, cardJSON []byte, fingerprint string) (federation.Partner, string, error)
	SetPartnerState(ctx context.Context, agency, state string) (federation.Partner, error)
}

// Records are intelligence records. *record.Service implements it.
type Records interface {
	Search(ctx context.Context, q record.Query) (*record.Result, error)
	Get(ctx context.Context, id string) (*record.Record, policy.Decision, error)
	Versions(ctx context.Context, id string) ([]record.VersionInfo, error)
	Correlations(ctx context.Context, id string) (*record.Correlations, error)
	Holders(ctx context.Context, recordID string) ([]record.Holder, error)
	Create(ctx context.Context, d record.Draft) (*record.Record, error)
	Import(ctx context.Context, r io.Reader, opts record.ImportOptions, progress func(record.ImportProgress)) (*record.ImportSummary, error)
	Withdraw(ctx context.Context, id string) (*record.Record, error)
	Review(ctx context.Context, id string, until time.Time) (*record.Record, error)
}

// RecordSharing sends a copy of a record to a partner agency: the record
// service decides and records the disclosure, federation delivers it.
type RecordSharing interface {
	Share(ctx context.Context, recordID, partner string, purpose policy.Purpose) error
}

// Notices are INTERPOL-style notices and diffusions with their compliance
// review. *noticesvc.Service implements it.
type Notices interface {
	ListNotices(ctx context.Context, f noticesvc.NoticeFilter) ([]noticesvc.Summary, string, error)
	GetNotice(ctx context.Context, id string) (*noticesvc.Notice, error)
	CreateNotice(ctx context.Context, d noticesvc.Draft) (*noticesvc.Notice, error)
	SubmitNotice(ctx context.Context, id string) (*noticesvc.Notice, error)
	DecideNotice(ctx context.Context, id string, req noticesvc.DecisionRequest) (*noticesvc.Notice, error)
}

// Alerts are stolen, lost or revoked travel documents, stolen vehicles and
// other sought objects, which border lookups check. *noticesvc.Service
// implements it.
type Alerts interface {
	ListAlerts(ctx context.Context, f noticesvc.AlertFilter) ([]*noticesvc.Alert, string, error)
	CreateAlert(ctx context.Context, in noticesvc.AlertInput) (*noticesvc.Alert, error)
	CancelAlert(ctx context.Context, id, reason string) (*noticesvc.Alert, error)
}

// Border answers a border officer's lookups against the alerts and the
// notices in circulation. Lookups are audited by the implementation.
// *noticesvc.Service implements it.
type Border interface {
	LookupDocument(ctx context.Context, number, country string) (lookup.Hit, bool, error)
	LookupPlate(ctx context.Context, plate, country string) (lookup.Hit, bool, error)
	LookupVIN(ctx context.Context, vin string) (lookup.Hit, bool, error)
	LookupPerson(ctx context.Context, fullName, birthDate string) ([]lookup.PersonHit, error)
}

// MatchQuery is one hit/no-hit query to partners. The case and
// justification come from the context.
type MatchQuery struct {
	Type     string   // identifier type, one of Matching.Types
	Value    string   // the identifier; never leaves the node in clear
	Partners []string // agency ids; empty: every partner that offers matching
	Purpose  policy.Purpose
}

// MatchOutcome is a partner's answer.
type MatchOutcome string

// Match outcomes.
const (
	MatchHit         MatchOutcome = "hit"
	MatchNoHit       MatchOutcome = "no-hit"
	MatchUnavailable MatchOutcome = "unavailable" // no current table or epoch from the partner
	MatchRefused     MatchOutcome = "refused"     // budget exhausted or policy refused the query
)

// MatchResult is the outcome of a query at one partner.
type MatchResult struct {
	Partner  string
	Outcome  MatchOutcome
	Ref      string // on a hit: the reference to quote in the follow-up request
	Strength string // on a hit: "strong" or "weak" (a weak key is only a candidate)
	Detail   string // why unavailable or refused
}

// Matching runs privacy-preserving hit/no-hit queries against partners.
type Matching interface {
	Types() []string
	Query(ctx context.Context, q MatchQuery) ([]MatchResult, error)
}
