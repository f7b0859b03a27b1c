package auth

import (
	"net/http"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/httpx"
)

// Me is the caller as GET /api/v1/me shows it.
type Me struct {
	UserID             string      `json:"userId"`
	Username           string      `json:"username"`
	DisplayName        string      `json:"displayName,omitempty"`
	Role               access.Role `json:"role"`
	Agency             string      `json:"agency"`
	Country            string      `json:"country"`
	MustChangePassword bool        `json:"mustChangePassword"`
	Exercise           bool        `json:"exercise,omitempty" doc:"the caller acts inside a training exercise (an exercise token, or any caller on an exercise node)"`
	ExerciseNode       bool        `json:"exerciseNode,omitempty" doc:"the node is an exercise node: a training instance that holds exercise data only"`
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type createUserRequest struct {
	Username    string      `json:"username"`
	DisplayName string      `json:"displayName,omitempty"`
	Role        access.Role `json:"role"`
}

type passwordRequest struct {
	OldPassword string `json:"oldPassword"`
	NewPassword string `json:"newPassword"`
}

type createTokenRequest struct {
	Username  string `json:"username,omitempty" doc:"whose token; default the caller (admins may name others)"`
	Name      string `json:"name,omitempty"`
	ExpiresIn string `json:"expiresIn,omitempty" doc:"Go duration, e.g. 720h"`
	Exercise  bool   `json:"exercise,omitempty" doc:"a token for a training exercise: it acts on exercise data only"`
}

type resetResult struct {
	Password string `json:"password"`
}

// Routes returns the accounts API.
func (s *Service) Routes() []api.Route {
	const tag = "accounts"
	admin := []access.Role{access.Admin}
	return []api.Route{
		{Method: "GET", Path: "/api/v1/me", Summary: "The caller's user, role and agency", Tag: tag, Response: Me{}, Handler: s.handleMe},
		{Method: "POST", Path: "/api/v1/me/password", Summary: "Change the caller's password", Tag: tag, Request: passwordRequest{}, Status: 204, Handler: s.handleChangePassword},
		{Method: "POST", Path: "/api/v1/login", Summary: "Log in to the portal: opens a session cookie", Tag: tag, Public: true, Request: loginRequest{}, Response: Session{}, Handler: s.handleLogin},
		{Method: "POST", Path: "/api/v1/logout", Summary: "End the portal session", Tag: tag, Status: 204, Handler: s.handleLogout},
		{Method: "GET", Path: "/api/v1/users", Summary: "List users", Tag: tag, Roles: admin, Response: httpx.Page[*User]{}, Query: pageParams, Handler: s.handleListUsers},
		{Method: "POST", Path: "/api/v1/users", Summary: "Create a user with a one-time password", Tag: tag, Roles: admin, Request: createUserRequest{}, Response: CreateUserResult{}, Status: 201, Handler: s.handleCreateUser},
		{Method: "GET", Path: "/api/v1/users/{username}", Summary: "Show a user", Tag: tag, Roles: admin, Response: User{}, Handler: s.handleGetUser},
		{Method: "PATCH", Path: "/api/v1/users/{username}", Summary: "Change a user's name, role or disabled state", Tag: tag, Roles: admin, Request: UserChange{}, Response: User{}, Handler: s.handleUpdateUser},
		{Method: "POST", Path: "/api/v1/users/{username}/password-reset", Summary: "Give a user a new one-time password", Tag: tag, Roles: admin, Response: resetResult{}, Handler: s.handleResetPassword},
		{Method: "GET", Path: "/api/v1/tokens", Summary: "List API tokens (admins: all; others: their own)", Tag: tag, Response: httpx.Page[*Token]{}, Query: pageParams, Handler: s.handleListTokens},
		{Method: "POST", Path: "/api/v1/tokens", Summary: "Create an API token (shown once)", Tag: tag, Request: createTokenRequest{}, Response: CreatedToken{}, Status: 201, Handler: s.handleCreateToken},
		{Method: "DELETE", Path: "/api/v1/tokens/{id}", Summary: "Revoke an API token", Tag: tag, Response: Token{}, Handler: s.handleRevokeToken},
	}
}

var pageParams = []api.Param{
	{Name: "limit", Type: "integer", Description: "page size (1-500, default 50)"},
	{Name: "cursor", Description: "nextCursor of the previous page"},
}

// handleMe answers from the authenticated principal: authentication has
// just read (or, within the token cache's lifetime, re-validated) the user.
func (s *Service) handleMe(w http.ResponseWriter, r *http.Request) error {
	p := api.Principal(r)
	return httpx.WriteJSON(w, http.StatusOK, Me{UserID: p.UserID, Username: p.Username, DisplayName: p.DisplayName,
		Role: p.Role, Agency: p.Agency, Country: p.Country, MustChangePassword: p.MustChangePassword, Exercise: p.Exercise,
		ExerciseNode: s.cfg.Exercise})
}

func (s *Service) handleChangePassword(w http.ResponseWriter, r *http.Request) error {
	var req passwordRequest
	if err := httpx.DecodeJSON(w, r, 0, &req); err != nil {
		return err
	}
	if err := s.ChangePassword(r.Context(), api.Principal(r).UserID, req.OldPassword, req.NewPassword); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) handleLogin(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := httpx.DecodeJSON(w, r, 64<<10, &req); err != nil {
		return err
	}
	sess, err := s.Login(r.Context(), req.Username, req.Password, r.RemoteAddr)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: sess.Value, Path: "/", Expires: sess.ExpiresAt,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
	return httpx.WriteJSON(w, http.StatusOK, sess)
}

func (s *Service) handleLogout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := s.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) handleListUsers(w http.ResponseWriter, r *http.Request) error {
	limit, err := httpx.Limit(r)
	if err != nil {
		return err
	}
	var after string
	if _, err := httpx.DecodeCursor(r, &after); err != nil {
		return err
	}
	users, err := s.ListUsers(r.Context(), after, limit+1)
	if err != nil {
		return err
	}
	page := httpx.Page[*User]{Items: users}
	if len(users) > limit {
		page.Items = users[:limit]
		page.NextCursor = httpx.EncodeCursor(users[limit-1].Username)
	}
	if page.Items == nil {
		page.Items = []*User{}
	}
	return httpx.WriteJSON(w, http.StatusOK, page)
}

