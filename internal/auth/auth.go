// Package auth manages officer accounts on a node and authenticates every
// API and portal request: argon2id passwords with throttled logins, API
// tokens shown once and stored hashed, and portal sessions in secure,
// HttpOnly, SameSite cookies with a CSRF token for unsafe methods.
//
// Every change to accounts and credentials writes an audit event in the same
// transaction (user-changed, token-created, token-revoked, login,
// login-failed).
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
)

// SessionCookie is the portal session cookie. The __Host- prefix pins it to
// this origin, path / and Secure.
const SessionCookie = "__Host-liaison_session"

// CSRFHeader carries the session's CSRF token on unsafe requests.
const CSRFHeader = "X-CSRF-Token"

// Config tunes the service.
type Config struct {
	Agency      string
	Country     string
	TokenTTL    time.Duration // default lifetime of new API tokens
	MaxTokenTTL time.Duration // longest lifetime a token may be given
	SessionIdle time.Duration
	SessionMax  time.Duration
	// Exercise says the node is an exercise node (a training instance
	// holding exercise data only): every principal it authenticates, token
	// or portal session, acts inside an exercise.
	Exercise bool
}

// Service manages accounts and authenticates requests.
type Service struct {
	cfg   Config
	db    *db.DB
	audit audit.Appender
	log   *slog.Logger
	now   func() time.Time

	userThrottle *throttle
	addrThrottle *throttle

	cacheMu sync.Mutex
	cache   map[string]cachedToken // token id → validated credential
	// evictions counts evict calls: a credential read from the database
	// before an eviction is not cached after it, or a revoked token
	// would work on for tokenCacheTTL.
	evictions uint64
}

type cachedToken struct {
	hash      []byte
	principal access.Principal
	validTill time.Time // cache entry lifetime
	expiresAt time.Time // token expiry
	lastUsed  time.Time // last time last_used_at was written
}

// tokenCacheTTL bounds how long a revoked token or disabled user can keep
// working on another node of a highly available deployment; on this node
// revocation and disabling evict the cache at once.
const tokenCacheTTL = 10 * time.Second

// New returns a Service.
func New(cfg Config, d *db.DB, a audit.Appender, log *slog.Logger) *Service {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 30 * 24 * time.Hour
	}
	if cfg.MaxTokenTTL <= 0 {
		cfg.MaxTokenTTL = 365 * 24 * time.Hour
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = 30 * time.Minute
	}
	if cfg.SessionMax <= 0 {
		cfg.SessionMax = 12 * time.Hour
	}
	return &Service{
		cfg: cfg, db: d, audit: a, log: log, now: time.Now,
		userThrottle: newThrottle(5, 15*time.Minute, 15*time.Minute),
		addrThrottle: newThrottle(20, 15*time.Minute, 15*time.Minute),
		cache:        map[string]cachedToken{},
	}
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

func validateUsername(name string) error {
	if !usernamePattern.MatchString(name) {
		return errs.E(errs.Invalid, "username", "2-64 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit")
	}
	return nil
}

func (s *Service) principal(u *User, tokenID string) access.Principal {
	return access.Principal{
		UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role,
		Agency: s.cfg.Agency, Country: s.cfg.Country, TokenID: tokenID,
		MustChangePassword: u.MustChangePassword, Exercise: s.cfg.Exercise,
	}
}

// Authenticate implements api.Authenticator.
func (s *Service) Authenticate(r *http.Request) (access.Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return access.Principal{}, errs.E(errs.Unauthorized, "Authorization", "use a bearer token")
		}
		return s.authenticateToken(r.Context(), strings.TrimSpace(tok))
	}
	if c, err := r.Cookie(SessionCookie); err == nil {
		return s.authenticateSession(r, c.Value)
	}
	return access.Principal{}, errs.E(errs.Unauthorized, "authentication required: send an API token as a bearer token")
}

var errBadCredentials = errs.E(errs.Unauthorized, "invalid, expired or revoked credentials")

