package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/smpbot/smpbot/bot/questionlogtest"
	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
)

// dbProxy stands between the replicas and the PostgreSQL server, so that the test can
// take the database away from them for a while (every connection cut, new ones closed
// at once, as a network partition or a server restart would) and give it back.
type dbProxy struct {
	ln               net.Listener
	network, target  string // the server's address
	mu               sync.Mutex
	down             bool
	conns            map[net.Conn]bool
	accepted, closed int
	wg               sync.WaitGroup
}

// newDBProxy starts a proxy to the server of dbURL and returns it with the URL that
// reaches the same database, schema and settings through it.
func newDBProxy(t *testing.T, dbURL string) (*dbProxy, string) {
	t.Helper()
	cfg, err := pgconn.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	p := &dbProxy{network: "tcp", target: net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))), conns: map[net.Conn]bool{}}
	if strings.HasPrefix(cfg.Host, "/") {
		p.network, p.target = "unix", filepath.Join(cfg.Host, fmt.Sprintf(".s.PGSQL.%d", cfg.Port))
	}
	if p.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	host, port, _ := net.SplitHostPort(p.ln.Addr().String())
	u, err := url.Parse(dbURL)
	if err != nil || u.Scheme == "" {
		t.Fatalf("the proxy needs a postgres:// URL, not %q", dbURL)
	}
	q := u.Query()
	q.Set("host", host) // query parameters win over the URL's host
	q.Set("port", port)
	q.Set("sslmode", "disable")
	u.RawQuery = q.Encode()
	return p, u.String()
}

func (p *dbProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.accepted++
		if p.down {
			p.closed++
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.mu.Unlock()
		p.wg.Add(1)
		go p.pipe(c)
	}
}

func (p *dbProxy) pipe(c net.Conn) {
	defer p.wg.Done()
	s, err := net.DialTimeout(p.network, p.target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		c.Close()
		s.Close()
		return
	}
	p.conns[c], p.conns[s] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { io.Copy(s, c); done <- struct{}{} }()
	go func() { io.Copy(c, s); done <- struct{}{} }()
	<-done
	c.Close()
	s.Close()
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, s)
	p.mu.Unlock()
}

// setDown takes the database away (cutting every connection) or gives it back.
func (p *dbProxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for c := range p.conns {
			c.Close()
		}
	}
}

// refused is how many connections were closed at once while the database was away.
func (p *dbProxy) refused() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

func (p *dbProxy) close() {
	p.ln.Close()
	p.setDown(true)
	p.wg.Wait()
}

// replica is one `smpbot run` with its own data directory and Telegram fake.
type replica struct {
	name string
	fake *telegramtest.Server
	proc *botProcess
}

// ask sends text from u through the replica and waits for the reply, returning it and
// how long it took.
func (r *replica) ask(t *testing.T, u tgbotapi.User, text string) (telegramtest.Sent, time.Duration) {
	t.Helper()
	c := r.fake.PrivateChat(u)
	before := repliesByChat(r.fake)[c.ID]
	start := time.Now()
	r.fake.Send(c, u, text, 0)
	if !r.fake.Wait(20*time.Second, func() bool { return repliesByChat(r.fake)[c.ID] > before }) {
		t.Fatalf("replica %s: no reply to %q within 20 s", r.name, text)
	}
	took := time.Since(start)
	var last telegramtest.Sent
	for _, m := range r.fake.Messages() {
		if m.ChatID == c.ID && m.Method == "sendMessage" {
			last = m
		}
	}
	return last, took
}

// replicaSet is two replicas on one database, with what the test needs to look at it
// from outside: the database URL without the proxy (an operator's `smpbot report`
// runs there) and the shared user-key file.
type replicaSet struct {
	dbURL, key, app string
	proxy           *dbProxy
	r               [2]*replica
}

// cli runs an smpbot command on the shared database, as an operator would from
// another machine: its own empty data directory, the shared key file.
func (s *replicaSet) cli(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(buildSmpbot(t), append(args, "--data", t.TempDir())...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SMPBOT_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "SMPBOT_DATABASE_URL="+s.dbURL, "SMPBOT_USER_KEY_FILE="+s.key)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// stats is `smpbot report stats --json` on the shared database.
func (s *replicaSet) stats(t *testing.T) statsJSON {
	t.Helper()
	out, err := s.cli(t, "report", "stats", "--json")
	if err != nil {
		t.Fatalf("report stats: %v\n%s", err, out)
	}
	var st statsJSON
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("report stats: %v\n%s", err, out)
	}
	return st
}

