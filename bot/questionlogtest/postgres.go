package questionlogtest

import (
	"testing"
	"time"

	"github.com/smpbot/smpbot/knowledge/pgtest"
)

// PostgresSchema returns the URL of a schema of the test's own on the PostgreSQL server
// named by SMPBOT_TEST_DATABASE_URL, dropped when the test ends (see pgtest.Schema).
func PostgresSchema(t testing.TB) string {
	t.Helper()
	return pgtest.Schema(t)
}

// Eventually waits up to 30 s (generous, for a loaded machine) for cond, failing the
// test with what when it does not come.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30 s for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