func (s *Service) authenticateToken(ctx context.Context, tok string) (access.Principal, error) {
	id, secret, ok := parseToken(tok)
	if !ok {
		return access.Principal{}, errBadCredentials
	}
	hash := hashSecret(secret)
	now := s.now()

	s.cacheMu.Lock()
	c, hit := s.cache[id]
	evictions := s.evictions
	s.cacheMu.Unlock()
	if hit && now.Before(c.validTill) && now.Before(c.expiresAt) {
		if subtle.ConstantTimeCompare(c.hash, hash) != 1 {
			return access.Principal{}, errBadCredentials
		}
		return c.principal, nil
	}

	cred, err := tokenCredential(ctx, s.db, id)
	if err != nil {
		return access.Principal{}, err
	}
	if cred == nil || subtle.ConstantTimeCompare(cred.hash, hash) != 1 || cred.revoked ||
		!now.Before(cred.expiresAt) || cred.user.Disabled {
		return access.Principal{}, errBadCredentials
	}
	p := s.principal(cred.user, id)
	p.Exercise = p.Exercise || cred.exercise
	entry := cachedToken{hash: hash, principal: p, validTill: now.Add(tokenCacheTTL), expiresAt: cred.expiresAt, lastUsed: c.lastUsed}
	if now.Sub(c.lastUsed) > time.Minute {
		entry.lastUsed = now
		s.touchToken(id, now)
	}
	s.cacheMu.Lock()
	if s.evictions == evictions {
		s.cache[id] = entry
	}
	s.cacheMu.Unlock()
	return p, nil
}

// touchToken records last use without holding up the request.
func (s *Service) touchToken(id string, now time.Time) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := s.db.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE tokens SET last_used_at = ? WHERE id = ?`, now.UnixMicro(), id)
			return err
		})
		if err != nil {
			s.log.Warn("record token use", slog.String("token_id", id), slog.String("error", err.Error()))
		}
	}()
}

func (s *Service) evict(match func(cachedToken) bool) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	s.evictions++
	for id, c := range s.cache {
		if match(c) {
			delete(s.cache, id)
		}
	}
}

func sessionHash(v string) []byte {
	h := sha256.Sum256([]byte("liaison-session\x00" + v))
	return h[:]
}

func (s *Service) authenticateSession(r *http.Request, value string) (access.Principal, error) {
	if len(value) != 43 {
		return access.Principal{}, errBadCredentials
	}
	ctx := r.Context()
	idHash := sessionHash(value)
	cred, err := sessionCredential(ctx, s.db, idHash)
	if err != nil {
		return access.Principal{}, err
	}
	now := s.now()
	if cred == nil || cred.user.Disabled || !now.Before(cred.expiresAt) || now.Sub(cred.lastSeen) > s.cfg.SessionIdle {
		return access.Principal{}, errs.E(errs.Unauthorized, "session expired: log in again")
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		got := r.Header.Get(CSRFHeader)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), cred.hash) != 1 {
			return access.Principal{}, errs.E(errs.Permission, CSRFHeader, "missing or wrong CSRF token")
		}
	}
	if now.Sub(cred.lastSeen) > time.Minute {
		err := s.db.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?`, now.UnixMicro(), idHash)
			return err
		})
		if err != nil {
			return access.Principal{}, fmt.Errorf("touch session: %w", err)
		}
	}
	return s.principal(cred.user, ""), nil
}

// CreateUserResult is a new account and its one-time password.
type CreateUserResult struct {
	User     *User  `json:"user"`
	Password string `json:"password" doc:"one-time password, shown once; the user must change it"`
}

