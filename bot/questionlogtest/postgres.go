package questionlogtest

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/smpbot/smpbot/internal/pgtest"
)

// PostgresSchema returns the URL of a schema of the test's own on the PostgreSQL server
// named by SMPBOT_TEST_DATABASE_URL, dropped when the test ends (see pgtest.Schema).
func PostgresSchema(t testing.TB) string {
	t.Helper()
	return pgtest.Schema(t)
}

// Proxy stands between a test's processes and the PostgreSQL server, so that the test
// can take the database away and bring it back: Stop closes the listener and every
// connection through it (new ones are refused, as by a server that is down), Start
// listens again on the same address.
type Proxy struct {
	target, network string // the server's address
	addr            string // the proxy's, 127.0.0.1:PORT

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
}

// NewProxy starts a proxy to the server of dbURL (a URL, as PostgresSchema returns) and
// returns it with dbURL pointed at it. It is stopped when the test ends.
func NewProxy(t testing.TB, dbURL string) (*Proxy, string) {
	t.Helper()
	cfg, err := pgconn.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{network: "tcp", target: net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))), conns: map[net.Conn]bool{}}
	if strings.HasPrefix(cfg.Host, "/") {
		p.network, p.target = "unix", fmt.Sprintf("%s/.s.PGSQL.%d", cfg.Host, cfg.Port)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.Stop)
	u, err := url.Parse(dbURL)
	if err != nil || !strings.Contains(dbURL, "://") {
		t.Skip("the proxy needs SMPBOT_TEST_DATABASE_URL as a postgres:// URL")
	}
	host, port, _ := net.SplitHostPort(p.addr)
	q := u.Query()
	q.Set("host", host)
	q.Set("port", port)
	q.Set("sslmode", "disable")
	u.RawQuery = q.Encode()
	return p, u.String()
}

// Stop takes the database away: the listener and every connection through it close.
func (p *Proxy) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// Start brings the database back on the same address.
func (p *Proxy) Start() error {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return err
	}
	p.serve(ln)
	return nil
}

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial(p.network, p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			if p.ln != ln { // stopped meanwhile
				p.mu.Unlock()
				c.Close()
				s.Close()
				return
			}
			p.conns[c], p.conns[s] = true, true
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close(); c.Close() }()
			go func() { io.Copy(c, s); s.Close(); c.Close() }()
		}
	}()
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