// waitStats polls `report stats` until ok holds, returning the last stats and how
// long the wait was.
func (s *replicaSet) waitStats(t *testing.T, timeout time.Duration, ok func(statsJSON) bool) (statsJSON, time.Duration, bool) {
	t.Helper()
	start := time.Now()
	for {
		st := s.stats(t)
		if ok(st) {
			return st, time.Since(start), true
		}
		if time.Since(start) > timeout {
			return st, time.Since(start), false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// killBackends ends, from an admin connection, every server process of the replicas'
// connections (found by the application name they connect with).
func (s *replicaSet) killBackends(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1 AND pid <> pg_backend_pid()`, s.app).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// moderatorID is the Telegram user both replicas take as a moderator.
const moderatorID = 900001

// startReplicas starts two `smpbot run` processes on one PostgreSQL schema, each with
// its own data directory and Telegram fake, both reaching the database through a proxy
// the test can cut.
func startReplicas(t *testing.T) *replicaSet {
	t.Helper()
	dbURL := questionlogtest.PostgresSchema(t)
	s := &replicaSet{dbURL: dbURL, key: filepath.Join(t.TempDir(), "questions.key")}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	// The replicas' connections, and only those of this test, carry this name.
	s.app = "smpbot-e2e-" + u.Query().Get("search_path")
	var proxied string
	s.proxy, proxied = newDBProxy(t, dbURL)
	pu, _ := url.Parse(proxied)
	q := pu.Query()
	q.Set("application_name", s.app)
	pu.RawQuery = q.Encode()
	for i, name := range []string{"A", "B"} {
		fake := telegramtest.NewServer(opsToken)
		t.Cleanup(fake.Close)
		p := startBotEnv(t, fake, t.TempDir(), []string{
			"SMPBOT_DATABASE_URL=" + pu.String(),
			"SMPBOT_USER_KEY_FILE=" + s.key,
			"TELEGRAM_MODERATORS=" + strconv.Itoa(moderatorID),
		})
		s.r[i] = &replica{name: name, fake: fake, proc: p}
	}
	for _, r := range s.r {
		r.proc.waitReady(t)
	}
	return s
}

// TestTwoReplicasShareOneDatabase runs the topology of README "Scaling out" for real:
// two `smpbot run` processes (think two webhook replicas behind a load balancer, or
// two Discord shards), each with its own data directory and its own Telegram fake,
// sharing one PostgreSQL database and one user-key file. Questions asked through both
// appear in one `smpbot report stats`; the database is taken away mid-run (every
// connection killed with pg_terminate_backend, new ones refused for a while) and
// answers go on; `data purge` removes a person who asked through both. The figures it
// logs are the ones the README quotes.
func TestTwoReplicasShareOneDatabase(t *testing.T) {
	s := startReplicas(t)
	a, b := s.r[0], s.r[1]
	var figures []string
	report := func(format string, args ...any) {
		figures = append(figures, fmt.Sprintf(format, args...))
	}
	defer func() {
		for _, f := range figures {
			t.Log("figure: " + f)
		}
	}()

	asked := 0 // questions asked so far, through both
	pat := tgUser(1)
	t.Run("questions through both appear in one report", func(t *testing.T) {
		// Pat asks through both replicas; others through one each.
		a.ask(t, pat, "how many laser sessions will i need")
		b.ask(t, pat, "does smp removal hurt")
		asked += 2
		const perReplica = 10
		for i := range perReplica {
			for j, r := range s.r {
				r.ask(t, tgUser(100+10*i+j), loadQuestions[i%len(loadQuestions)])
				asked++
			}
		}
		st, took, ok := s.waitStats(t, 30*time.Second, func(st statsJSON) bool { return st.Asked >= asked })
		if !ok || st.Asked != asked || st.Lost != 0 {
			t.Fatalf("report stats after %d questions through two replicas: asked %d, lost %d", asked, st.Asked, st.Lost)
		}
		report("%d questions through two replicas, all in one `report stats` %v after the last answer", asked, took.Round(10*time.Millisecond))
	})

	t.Run("answers go on while the database is away", func(t *testing.T) {
		// The server ends the replicas' connections, and the proxy keeps them from
		// connecting again until the test gives the database back.
		killed := s.killBackends(t)
		s.proxy.setDown(true)
		if killed < 2 {
			t.Errorf("pg_terminate_backend ended %d of the replicas' connections, want at least one each", killed)
		}
		down := time.Now()
		const during = 12
		var slowest time.Duration
		for i := range during {
			r := s.r[i%2]
			if _, took := r.ask(t, tgUser(300+i), loadQuestions[i%len(loadQuestions)]); took > slowest {
				slowest = took
			}
			asked++
			time.Sleep(200 * time.Millisecond) // spread over a few seconds of outage
		}
		for _, r := range s.r {
			if code, body := r.proc.get("/readyz"); !strings.Contains(body, "database") {
				t.Errorf("replica %s /readyz with the database away: %d %q, want it noted", r.name, code, body)
			}
		}
		outage := time.Since(down)
		if s.proxy.refused() == 0 {
			t.Errorf("no replica tried to reach the database during the outage: the test did not test it")
		}
		s.proxy.setDown(false)
		report("database away %v (%d backends killed, %d reconnections refused): %d of %d questions answered, slowest answer %v",
			outage.Round(100*time.Millisecond), killed, s.proxy.refused(), during, during, slowest.Round(time.Millisecond))

		// Back: a question through each is recorded again, and every question is
		// accounted for, as recorded or as counted lost.
		for i, r := range s.r {
			r.ask(t, tgUser(400+i), "how much does it cost to remove scalp micropigmentation")
			asked++
		}
		st, took, ok := s.waitStats(t, 30*time.Second, func(st statsJSON) bool { return st.Asked+int(st.Lost) >= asked })
		if !ok || st.Asked+int(st.Lost) != asked {
			t.Fatalf("after the outage: asked %d + lost %d, want %d questions accounted for", st.Asked, st.Lost, asked)
		}
		report("after the outage: %d recorded, %d counted lost, within %v", st.Asked, st.Lost, took.Round(10*time.Millisecond))
	})

	t.Run("data purge removes a person from both", func(t *testing.T) {
		before := s.stats(t)
		out, err := s.cli(t, "data", "purge", "--user", fmt.Sprintf("telegram:%d", pat.ID))
		if err != nil || !strings.HasPrefix(out, fmt.Sprintf("Deleted 2 questions of telegram:%d", pat.ID)) {
			t.Fatalf("data purge: %v\n%s", err, out)
		}
		if after := s.stats(t); after.Asked != before.Asked-2 {
			t.Errorf("after the purge report stats shows %d questions, want %d", after.Asked, before.Asked-2)
		}
	})

	for _, r := range s.r {
		r.proc.stop(t)
	}
	for _, r := range s.r {
		if strings.Contains(r.proc.stderr.String(), s.dbURL) {
			t.Errorf("replica %s logged the database URL", r.name)
		}
	}
}