func (s *Service) handleCreateUser(w http.ResponseWriter, r *http.Request) error {
	var req createUserRequest
	if err := httpx.DecodeJSON(w, r, 0, &req); err != nil {
		return err
	}
	res, err := s.CreateUser(r.Context(), req.Username, req.DisplayName, req.Role)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, res)
}

func (s *Service) handleGetUser(w http.ResponseWriter, r *http.Request) error {
	u, err := getUser(r.Context(), s.db, "username = ?", r.PathValue("username"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, u)
}

func (s *Service) handleUpdateUser(w http.ResponseWriter, r *http.Request) error {
	var req UserChange
	if err := httpx.DecodeJSON(w, r, 0, &req); err != nil {
		return err
	}
	u, err := s.UpdateUser(r.Context(), r.PathValue("username"), req)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, u)
}

func (s *Service) handleResetPassword(w http.ResponseWriter, r *http.Request) error {
	pw, err := s.ResetPassword(r.Context(), r.PathValue("username"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, resetResult{Password: pw})
}

func (s *Service) handleListTokens(w http.ResponseWriter, r *http.Request) error {
	limit, err := httpx.Limit(r)
	if err != nil {
		return err
	}
	var after string
	if _, err := httpx.DecodeCursor(r, &after); err != nil {
		return err
	}
	p := api.Principal(r)
	owner := p.UserID
	if p.Role == access.Admin {
		owner = ""
	}
	toks, err := s.ListTokens(r.Context(), owner, after, limit+1)
	if err != nil {
		return err
	}
	page := httpx.Page[*Token]{Items: toks}
	if len(toks) > limit {
		page.Items = toks[:limit]
		page.NextCursor = httpx.EncodeCursor(toks[limit-1].ID)
	}
	if page.Items == nil {
		page.Items = []*Token{}
	}
	return httpx.WriteJSON(w, http.StatusOK, page)
}

func (s *Service) handleCreateToken(w http.ResponseWriter, r *http.Request) error {
	var req createTokenRequest
	if err := httpx.DecodeJSON(w, r, 0, &req); err != nil {
		return err
	}
	p := api.Principal(r)
	if req.Username == "" {
		req.Username = p.Username
	}
	if req.Username != p.Username && p.Role != access.Admin {
		return errs.E(errs.Permission, "username", "only administrators create tokens for other users")
	}
	var ttl time.Duration
	if req.ExpiresIn != "" {
		d, err := time.ParseDuration(req.ExpiresIn)
		if err != nil {
			return errs.E(errs.Invalid, "expiresIn", "must be a duration such as 720h")
		}
		ttl = d
	}
	create := s.CreateToken
	if req.Exercise {
		create = s.CreateExerciseToken
	}
	t, err := create(r.Context(), req.Username, req.Name, ttl)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, t)
}

func (s *Service) handleRevokeToken(w http.ResponseWriter, r *http.Request) error {
	t, err := s.RevokeToken(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, t)
}
