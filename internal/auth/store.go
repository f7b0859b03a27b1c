package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
)

// Schema holds the accounts tables.
var Schema = db.Schema{Component: "auth", Steps: []db.Migration{
	{SQL: `CREATE TABLE users (
		id TEXT PRIMARY KEY,
		username TEXT NOT NULL UNIQUE,
		display_name TEXT NOT NULL DEFAULT '',
		role TEXT NOT NULL,
		password_hash TEXT NOT NULL,
		must_change_password {{BOOL}} NOT NULL,
		disabled {{BOOL}} NOT NULL,
		created_at BIGINT NOT NULL,
		updated_at BIGINT NOT NULL)`},
	{SQL: `CREATE TABLE tokens (
		id TEXT PRIMARY KEY,
		user_id TEXT NOT NULL REFERENCES users (id),
		secret_hash {{BLOB}} NOT NULL,
		name TEXT NOT NULL DEFAULT '',
		created_at BIGINT NOT NULL,
		expires_at BIGINT NOT NULL,
		revoked_at BIGINT,
		last_used_at BIGINT)`},
	{SQL: `CREATE INDEX tokens_user ON tokens (user_id)`},
	{SQL: `CREATE TABLE sessions (
		id_hash {{BLOB}} PRIMARY KEY,
		user_id TEXT NOT NULL REFERENCES users (id),
		csrf TEXT NOT NULL,
		created_at BIGINT NOT NULL,
		last_seen_at BIGINT NOT NULL,
		expires_at BIGINT NOT NULL)`},
	{SQL: `CREATE INDEX sessions_user ON sessions (user_id)`},
	// Exercise tokens act only inside a training exercise (see
	// Service.CreateExerciseToken).
	{SQL: `ALTER TABLE tokens ADD COLUMN exercise {{BOOL}} NOT NULL DEFAULT FALSE`},
}}

// User is an officer account. Disabling keeps the account (and its
// history) but refuses every credential.
type User struct {
	ID                 string      `json:"id"`
	Username           string      `json:"username"`
	DisplayName        string      `json:"displayName,omitempty"`
	Role               access.Role `json:"role"`
	MustChangePassword bool        `json:"mustChangePassword"`
	Disabled           bool        `json:"disabled"`
	CreatedAt          time.Time   `json:"createdAt"`
	UpdatedAt          time.Time   `json:"updatedAt"`
	passwordHash       string
}

// Token describes an API token (never its secret).
type Token struct {
	ID         string     `json:"id"`
	UserID     string     `json:"userId"`
	Username   string     `json:"username"`
	Name       string     `json:"name,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
	ExpiresAt  time.Time  `json:"expiresAt"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
	// Exercise tokens act inside a training exercise: on exercise data
	// only, and every audit event they cause is marked as an exercise's.
	Exercise bool `json:"exercise,omitempty"`
}