// CreateUser adds an account with a one-time password. actor is who asks
// (zero for the bootstrap administrator created by `liaison init`).
func (s *Service) CreateUser(ctx context.Context, username, displayName string, role access.Role) (*CreateUserResult, error) {
	if err := validateUsername(username); err != nil {
		return nil, err
	}
	if _, err := access.ParseRole(string(role)); err != nil {
		return nil, errs.E(errs.Invalid, "role", err.Error())
	}
	if len(displayName) > 200 {
		return nil, errs.E(errs.Invalid, "displayName", "at most 200 characters")
	}
	password := NewPassword()
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	u := &User{ID: uuid.Must(uuid.NewV7()).String(), Username: username, DisplayName: displayName, Role: role,
		MustChangePassword: true, CreatedAt: now, UpdatedAt: now, passwordHash: hash}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := insertUser(ctx, tx, u); err != nil {
			return err
		}
		e := audit.New(ctx, audit.UserChanged, audit.Ref{Type: "user", ID: u.ID})
		e.Reason = "created with role " + string(role)
		return s.audit.Append(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return &CreateUserResult{User: u, Password: password}, nil
}

// UserChange is a partial update of an account; nil fields are unchanged.
type UserChange struct {
	DisplayName *string      `json:"displayName,omitempty"`
	Role        *access.Role `json:"role,omitempty"`
	Disabled    *bool        `json:"disabled,omitempty"`
}

// UpdateUser changes an account.
func (s *Service) UpdateUser(ctx context.Context, username string, ch UserChange) (*User, error) {
	var out *User
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		u, err := getUser(ctx, tx, "username = ?", username)
		if err != nil {
			return err
		}
		var what []string
		if ch.DisplayName != nil {
			if len(*ch.DisplayName) > 200 {
				return errs.E(errs.Invalid, "displayName", "at most 200 characters")
			}
			u.DisplayName = *ch.DisplayName
			what = append(what, "display name")
		}
		if ch.Role != nil {
			if _, err := access.ParseRole(string(*ch.Role)); err != nil {
				return errs.E(errs.Invalid, "role", err.Error())
			}
			u.Role = *ch.Role
			what = append(what, "role "+string(u.Role))
		}
		if ch.Disabled != nil {
			if p, _ := access.From(ctx); *ch.Disabled && p.UserID == u.ID {
				return errs.E(errs.Conflict, "disabled", "you cannot disable your own account")
			}
			u.Disabled = *ch.Disabled
			what = append(what, fmt.Sprintf("disabled=%v", u.Disabled))
		}
		if len(what) == 0 {
			return errs.E(errs.Invalid, "nothing to change")
		}
		u.UpdatedAt = s.now().UTC()
		if err := updateUser(ctx, tx, u); err != nil {
			return err
		}
		if u.Disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
				return fmt.Errorf("end sessions: %w", err)
			}
		}
		e := audit.New(ctx, audit.UserChanged, audit.Ref{Type: "user", ID: u.ID})
		e.Reason = "changed " + strings.Join(what, ", ")
		if err := s.audit.Append(ctx, tx, e); err != nil {
			return err
		}
		out = u
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.evict(func(c cachedToken) bool { return c.principal.UserID == out.ID })
	return out, nil
}

// ResetPassword gives an account a new one-time password.
func (s *Service) ResetPassword(ctx context.Context, username string) (string, error) {
	password := NewPassword()
	hash, err := HashPassword(password)
	if err != nil {
		return "", err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		u, err := getUser(ctx, tx, "username = ?", username)
		if err != nil {
			return err
		}
		u.passwordHash, u.MustChangePassword, u.UpdatedAt = hash, true, s.now().UTC()
		if err := updateUser(ctx, tx, u); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		e := audit.New(ctx, audit.UserChanged, audit.Ref{Type: "user", ID: u.ID})
		e.Reason = "password reset"
		if err := s.audit.Append(ctx, tx, e); err != nil {
			return err
		}
		tx.OnCommit(func() { s.evict(func(c cachedToken) bool { return c.principal.UserID == u.ID }) })
		return nil
	})
	return password, err
}

// ChangePassword sets the caller's own password.
func (s *Service) ChangePassword(ctx context.Context, userID, old, new string) error {
	if len(new) < minPasswordLen || len(new) > maxPasswordLen {
		return errs.E(errs.Invalid, "newPassword", fmt.Sprintf("must be %d to %d characters", minPasswordLen, maxPasswordLen))
	}
	hash, err := HashPassword(new)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		u, err := getUser(ctx, tx, "id = ?", userID)
		if err != nil {
			return err
		}
		if !CheckPassword(u.passwordHash, old) {
			return errs.E(errs.Permission, "oldPassword", "the current password is wrong")
		}
		u.passwordHash, u.MustChangePassword, u.UpdatedAt = hash, false, s.now().UTC()
		if err := updateUser(ctx, tx, u); err != nil {
			return err
		}
		e := audit.New(ctx, audit.UserChanged, audit.Ref{Type: "user", ID: u.ID})
		e.Reason = "password changed"
		if err := s.audit.Append(ctx, tx, e); err != nil {
			return err
		}
		tx.OnCommit(func() { s.evict(func(c cachedToken) bool { return c.principal.UserID == u.ID }) })
		return nil
	})
}

