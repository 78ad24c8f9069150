package httpapi

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"renewmap/internal/auth"
	"renewmap/internal/renew"
)

// Accounts is what the account endpoints need from the store.
type Accounts interface {
	UserByName(ctx context.Context, username string) (renew.User, string, error)
	Users(ctx context.Context) ([]renew.User, error)
	CreateUser(ctx context.Context, u renew.User, passwordHash string, a renew.AuditEntry) (renew.User, error)
	UpdateUser(ctx context.Context, username string, c auth.UserChange, a renew.AuditEntry) (renew.User, error)
	AuditLog(ctx context.Context, beforeID int64, limit int) ([]renew.AuditEntry, error)
	Audit(ctx context.Context, e renew.AuditEntry) error
}

const (
	sessionCookie = "renewmap_session"
	csrfHeader    = "X-CSRF-Token"
	ctxSession    = "session"
)

// anonymous is the session of a visitor when anonymous access is on.
var anonymous = renew.Session{User: renew.User{Username: "anonymous", DisplayName: "访客", Role: renew.RoleViewer}}

// sessionOf returns the request's session, if any.
func sessionOf(c echo.Context) (renew.Session, bool) {
	s, ok := c.Get(ctxSession).(renew.Session)
	return s, ok
}

// roleOf returns the request's role; "" when nobody is logged in.
func roleOf(c echo.Context) renew.Role {
	s, _ := sessionOf(c)
	return s.User.Role
}

// address is the client's address: the peer, or the X-Forwarded-For of a trusted proxy (the
// Echo IP extractor set in New decides).
func address(c echo.Context) string { return c.RealIP() }

// identify finds the request's session (cookie, or a trusted SSO header) and checks CSRF on
// state-changing requests. It never refuses a request for lack of a session: the route's
// guard does.
func (s *server) identify(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		if ck, err := c.Cookie(sessionCookie); err == nil {
			sess, err := s.deps.Auth.Authenticate(ctx, ck.Value)
			switch {
			case err == nil:
				c.Set(ctxSession, sess)
			case !errors.Is(err, renew.ErrUnauthorized):
				return err
			}
		}
		if _, ok := sessionOf(c); !ok {
			if err := s.identifyToken(c); err != nil {
				return err
			}
		}
		if err := readOnlyToken(c); err != nil {
			return err
		}
		if _, ok := sessionOf(c); !ok && s.cfg.SSOHeader != "" && s.fromTrustedProxy(c) {
			if name := c.Request().Header.Get(s.cfg.SSOHeader); name != "" {
				token, sess, err := s.deps.Auth.LoginTrusted(ctx, name, address(c))
				if err != nil {
					return err
				}
				s.setSessionCookie(c, token, sess.ExpiresAt)
				c.Set(ctxSession, sess)
			}
		}
		if unsafeMethod(c.Request().Method) {
			if err := s.checkCSRF(c); err != nil {
				return err
			}
		}
		return next(c)
	}
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// checkCSRF: a state-changing request must come from this site (Origin, when the browser sends
// one, names this scheme and host) and, with a session, carry the session's CSRF token in a header, which
// another site's page cannot read.
func (s *server) checkCSRF(c echo.Context) error {
	forbidden := &renew.Error{Kind: renew.ErrForbidden, Msg: "CSRF 校验失败，请刷新页面后重试 (CSRF check failed)"}
	if o := c.Request().Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != c.Request().Host || u.Scheme != s.scheme(c) {
			return forbidden
		}
	}
	if site := c.Request().Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return forbidden
	}
	sess, ok := sessionOf(c)
	if !ok {
		return nil
	}
	got := c.Request().Header.Get(csrfHeader)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) != 1 {
		return forbidden
	}
	return nil
}

// scheme is how the browser reached us: https when the connection is TLS or a trusted proxy
// says so in X-Forwarded-Proto, http otherwise.
func (s *server) scheme(c echo.Context) string {
	if c.Request().TLS != nil || s.fromTrustedProxy(c) && c.Request().Header.Get(echo.HeaderXForwardedProto) == "https" {
		return "https"
	}
	return "http"
}

func (s *server) fromTrustedProxy(c echo.Context) bool {
	host, _, err := net.SplitHostPort(c.Request().RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	for _, n := range s.trusted {
		if ip != nil && n.Contains(ip) {
			return true
		}
	}
	return false
}

// require guards a route: 401 without a session (a page redirects to the login instead), 403
// when the role may not. allowed nil admits every role.
func (s *server) require(allowed func(renew.Role) bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			sess, ok := sessionOf(c)
			if !ok && s.cfg.AllowAnonymous {
				sess, ok = anonymous, true
				c.Set(ctxSession, sess)
			}
			if !ok {
				if wantsHTML(c) {
					return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(safeNext(c.Request().URL.RequestURI())))
				}
				return unauthorized(c)
			}
			if allowed != nil && !allowed(sess.User.Role) {
				return &renew.Error{Kind: renew.ErrForbidden, Msg: "当前角色无权访问 (your role may not do this)"}
			}
			return next(c)
		}
	}
}

