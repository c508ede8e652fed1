package pgschema

import (
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Transient reports whether an error the server sent is one that trying again later
// may mend: the server has no connection slot free, is starting or shutting down, the
// connection failed, or a transaction lost a serialization or deadlock conflict.
// Anything else (a permission denied, a table that is not what was expected, an unknown
// database, a refused password) is the server's answer and will be the same next time.
//
// Both components ask it of the server's errors; what they make of errors that do not
// come from the server (a refused or dropped connection, a timeout) differs, and each
// says why beside its own check.
func Transient(e *pgconn.PgError) bool {
	switch {
	case strings.HasPrefix(e.Code, "08"), // connection exception
		strings.HasPrefix(e.Code, "57P"), // admin or crash shutdown, cannot connect now (starting), session ended
		e.Code == "53300",                // too many connections (for the server, the database or the role)
		e.Code == "40001",                // serialization failure
		e.Code == "40P01":                // deadlock detected
		return true
	}
	return false
}