// CreatedToken is a new API token; Secret is shown once.
type CreatedToken struct {
	Token  *Token `json:"token"`
	Secret string `json:"secret" doc:"the bearer token, shown once"`
}

// CreateToken issues an API token for username, valid for ttl (0 = default).
// The token acts with the user's role.
func (s *Service) CreateToken(ctx context.Context, username, name string, ttl time.Duration) (*CreatedToken, error) {
	return s.createToken(ctx, username, name, ttl, false)
}

// CreateExerciseToken issues an API token, as CreateToken does, that acts
// inside a training exercise: its principal has Exercise set, so policy
// lets it read and create exercise data only, and every audit event it
// causes carries the exercise flag. On a real node portal sessions never
// act inside an exercise; on an exercise node every principal does.
func (s *Service) CreateExerciseToken(ctx context.Context, username, name string, ttl time.Duration) (*CreatedToken, error) {
	return s.createToken(ctx, username, name, ttl, true)
}

func (s *Service) createToken(ctx context.Context, username, name string, ttl time.Duration, exercise bool) (*CreatedToken, error) {
	if ttl == 0 {
		ttl = s.cfg.TokenTTL
	}
	if ttl < time.Minute || ttl > s.cfg.MaxTokenTTL {
		return nil, errs.E(errs.Invalid, "expiresIn", fmt.Sprintf("must be between 1m and %s", s.cfg.MaxTokenTTL))
	}
	if len(name) > 100 {
		return nil, errs.E(errs.Invalid, "name", "at most 100 characters")
	}
	id, secret, full := newToken()
	now := s.now().UTC()
	var tok *Token
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		u, err := getUser(ctx, tx, "username = ?", username)
		if err != nil {
			return err
		}
		if u.Disabled {
			return errs.E(errs.Conflict, "user", "the user is disabled")
		}
		tok = &Token{ID: id, UserID: u.ID, Username: u.Username, Name: name, CreatedAt: now, ExpiresAt: now.Add(ttl), Exercise: exercise}
		if err := insertToken(ctx, tx, tok, hashSecret(secret)); err != nil {
			return err
		}
		e := audit.New(ctx, audit.TokenCreated, audit.Ref{Type: "user", ID: u.ID}, audit.Ref{Type: "token", ID: id})
		if exercise {
			e.Reason = "exercise token"
		}
		return s.audit.Append(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return &CreatedToken{Token: tok, Secret: full}, nil
}

// RevokeToken revokes a token. Non-admins may revoke only their own.
func (s *Service) RevokeToken(ctx context.Context, id string) (*Token, error) {
	p, _ := access.From(ctx)
	var tok *Token
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		t, err := getToken(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.Role != access.Admin && t.UserID != p.UserID {
			return errs.E(errs.NotExist, "token", "no such token")
		}
		if t.RevokedAt != nil {
			tok = t
			return nil
		}
		now := s.now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ?`, now.UnixMicro(), id); err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		t.RevokedAt = &now
		tok = t
		e := audit.New(ctx, audit.TokenRevoked, audit.Ref{Type: "user", ID: t.UserID}, audit.Ref{Type: "token", ID: id})
		return s.audit.Append(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	s.evict(func(c cachedToken) bool { return c.principal.TokenID == id })
	return tok, nil
}

// Session is a new portal session.
type Session struct {
	Value     string    `json:"-"` // cookie value
	CSRF      string    `json:"csrfToken"`
	ExpiresAt time.Time `json:"expiresAt"`
	User      *User     `json:"user"`
}

// Login checks a password and opens a session. addr is the client address
// used for throttling.
func (s *Service) Login(ctx context.Context, username, password, addr string) (*Session, error) {
	now := s.now()
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	userKey, addrKey := "u:"+username, "a:"+host
	if w := max(s.userThrottle.wait(userKey, now), s.addrThrottle.wait(addrKey, now)); w > 0 {
		return nil, errs.E(errs.RateLimited, fmt.Sprintf("too many failed logins: try again in %s", w.Round(time.Second)))
	}
	u, err := getUser(ctx, s.db, "username = ?", username)
	if err != nil && !errs.Is(err, errs.NotExist) {
		return nil, err
	}
	if u == nil || !CheckPassword(u.passwordHash, password) || u.Disabled {
		if u == nil {
			CheckPassword(dummyHash, password) // same time as a real check
		}
		s.userThrottle.fail(userKey, now)
		s.addrThrottle.fail(addrKey, now)
		e := audit.New(ctx, audit.LoginFailed)
		e.Outcome = audit.Denied
		if h, ok := s.audit.(personalHasher); ok {
			e.Hashes = []string{h.HashPersonal("username", username)}
		}
		if u != nil {
			e.Objects = []audit.Ref{{Type: "user", ID: u.ID}}
		}
		if err := s.db.Write(ctx, func(tx *db.Tx) error { return s.audit.Append(ctx, tx, e) }); err != nil {
			return nil, err
		}
		return nil, errs.E(errs.Unauthorized, "wrong username or password, or the account is disabled")
	}
	s.userThrottle.reset(userKey)
	value, csrf := randomString(32), randomString(32)
	sess := &Session{Value: value, CSRF: csrf, ExpiresAt: now.Add(s.cfg.SessionMax).UTC(), User: u}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, csrf, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			sessionHash(value), u.ID, csrf, now.UnixMicro(), now.UnixMicro(), sess.ExpiresAt.UnixMicro()); err != nil {
			return fmt.Errorf("insert session: %w", err)
		}
		e := audit.New(access.With(ctx, s.principal(u, "")), audit.Login, audit.Ref{Type: "user", ID: u.ID})
		return s.audit.Append(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// Logout ends the session named by a cookie value.
func (s *Service) Logout(ctx context.Context, value string) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, sessionHash(value))
		return err
	})
}

// PruneSessions deletes expired sessions. The node calls it periodically.
func (s *Service) PruneSessions(ctx context.Context) error {
	now := s.now()
	return s.db.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?`,
			now.UnixMicro(), now.Add(-s.cfg.SessionIdle).UnixMicro())
		return err
	})
}