func wantsHTML(c echo.Context) bool {
	r := c.Request()
	return r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html")
}

func (s *server) setSessionCookie(c echo.Context, token string, expires time.Time) {
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

func (s *server) routesAuth(e *echo.Group) {
	g := e.Group("/api/v1")
	g.POST("/login", s.login)
	g.POST("/logout", s.logout, s.require(nil))
	g.GET("/me", s.me, s.require(nil))
	admin := g.Group("", s.require(renew.Role.Administers))
	admin.GET("/users", s.listUsers)
	admin.POST("/users", s.createUser)
	admin.PATCH("/users/:username", s.updateUser)
	admin.GET("/audit", s.auditLog)
	admin.GET("/login-throttle", s.loginThrottles)
	admin.POST("/users/:username/unlock", s.unlockUser)
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// me describes the logged-in user and what the role may do, for the UI.
type me struct {
	User      renew.User `json:"user"`
	CSRFToken string     `json:"csrf_token"`
	ExpiresAt time.Time  `json:"expires_at,omitzero"`
	May       may        `json:"may"`
}

type may struct {
	Sensitive bool `json:"sensitive"`
	Download  bool `json:"download"`
	Edit      bool `json:"edit"`
	Admin     bool `json:"admin"`
}

func meOf(s renew.Session) me {
	r := s.User.Role
	return me{User: s.User, CSRFToken: s.CSRFToken, ExpiresAt: s.ExpiresAt,
		May: may{r.SeesSensitive(), r.Downloads(), r.Edits(), r.Administers()}}
}

func (s *server) login(c echo.Context) error {
	var req loginRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	token, sess, err := s.deps.Auth.Login(c.Request().Context(), req.Username, req.Password, address(c))
	if err != nil {
		return err
	}
	s.setSessionCookie(c, token, sess.ExpiresAt)
	return c.JSON(http.StatusOK, meOf(sess))
}

func (s *server) logout(c echo.Context) error {
	sess, _ := sessionOf(c)
	if ck, err := c.Cookie(sessionCookie); err == nil {
		if err := s.deps.Auth.Logout(c.Request().Context(), ck.Value, sess, address(c)); err != nil {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	return c.NoContent(http.StatusNoContent)
}

func (s *server) me(c echo.Context) error {
	sess, _ := sessionOf(c)
	return c.JSON(http.StatusOK, meOf(sess))
}

func (s *server) listUsers(c echo.Context) error {
	us, err := s.deps.Accounts.Users(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"users": us})
}

type userRequest struct {
	Username    string      `json:"username"`
	DisplayName *string     `json:"display_name"`
	Role        *renew.Role `json:"role"`
	Disabled    *bool       `json:"disabled"`
	Password    *string     `json:"password"`
}

// auditBy starts an audit entry for the request's user.
func auditBy(c echo.Context) renew.AuditEntry {
	sess, _ := sessionOf(c)
	return renew.AuditEntry{Actor: sess.User.Username, Address: address(c)}
}

func (s *server) createUser(c echo.Context) error {
	var req userRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.Role == nil || !req.Role.Valid() {
		return renew.Invalid("role: one of viewer, planner, designer, leader, admin")
	}
	password := auth.GeneratePassword()
	if req.Password != nil {
		password = *req.Password
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	u := renew.User{Username: strings.TrimSpace(req.Username), Role: *req.Role}
	if !validUsername(u.Username) {
		return renew.Invalid("username: 1–64 letters, digits or _ . @ -")
	}
	if req.DisplayName != nil {
		u.DisplayName = *req.DisplayName
	}
	u, err = s.deps.Accounts.CreateUser(c.Request().Context(), u, hash, auditBy(c))
	if err != nil {
		return err
	}
	body := map[string]any{"user": u}
	if req.Password == nil {
		body["password"] = password // shown once, to hand to the user
	}
	return c.JSON(http.StatusCreated, body)
}

func (s *server) updateUser(c echo.Context) error {
	var req userRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	var ch auth.UserChange
	if req.Role != nil {
		if !req.Role.Valid() {
			return renew.Invalid("role: one of viewer, planner, designer, leader, admin")
		}
		ch.Role = req.Role
	}
	ch.DisplayName, ch.Disabled = req.DisplayName, req.Disabled
	if req.Password != nil {
		hash, err := auth.HashPassword(*req.Password)
		if err != nil {
			return err
		}
		ch.PasswordHash = &hash
	}
	u, err := s.deps.Accounts.UpdateUser(c.Request().Context(), c.Param("username"), ch, auditBy(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"user": u})
}

func (s *server) auditLog(c echo.Context) error {
	limit, err := intParam(c, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	var before int64
	if v := c.QueryParam("before"); v != "" {
		if before, err = strconv.ParseInt(v, 10, 64); err != nil || before < 1 {
			return renew.Invalid("before: a positive audit entry id")
		}
	}
	es, err := s.deps.Accounts.AuditLog(c.Request().Context(), before, limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"entries": es})
}

func validUsername(u string) bool {
	if u == "" || len(u) > 64 {
		return false
	}
	for _, r := range u {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.@-", r)) {
			return false
		}
	}
	return true
}
