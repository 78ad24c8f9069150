package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"renewmap/internal/access"
	"renewmap/internal/topology"
)

func (s *server) routesQuality(e *echo.Group) {
	e.GET("/api/v1/quality", s.quality, s.require(nil), s.heavy())
}

// quality: GET /api/v1/quality — the data-quality report (access.Quality): isolated communities,
// dangles, buildings and facilities far from the network, unknown values, facility kinds without
// data.
func (s *server) quality(c echo.Context) error {
	e, err := s.engine(c)
	if err != nil {
		return err
	}
	q, err := s.deps.AccessStore.Quality(c.Request().Context(), e, topology.Options{})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, q)
}

// kindsWithData is kindsJSON of the engine's kinds, with those the dataset holds no facility of
// marked NoData.
func (s *server) kindsWithData(c echo.Context, e *access.Engine) ([]kindJSON, error) {
	kinds := kindsJSON(e.Kinds())
	none, err := s.deps.AccessStore.NoDataKinds(c.Request().Context())
	if err != nil {
		return nil, err
	}
	missing := map[string]bool{}
	for _, k := range none {
		missing[k.Code] = true
	}
	for i := range kinds {
		kinds[i].NoData = missing[kinds[i].Kind]
	}
	return kinds, nil
}
