// Package postgis is renewmap's store: the pgx connection pool, the embedded schema migrations,
// and the queries that read and write the data model. It maps database errors to the error kinds
// of package renew (by SQLSTATE, never by text), so no SQL text ever leaves it.
package postgis
