package web

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/auth"
	"github.com/liaison-project/liaison/internal/disclosure"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/matchsvc"
	"github.com/liaison-project/liaison/internal/notice/lookup"
	"github.com/liaison-project/liaison/internal/noticesvc"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
	"github.com/liaison-project/liaison/internal/witness"
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

// RecordSharing sends copies of records to partner agencies and keeps
// them in step: the record service decides and records each disclosure,
// federation delivers it, and holders acknowledge the version they hold.
// disclosure.Portal implements it.
type RecordSharing interface {
	// Share sends a copy of a record to one partner; a policy refusal is
	// an error carrying the rule's reason.
	Share(ctx context.Context, recordID, partner string, purpose policy.Purpose) error
	// Holders lists the partners sent a copy: the version each
	// acknowledged, the delivery of the last message, pending changes.
	Holders(ctx context.Context, recordID string) ([]disclosure.Holder, error)
	// Requests lists requests for permission to pass H2 records onward.
	Requests(ctx context.Context, f disclosure.RequestFilter) ([]disclosure.Request, error)
	// Answer grants or denies a holder's request, as the SPOC.
	Answer(ctx context.Context, id string, a disclosure.AnswerRequest) (*disclosure.Request, error)
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

// Matching runs privacy-preserving hit/no-hit queries against partners
// and carries a hit to its legal second step: a structured follow-up that
// gives the holder's SPOC a task with a deadline. An adapter over
// *matchsvc.Service in internal/app implements it.
type Matching interface {
	// Types lists the query types: identifier types, and
	// matchsvc.TypePerson for a person by name and birth date.
	Types() []string
	// Query asks partners; the case and justification come from the
	// context (partners meter budgets per case).
	Query(ctx context.Context, q matchsvc.QueryRequest) (*matchsvc.QueryResult, error)
	// FollowUp sends the holder of a hit a hit-follow-up request with the
	// justification of the context.
	FollowUp(ctx context.Context, hitID string, req matchsvc.FollowUpRequest) (*matchsvc.FollowUpSent, error)
	// SentFollowUps lists the hits this node followed up, newest first:
	// the officer's own, or all for a SPOC.
	SentFollowUps(ctx context.Context, limit int) ([]matchsvc.FollowUpSent, error)
	// ReceivedFollowUps lists the follow-ups partners sent this node,
	// newest first, with their deadlines.
	ReceivedFollowUps(ctx context.Context, limit int) ([]matchsvc.FollowUp, error)
	// Answer records the SPOC's answer to a received follow-up.
	Answer(ctx context.Context, id string, req matchsvc.AnswerRequest) error
	// Status describes the partner tables this node holds and its own
	// epochs; Alerts are the holder's abuse alerts about partners' use of
	// this node's index. Both are for the SPOC and the administrator.
	Status(ctx context.Context) (*matchsvc.Status, error)
	Alerts(ctx context.Context, limit int) ([]matchsvc.Alert, error)
}

// Witnessing is partners witnessing each other's audit logs: what this
// node has seen and cosigned of each partner's log, what each partner
// cosigned of this node's, and the split views detected. *witness.Service
// implements it.
type Witnessing interface {
	Partners(ctx context.Context) ([]witness.Partner, error)
	Alerts(ctx context.Context) ([]witness.Alert, error)
}
