package postgis

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"renewmap/internal/renew"
)

// mapError turns a pgx error into a renew error kind, keeping the original for the log. op names
// the operation. It returns nil for nil.
func mapError(err error, op string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", op, err)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", op, renew.ErrNotFound)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "57014", pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03",
			pgErr.Code == "53300", pgErr.Code == "40001", pgErr.Code == "40P01", pgErr.Code[:2] == "08":
			// query_canceled (statement timeout), admin/crash shutdown, cannot connect now,
			// too many connections, serialization failure, deadlock, connection exceptions.
			return fmt.Errorf("%s: %w: %w", op, renew.ErrUnavailable, err)
		case pgErr.Code == "23505":
			return fmt.Errorf("%s: %w: %w", op, renew.ErrConflict, err)
		case pgErr.Code[:2] == "23", pgErr.Code[:2] == "22":
			return fmt.Errorf("%s: %w: %w", op, renew.ErrInvalid, err)
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	var netErr net.Error
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) || errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) ||
		pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return fmt.Errorf("%s: %w: %w", op, renew.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