const userColumns = `id, username, display_name, role, password_hash, must_change_password, disabled, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var role string
	var created, updated int64
	if err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &role, &u.passwordHash,
		&u.MustChangePassword, &u.Disabled, &created, &updated); err != nil {
		return nil, err
	}
	u.Role = access.Role(role)
	u.CreatedAt, u.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return &u, nil
}

func getUser(ctx context.Context, q db.Querier, where string, arg any) (*User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotExist, "user", "no such user")
	}
	if err != nil {
		return nil, fmt.Errorf("read user: %w", err)
	}
	return u, nil
}

func insertUser(ctx context.Context, tx *db.Tx, u *User) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Username, u.DisplayName, string(u.Role), u.passwordHash, u.MustChangePassword, u.Disabled,
		u.CreatedAt.UnixMicro(), u.UpdatedAt.UnixMicro())
	if db.IsUniqueViolation(err) {
		return errs.E(errs.Conflict, "username", "a user with this name exists")
	}
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

func updateUser(ctx context.Context, tx *db.Tx, u *User) error {
	_, err := tx.ExecContext(ctx, `UPDATE users SET display_name = ?, role = ?, password_hash = ?,
		must_change_password = ?, disabled = ?, updated_at = ? WHERE id = ?`,
		u.DisplayName, string(u.Role), u.passwordHash, u.MustChangePassword, u.Disabled, u.UpdatedAt.UnixMicro(), u.ID)
	if err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	return nil
}

func listUsers(ctx context.Context, q db.Querier, after string, limit int) ([]*User, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE username > ? ORDER BY username LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func insertToken(ctx context.Context, tx *db.Tx, t *Token, secretHash []byte) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO tokens (id, user_id, secret_hash, name, created_at, expires_at, exercise) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.UserID, secretHash, t.Name, t.CreatedAt.UnixMicro(), t.ExpiresAt.UnixMicro(), t.Exercise)
	if err != nil {
		return fmt.Errorf("insert token: %w", err)
	}
	return nil
}

const tokenColumns = `t.id, t.user_id, u.username, t.name, t.created_at, t.expires_at, t.revoked_at, t.last_used_at, t.exercise`

func scanToken(row interface{ Scan(...any) error }) (*Token, error) {
	var t Token
	var created, expires int64
	var revoked, used sql.NullInt64
	if err := row.Scan(&t.ID, &t.UserID, &t.Username, &t.Name, &created, &expires, &revoked, &used, &t.Exercise); err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt = time.UnixMicro(created).UTC(), time.UnixMicro(expires).UTC()
	if revoked.Valid {
		r := time.UnixMicro(revoked.Int64).UTC()
		t.RevokedAt = &r
	}
	if used.Valid {
		u := time.UnixMicro(used.Int64).UTC()
		t.LastUsedAt = &u
	}
	return &t, nil
}

func getToken(ctx context.Context, q db.Querier, id string) (*Token, error) {
	t, err := scanToken(q.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotExist, "token", "no such token")
	}
	if err != nil {
		return nil, fmt.Errorf("read token: %w", err)
	}
	return t, nil
}

func listTokens(ctx context.Context, q db.Querier, userID, after string, limit int) ([]*Token, error) {
	query := `SELECT ` + tokenColumns + ` FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.id > ?`
	args := []any{after}
	if userID != "" {
		query += ` AND t.user_id = ?`
		args = append(args, userID)
	}
	query += ` ORDER BY t.id LIMIT ?`
	args = append(args, limit)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []*Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// credential is what authentication needs about a token or session.
type credential struct {
	user      *User
	hash      []byte // token secret hash, or session CSRF token
	expiresAt time.Time
	revoked   bool
	exercise  bool      // tokens only
	lastSeen  time.Time // sessions only
	created   time.Time // sessions only
}

func tokenCredential(ctx context.Context, q db.Querier, id string) (*credential, error) {
	row := q.QueryRowContext(ctx, `SELECT t.secret_hash, t.expires_at, t.revoked_at, t.exercise, `+prefixed("u.", userColumns)+`
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?`, id)
	var c credential
	var expires int64
	var revoked sql.NullInt64
	var u User
	var role string
	var created, updated int64
	err := row.Scan(&c.hash, &expires, &revoked, &c.exercise, &u.ID, &u.Username, &u.DisplayName, &role, &u.passwordHash,
		&u.MustChangePassword, &u.Disabled, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read token: %w", err)
	}
	u.Role = access.Role(role)
	c.user, c.expiresAt, c.revoked = &u, time.UnixMicro(expires), revoked.Valid
	return &c, nil
}

func sessionCredential(ctx context.Context, q db.Querier, idHash []byte) (*credential, error) {
	row := q.QueryRowContext(ctx, `SELECT s.csrf, s.created_at, s.last_seen_at, s.expires_at, `+prefixed("u.", userColumns)+`
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?`, idHash)
	var c credential
	var csrf string
	var created, seen, expires int64
	var u User
	var role string
	var ucreated, uupdated int64
	err := row.Scan(&csrf, &created, &seen, &expires, &u.ID, &u.Username, &u.DisplayName, &role, &u.passwordHash,
		&u.MustChangePassword, &u.Disabled, &ucreated, &uupdated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	u.Role = access.Role(role)
	c.user, c.hash = &u, []byte(csrf)
	c.created, c.lastSeen, c.expiresAt = time.UnixMicro(created), time.UnixMicro(seen), time.UnixMicro(expires)
	return &c, nil
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}