// personalHasher is implemented by *audit.Log: keyed hashes identify a
// failed login's username in the log without storing it (it may be a
// mistyped password or a real name).
type personalHasher interface {
	HashPersonal(kind, value string) string
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Bootstrap creates the first administrator and an API token for it, as
// `liaison init` does. It fails if any user exists.
func (s *Service) Bootstrap(ctx context.Context, username string) (*CreateUserResult, *CreatedToken, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return nil, nil, fmt.Errorf("count users: %w", err)
	}
	if n > 0 {
		return nil, nil, errs.E(errs.Conflict, "the node already has users")
	}
	ctx = access.With(ctx, access.Principal{Username: "liaison-init", Role: access.Admin, Agency: s.cfg.Agency, Country: s.cfg.Country,
		Exercise: s.cfg.Exercise})
	u, err := s.CreateUser(ctx, username, "Administrator", access.Admin)
	if err != nil {
		return nil, nil, err
	}
	t, err := s.CreateToken(ctx, username, "created by liaison init", s.cfg.MaxTokenTTL)
	if err != nil {
		return nil, nil, err
	}
	return u, t, nil
}

// ListUsers returns up to limit accounts ordered by username, after the
// given username ("" for the first page). Callers check that the caller is
// an administrator.
func (s *Service) ListUsers(ctx context.Context, after string, limit int) ([]*User, error) {
	return listUsers(ctx, s.db, after, limit)
}

// ListTokens returns up to limit tokens ordered by id after the given id;
// owner, when not empty, limits them to one user's.
func (s *Service) ListTokens(ctx context.Context, owner, after string, limit int) ([]*Token, error) {
	return listTokens(ctx, s.db, owner, after, limit)
}
