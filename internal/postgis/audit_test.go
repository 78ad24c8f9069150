package postgis_test

import (
	"context"
	"testing"

	"renewmap/internal/postgis/pgtest"
	"renewmap/internal/renew"
)

// The audit log keeps every row for 180 days: deleting a younger row, backdating it or truncating
// the table fails; a row older than that may go.
func TestAuditLogIsKept180Days(t *testing.T) {
	t.Parallel()
	db, _ := pgtest.New(t)
	ctx := context.Background()
	if err := db.Audit(ctx, renew.AuditEntry{Actor: "a", Action: "login"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, "DELETE FROM audit_log WHERE at > now() - interval '179 days'"); err == nil {
		t.Error("a row of today was deleted")
	}
	if _, err := db.Pool.Exec(ctx, "TRUNCATE audit_log"); err == nil {
		t.Error("the audit log was truncated")
	}
	if _, err := db.Pool.Exec(ctx, "UPDATE audit_log SET at = now() - interval '181 days'"); err == nil {
		t.Error("a row was backdated")
	}
	if _, err := db.Pool.Exec(ctx, "INSERT INTO audit_log (at, action) VALUES (now() - interval '181 days', 'login')"); err != nil {
		t.Fatal(err)
	}
	if tag, err := db.Pool.Exec(ctx, "DELETE FROM audit_log WHERE at < now() - interval '180 days'"); err != nil || tag.RowsAffected() != 1 {
		t.Errorf("deleting a row older than 180 days: %v (%d rows)", err, tag.RowsAffected())
	}
}
