package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// streamWait is how long a streamed response waits for a slot before it is turned away.
const streamWait = 5 * time.Second

// chunkDeadline is how long one write of a streamed response may take: a client that stops
// reading is cut off after it, which ends the stream and frees its database connection.
const chunkDeadline = 30 * time.Second

// streaming guards the responses that stream from the database (downloads, OGC item pages): at
// most cfg.MaxStreams at once, so clients that stop reading cannot hold the whole pool, and every
// write must reach the client within chunkDeadline.
func (s *server) streaming() echo.MiddlewareFunc {
	limit := s.slots("stream", s.streamSlots, streamWait, "下载繁忙，请稍后重试 (busy: too many downloads at once)")
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return limit(func(c echo.Context) error {
			w := c.Response().Writer
			c.Response().Writer = &deadlineWriter{ResponseWriter: w, rc: http.NewResponseController(w)}
			return next(c)
		})
	}
}

// deadlineWriter moves the connection's write deadline chunkDeadline ahead of every write.
type deadlineWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
}

func (w *deadlineWriter) Write(b []byte) (int, error) {
	// Not every ResponseWriter supports deadlines (httptest's does not); then there is none.
	_ = w.rc.SetWriteDeadline(time.Now().Add(chunkDeadline))
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (deadlines, flushing).
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes flushes on.
func (w *deadlineWriter) Flush() { _ = w.rc.Flush() }
