// Package pgtest gives tests a schema of their own on the PostgreSQL server named by
// SMPBOT_TEST_DATABASE_URL.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Schema returns the URL of a schema of the test's own on the PostgreSQL server
// named by SMPBOT_TEST_DATABASE_URL, dropped when the test ends. Without that variable
// the test is skipped with the reason, or fails when SMPBOT_REQUIRE_POSTGRES=1 (CI).
func Schema(t testing.TB) string {
	t.Helper()
	base := os.Getenv("SMPBOT_TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("SMPBOT_REQUIRE_POSTGRES") == "1" {
			t.Fatal("SMPBOT_TEST_DATABASE_URL is not set and SMPBOT_REQUIRE_POSTGRES=1")
		}
		t.Skip("no PostgreSQL server: set SMPBOT_TEST_DATABASE_URL (e.g. postgres:///postgres?host=/tmp/pg&port=5432)")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connecting to SMPBOT_TEST_DATABASE_URL: %v", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "smpbot_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("dropping the test schema: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping the test schema: %v", err)
		}
	})
	if !strings.Contains(base, "://") {
		return base + " search_path=" + schema
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema) // pgx sends unknown parameters as run-time settings
	u.RawQuery = q.Encode()
	return u.String()
}
