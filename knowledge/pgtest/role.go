package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"
)

// LimitedRole makes a role of the test's own that may hold at most n connections at
// once (CONNECTION LIMIT), with the rights to make tables in the schema of dbURL (from
// Schema), and returns it with the URL of dbURL for it. The role, its connections and
// what it owns go when the test ends. A role rather than the server's
// max_connections, which others share; and not the test user, who may be a
// superuser, to whom no connection limit applies.
func LimitedRole(t testing.TB, dbURL string, n int) (roleURL, role string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil || u.Query().Get("search_path") == "" {
		t.Fatalf("pgtest.LimitedRole needs a postgres:// URL from pgtest.Schema: %v", err)
	}
	q := u.Query()
	schema := q.Get("search_path")
	role = schema + "_limited"
	exec := func(sql string) error {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec(fmt.Sprintf(`CREATE ROLE %s LOGIN CONNECTION LIMIT %d; GRANT USAGE, CREATE ON SCHEMA %s TO %[1]s`, role, n, schema)); err != nil {
		t.Fatalf("making a role with a connection limit: %v", err)
	}
	t.Cleanup(func() {
		if err := exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '` + role + `';
			DROP OWNED BY ` + role + `; DROP ROLE ` + role); err != nil {
			t.Errorf("dropping the test role: %v", err)
		}
	})
	q.Del("user")
	u.User, u.RawQuery = url.User(role), q.Encode()
	return u.String(), role
}

// HoldConnections takes n connections to dbURL until release is called or the test
// ends: the other replicas, say, that leave no slot free.
func HoldConnections(t testing.TB, dbURL string, n int) (release func()) {
	t.Helper()
	var conns []*pgx.Conn
	release = func() {
		for _, c := range conns {
			c.Close(context.Background())
		}
		conns = nil
	}
	t.Cleanup(release)
	for range n {
		c, err := pgx.Connect(context.Background(), dbURL)
		if err != nil {
			t.Fatalf("holding a connection: %v", err)
		}
		conns = append(conns, c)
	}
	return release
}
