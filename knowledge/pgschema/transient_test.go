package pgschema_test

import (
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/smpbot/smpbot/knowledge/pgschema"
)

// The codes a test server cannot easily be made to send (a server starting or
// shutting down, a serialization failure) as much as those it can.
func TestTransient(t *testing.T) {
	for _, tc := range []struct {
		code, what string
		want       bool
	}{
		{"53300", "too many connections", true},
		{"57P03", "cannot connect now (starting up)", true},
		{"57P01", "admin shutdown", true},
		{"08006", "connection failure", true},
		{"08001", "unable to establish connection", true},
		{"40001", "serialization failure", true},
		{"40P01", "deadlock detected", true},
		{"42501", "insufficient privilege", false},
		{"42P07", "duplicate table", false},
		{"42P01", "undefined table", false},
		{"3D000", "unknown database", false},
		{"28P01", "password refused", false},
		{"53100", "disk full", false},
		{"23505", "unique violation", false},
	} {
		if got := pgschema.Transient(&pgconn.PgError{Code: tc.code}); got != tc.want {
			t.Errorf("Transient(%s %s) = %v, want %v", tc.code, tc.what, got, tc.want)
		}
	}
}
