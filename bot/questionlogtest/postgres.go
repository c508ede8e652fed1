package questionlogtest

import (
	"testing"

	"github.com/smpbot/smpbot/internal/pgtest"
)

// PostgresSchema returns the URL of a schema of the test's own on the PostgreSQL server
// named by SMPBOT_TEST_DATABASE_URL, dropped when the test ends (see pgtest.Schema).
func PostgresSchema(t testing.TB) string {
	t.Helper()
	return pgtest.Schema(t)
}
