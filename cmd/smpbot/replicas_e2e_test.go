package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/jackc/pgx/v5"

	"github.com/smpbot/smpbot/bot/questionlogtest"
	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
	"github.com/smpbot/smpbot/knowledge"
)

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
	proxy           *questionlogtest.Proxy
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
		time.Sleep(50 * time.Millisecond)
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
	s.proxy, proxied = questionlogtest.NewProxy(t, dbURL)
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

	t.Run("an edit through one is answered by the other", func(t *testing.T) {
		before := asked
		latency := s.editThroughAAnsweredByB(t, &asked)
		if latency > editVisibleWithin {
			t.Errorf("replica B answered with replica A's edit %v after it was saved, want within %v", latency, editVisibleWithin)
		}
		report("a moderator's edit saved through replica A: replica B answered with it %v later (%d questions to B until it did)",
			latency.Round(time.Millisecond), asked-before)
	})

	var restored time.Time // when the database came back
	const during = 12      // questions asked while it is away
	t.Run("answers go on while the database is away", func(t *testing.T) {
		// The server ends the replicas' connections, and the proxy keeps them from
		// connecting again until the test gives the database back.
		killed := s.killBackends(t)
		s.proxy.Stop()
		if killed < 2 {
			t.Errorf("pg_terminate_backend ended %d of the replicas' connections, want at least one each", killed)
		}
		down := time.Now()
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
			// Records of questions answered just before the kill may wait with them.
			if up, queued := r.proc.metric(t, "smpbot_questionlog_database_up"), r.proc.metric(t, "smpbot_questionlog_queued"); up != 0 || queued < during/2 {
				t.Errorf("replica %s with the database away: smpbot_questionlog_database_up %v, queued %v; want 0 and at least %d", r.name, up, queued, during/2)
			}
			if code, body := r.proc.get("/readyz"); !strings.Contains(body, "database") {
				t.Errorf("replica %s /readyz with the database away: %d %q, want it noted", r.name, code, body)
			}
		}
		restored = time.Now()
		if err := s.proxy.Start(); err != nil {
			t.Fatal(err)
		}
		report("database away %v (%d server connections killed with pg_terminate_backend, new ones refused): %d of %d questions answered meanwhile, the slowest in %v",
			restored.Sub(down).Round(100*time.Millisecond), killed, during, during, slowest.Round(time.Millisecond))
	})

	t.Run("the log catches up after the outage", func(t *testing.T) {
		if restored.IsZero() {
			t.Fatal("there was no outage to catch up from")
		}
		var drained [2]time.Duration
		for i, r := range s.r {
			if !r.fake.Wait(60*time.Second, func() bool { return r.proc.metric(t, "smpbot_questionlog_queued") == 0 }) {
				t.Fatalf("replica %s still has %v records queued a minute after the database came back", r.name, r.proc.metric(t, "smpbot_questionlog_queued"))
			}
			drained[i] = time.Since(restored)
		}
		st, _, ok := s.waitStats(t, 30*time.Second, func(st statsJSON) bool { return st.Asked >= asked })
		took := time.Since(restored)
		if !ok || st.Asked != asked || st.Lost != 0 {
			t.Fatalf("after the outage report stats shows %d questions and %d lost, want all %d recorded and none lost", st.Asked, st.Lost, asked)
		}
		for _, r := range s.r {
			if up, dropped := r.proc.metric(t, "smpbot_questionlog_database_up"), r.proc.metric(t, "smpbot_questionlog_dropped_total"); up != 1 || dropped != 0 {
				t.Errorf("replica %s after the outage: smpbot_questionlog_database_up %v, dropped %v; want 1 and 0", r.name, up, dropped)
			}
		}
		report("log caught up: queues written %v (A) and %v (B) after the database was back, all %d questions asked during the outage in `report stats` after %v, none lost",
			drained[0].Round(10*time.Millisecond), drained[1].Round(10*time.Millisecond), during, took.Round(10*time.Millisecond))
		// And what is asked now is recorded as before.
		for i, r := range s.r {
			r.ask(t, tgUser(400+i), "how much does it cost to remove scalp micropigmentation")
			asked++
		}
		if st, _, ok := s.waitStats(t, 30*time.Second, func(st statsJSON) bool { return st.Asked >= asked }); !ok || st.Asked != asked {
			t.Errorf("after the catch-up report stats shows %d questions, want %d", st.Asked, asked)
		}
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

// editVisibleWithin bounds the time from a moderator's edit saved through one replica
// to the other answering with it. Issue 14 asks for a second; the bound leaves room
// for a loaded test machine, and the test logs the time it measured.
const editVisibleWithin = 5 * time.Second

// editThroughAAnsweredByB has the moderator edit the aftercare entry through replica
// A's Telegram (/faq_edit with the entry pasted, then Confirm), then asks replica B the
// entry's question, each time as a new person, until B's reply carries the edit. It
// counts the questions it asks in *asked and returns the time from A's "Saved" reply
// to B's first reply with the edit.
func (s *replicaSet) editThroughAAnsweredByB(t *testing.T, asked *int) time.Duration {
	t.Helper()
	a, b := s.r[0], s.r[1]
	e := newTGExpect(t).entries["aftercare"]
	mark := fmt.Sprintf("Ask your clinic before your next session (edit %d).", time.Now().UnixNano())
	e.Answer += " " + mark
	mia := tgbotapi.User{ID: moderatorID, FirstName: "Mia"}
	chat := a.fake.PrivateChat(mia)
	n := len(a.fake.Messages())
	a.fake.Send(chat, mia, "/faq_edit aftercare\n"+string(knowledge.Format(e)), 0)
	var preview telegramtest.Sent
	var confirm string
	if !a.fake.Wait(20*time.Second, func() bool {
		for _, m := range a.fake.Messages()[n:] {
			for _, row := range m.Keyboard {
				for _, k := range row {
					if k.CallbackData != nil && strings.HasPrefix(*k.CallbackData, "m:ok:") {
						preview, confirm = m, *k.CallbackData
						return true
					}
				}
			}
		}
		return false
	}) {
		t.Fatalf("no preview with Confirm on replica A: %+v", a.fake.Messages()[n:])
	}
	n = len(a.fake.Messages())
	a.fake.Press(mia, tgbotapi.Message{MessageID: preview.MessageID, Chat: &chat, Text: preview.Text}, confirm)
	if !a.fake.Wait(20*time.Second, func() bool {
		for _, m := range a.fake.Messages()[n:] {
			if m.ChatID == chat.ID && strings.HasPrefix(m.Text, "Saved your changes to aftercare.") {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("replica A did not save the edit: %+v", a.fake.Messages()[n:])
	}
	saved := time.Now()
	for time.Since(saved) < 4*editVisibleWithin {
		reply, _ := b.ask(t, tgUser(500+*asked), e.Question)
		*asked++
		if strings.Contains(reply.Text, mark) {
			return time.Since(saved)
		}
	}
	t.Fatalf("replica B still answers without replica A's edit %v after it was saved", time.Since(saved).Round(time.Millisecond))
	return 0
}
