package httpapi

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"renewmap/internal/auth"
	"renewmap/internal/renew"
)

// TokenService makes and recognises personal access tokens (package auth).
type TokenService interface {
	Authenticate(ctx context.Context, token, username, address string) (renew.Session, error)
	Create(ctx context.Context, username, name string, ttl time.Duration, a renew.AuditEntry) (string, renew.AccessToken, error)
	List(ctx context.Context, username string) ([]renew.AccessToken, error)
	Revoke(ctx context.Context, username string, id int, a renew.AuditEntry) (renew.AccessToken, error)
}

// ctxToken marks a request authenticated by an access token.
const ctxToken = "token"

// challenge is the WWW-Authenticate of a 401 for desktop clients: QGIS and GDAL answer it with
// HTTP Basic (username + access token).
const challenge = `Basic realm="renewmap", charset="UTF-8"`

// desktopPaths are where desktop clients come without a browser session.
var desktopPaths = []string{"/ogc", "/tiles/", "/download/"}

func byToken(c echo.Context) bool { v, _ := c.Get(ctxToken).(bool); return v }

// identifyToken recognises an access token in the Authorization header, as a bearer token or as
// the password of HTTP Basic. HTTP Basic never accepts an account's password: a password that is
// not a token is refused before anything is looked up, so it cannot be guessed here, and a wrong
// token never counts towards the login lockout. No Authorization header, or another scheme,
// leaves the request as it is.
func (s *server) identifyToken(c echo.Context) error {
	h := c.Request().Header.Get(echo.HeaderAuthorization)
	if h == "" || s.deps.Tokens == nil {
		return nil
	}
	token, username, err := parseAuthorization(h)
	if errors.Is(err, errBasicPassword) {
		// Not a token: ignored, so a proxy's own HTTP Basic in front of the service keeps
		// working; a route that needs a login explains it (unauthorized).
		c.Set(ctxBasicPassword, true)
		return nil
	}
	if err != nil {
		return s.refuseToken(c, err)
	}
	if token == "" {
		return nil
	}
	sess, err := s.deps.Tokens.Authenticate(c.Request().Context(), token, username, address(c))
	if err != nil {
		return s.refuseToken(c, err)
	}
	c.Set(ctxSession, sess)
	c.Set(ctxToken, true)
	return nil
}

// parseAuthorization reads an Authorization header: the token of a Bearer, or the username and
// token of HTTP Basic. Another scheme gives no token and no error. renew.ErrUnauthorized for
// malformed Basic credentials and for a Basic password that is not a token.
func parseAuthorization(h string) (token, username string, err error) {
	scheme, cred, _ := strings.Cut(h, " ")
	cred = strings.TrimSpace(cred)
	switch strings.ToLower(scheme) {
	case "bearer":
		return cred, "", nil
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(cred)
		user, pass, ok := strings.Cut(string(raw), ":")
		if err != nil || !ok || user == "" {
			return "", "", &renew.Error{Kind: renew.ErrUnauthorized, Msg: "HTTP Basic 认证格式错误 (malformed HTTP Basic credentials)"}
		}
		if !strings.HasPrefix(pass, auth.TokenPrefix) {
			return "", "", errBasicPassword
		}
		return pass, user, nil
	}
	return "", "", nil
}

// errBasicPassword is HTTP Basic whose password is not an access token: never checked against
// the account's password.
var errBasicPassword = &renew.Error{Kind: renew.ErrUnauthorized,
	Msg: "HTTP Basic 只接受访问令牌作为密码，不接受账户密码；请在“我的账户”页面创建令牌 (HTTP Basic takes an access token, never the account password)"}

// ctxBasicPassword marks a request that came with HTTP Basic and a password that is no token.
const ctxBasicPassword = "basic-password"

// unauthorized is the 401 of a route that needs a login: with the challenge on the paths
// desktop clients use, and saying why HTTP Basic with a password did not log in.
func unauthorized(c echo.Context) error {
	challengeDesktop(c)
	if v, _ := c.Get(ctxBasicPassword).(bool); v {
		return errBasicPassword
	}
	return renew.ErrUnauthorized
}

// refuseToken answers a bad token: a 401 carries the challenge, so a client asks again.
func (s *server) refuseToken(c echo.Context, err error) error {
	if errors.Is(err, renew.ErrUnauthorized) {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, challenge)
	}
	return err
}

// readOnlyToken refuses every state-changing request made with a token.
func readOnlyToken(c echo.Context) error {
	if byToken(c) && unsafeMethod(c.Request().Method) {
		return &renew.Error{Kind: renew.ErrForbidden, Msg: "访问令牌只能读取数据，不能修改 (access tokens are read-only)"}
	}
	return nil
}

// challengeDesktop adds the challenge to a 401 on the paths desktop clients use, unless the
// request carries a session cookie: a browser would answer the challenge with its password
// dialog.
func challengeDesktop(c echo.Context) {
	if _, err := c.Cookie(sessionCookie); err == nil {
		return
	}
	p := c.Request().URL.Path
	for _, d := range desktopPaths {
		if strings.HasPrefix(p, d) || p == strings.TrimSuffix(d, "/") {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, challenge)
			return
		}
	}
}

// routesTokens: the account page and its API, for the logged-in user's own tokens.
func (s *server) routesTokens(e *echo.Group, page *staticFile) {
	if s.deps.Tokens == nil {
		return
	}
	e.Match([]string{http.MethodGet, http.MethodHead}, "/account", func(c echo.Context) error {
		return serveStatic(c, page)
	}, s.require(nil))
	g := e.Group("/api/v1/tokens", s.require(nil), ownAccount)
	g.GET("", s.listTokens)
	g.POST("", s.createToken)
	g.DELETE("/:id", s.revokeToken)
}

// ownAccount refuses the visitors of anonymous access: they have no account to hold tokens.
func ownAccount(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if sess, _ := sessionOf(c); sess.User.ID == 0 {
			return &renew.Error{Kind: renew.ErrForbidden, Msg: "请先用自己的账号登录 (log in with your own account)"}
		}
		return next(c)
	}
}

func (s *server) listTokens(c echo.Context) error {
	sess, _ := sessionOf(c)
	ts, err := s.deps.Tokens.List(c.Request().Context(), sess.User.Username)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"tokens": ts})
}

type tokenRequest struct {
	Name    string `json:"name"`
	Expires string `json:"expires"`
}

func (s *server) createToken(c echo.Context) error {
	var req tokenRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.Expires == "" {
		req.Expires = "90d"
	}
	ttl, err := auth.ParseTTL(req.Expires)
	if err != nil {
		return err
	}
	sess, _ := sessionOf(c)
	token, at, err := s.deps.Tokens.Create(c.Request().Context(), sess.User.Username, req.Name, ttl, auditBy(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"token": token, "access_token": at})
}

func (s *server) revokeToken(c echo.Context) error {
	id, err := pathID(c, "id", "令牌")
	if err != nil {
		return err
	}
	sess, _ := sessionOf(c)
	at, err := s.deps.Tokens.Revoke(c.Request().Context(), sess.User.Username, int(id), auditBy(c))
	if errors.Is(err, renew.ErrNotFound) {
		return renew.NotFound("没有这个令牌，或已撤销 (no such token, or already revoked)")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"access_token": at})
}
