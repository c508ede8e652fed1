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

	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
	"github.com/smpbot/smpbot/knowledge"
	"github.com/smpbot/smpbot/knowledge/pgtest"
)

// replica is one `smpbot run` with its own data directory and Telegram fake. It
// reaches the database through a proxy of its own, so that the test can cut one
// replica off or both, and its connections carry an application name of their own,
// so that the test can kill them on the server.
type replica struct {
	name  string
	fake  *telegramtest.Server
	proc  *botProcess
	proxy *pgtest.Proxy
	app   string
	cut   bool // the database is taken away from it
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
// from outside: the database URL without the proxies (an operator's `smpbot report`
// runs there) and the shared user-key file.
type replicaSet struct {
	dbURL, key string
	r          [2]*replica
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

// cut takes the database away from the replica: the server ends its connections
// (pg_terminate_backend from an admin connection, as an operator or a failover would)
// and its proxy refuses new ones until restore. It returns how many server
// connections were ended.
func (s *replicaSet) cut(t *testing.T, r *replica) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1 AND pid <> pg_backend_pid()`, r.app).Scan(&n); err != nil {
		t.Fatal(err)
	}
	r.proxy.Cut()
	r.cut = true
	return n
}

// restore gives the replica the database back, if it was taken away.
func (s *replicaSet) restore(t *testing.T, r *replica) {
	t.Helper()
	if !r.cut {
		return
	}
	r.proxy.Restore(t)
	r.cut = false
}

// moderatorID is the Telegram user both replicas take as a moderator.
const moderatorID = 900001

// startReplicas starts two `smpbot run` processes on one PostgreSQL schema, each with
// its own data directory, Telegram fake and proxy to the database.
func startReplicas(t *testing.T) *replicaSet {
	t.Helper()
	dbURL := pgtest.Schema(t)
	s := &replicaSet{dbURL: dbURL, key: filepath.Join(t.TempDir(), "questions.key")}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"A", "B"} {
		r := &replica{name: name, fake: telegramtest.NewServer(opsToken)}
		t.Cleanup(r.fake.Close)
		// Only this replica's connections, of this test, carry this name.
		r.app = "smpbot-e2e-" + u.Query().Get("search_path") + "-" + name
		var proxied string
		r.proxy, proxied = pgtest.NewProxy(t, dbURL)
		pu, _ := url.Parse(proxied)
		q := pu.Query()
		q.Set("application_name", r.app)
		pu.RawQuery = q.Encode()
		r.proc = startBotEnv(t, r.fake, t.TempDir(), []string{
			"SMPBOT_DATABASE_URL=" + pu.String(),
			"SMPBOT_USER_KEY_FILE=" + s.key,
			"TELEGRAM_MODERATORS=" + strconv.Itoa(moderatorID),
		})
		s.r[i] = r
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
// appear in one `smpbot report stats`; a moderator's edit through one is answered by
// the other; the database is taken away mid-run (the replicas' connections killed with
// pg_terminate_backend, new ones refused for a while): answers go on, edits are
// refused plainly, and the log catches up when it is back; an edit made while one
// replica is cut off reaches it when it is back; `data purge` removes a person who
// asked through both. The figures it logs are the ones README "Scaling out" quotes.
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
		e, mark := markedEntry(t, "aftercare")
		if got := s.edit(t, a, e); !strings.HasPrefix(got, "Saved your changes to aftercare.") {
			t.Fatalf("replica A's reply to Confirm: %q, want it saved", got)
		}
		before := asked
		latency, ok := s.waitForEdit(t, b, e.Question, mark, &asked)
		if !ok || latency > editVisibleWithin {
			t.Errorf("replica B answered with replica A's edit after %v (found: %v), want within %v", latency, ok, editVisibleWithin)
		}
		report("a moderator's edit saved through replica A: replica B answered with it %v later (%s to B until it did)",
			latency.Round(time.Millisecond), plural(asked-before, "question"))
	})

	var restored time.Time // when the database came back
	const during = 12      // questions asked while it is away
	t.Run("answers go on while the database is away", func(t *testing.T) {
		killed := s.cut(t, a) + s.cut(t, b)
		down := time.Now()
		defer s.restore(t, b) // when a check below stops the subtest
		defer s.restore(t, a)
		if killed < 4 {
			t.Errorf("pg_terminate_backend ended %d of the replicas' connections, want at least two each (the FAQ's listener and the question log)", killed)
		}
		var slowest time.Duration
		for i := range during {
			r := s.r[i%2]
			if _, took := r.ask(t, tgUser(300+i), loadQuestions[i%len(loadQuestions)]); took > slowest {
				slowest = took
			}
			asked++
			time.Sleep(200 * time.Millisecond) // spread over a few seconds of outage
		}
		// A moderator is told plainly, and nothing is saved.
		e, _ := markedEntry(t, "aftercare")
		if got := s.edit(t, a, e); !strings.Contains(got, "cannot be reached") {
			t.Errorf("replica A's reply to an edit with the database away: %q, want it refused plainly", got)
		}
		for _, r := range s.r {
			// Records of questions answered just before the kill may wait with them.
			if up, queued := r.proc.metric(t, "smpbot_questionlog_database_up"), r.proc.metric(t, "smpbot_questionlog_queued"); up != 0 || queued < during/2 {
				t.Errorf("replica %s with the database away: smpbot_questionlog_database_up %v, queued %v; want 0 and at least %d", r.name, up, queued, during/2)
			}
			if code, body := r.proc.get("/readyz"); code != 200 || !strings.Contains(body, "question log database unreachable") || !strings.Contains(body, "FAQ database not answering") {
				t.Errorf("replica %s /readyz with the database away: %d %q, want ready, noting both", r.name, code, body)
			}
		}
		restored = time.Now()
		s.restore(t, a)
		s.restore(t, b)
		report("database away %v (%d server connections killed with pg_terminate_backend, new ones refused): %d of %d questions answered meanwhile, the slowest in %v; an edit refused with a plain message",
			restored.Sub(down).Round(100*time.Millisecond), killed, during, during, slowest.Round(time.Millisecond))
	})

	t.Run("the log catches up after the outage", func(t *testing.T) {
		if restored.IsZero() {
			t.Fatal("there was no outage to catch up from")
		}
		var drained [2]time.Duration
		for i, r := range s.r {
			for r.proc.metric(t, "smpbot_questionlog_queued") != 0 {
				if time.Since(restored) > time.Minute {
					t.Fatalf("replica %s still has %v records queued a minute after the database came back", r.name, r.proc.metric(t, "smpbot_questionlog_queued"))
				}
				time.Sleep(20 * time.Millisecond)
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

	t.Run("an edit made while a replica is cut off reaches it when it is back", func(t *testing.T) {
		s.cut(t, a)
		defer s.restore(t, a)
		e, mark := markedEntry(t, "laser-pain")
		if got := s.edit(t, b, e); !strings.HasPrefix(got, "Saved your changes to laser-pain.") {
			t.Fatalf("replica B's reply to Confirm: %q, want it saved", got)
		}
		// Cut off, A answers from the FAQ it has.
		reply, _ := a.ask(t, tgUser(600), e.Question)
		asked++
		if strings.Contains(reply.Text, mark) {
			t.Errorf("replica A answered with an edit it cannot have heard of")
		}
		s.restore(t, a)
		latency, ok := s.waitForEdit(t, a, e.Question, mark, &asked)
		if !ok {
			t.Fatalf("replica A never answered with the edit made while it was cut off")
		}
		report("an edit saved through B while A was cut off: A answered with it %v after the database was back for it", latency.Round(time.Millisecond))
	})

	t.Run("data purge removes a person from both", func(t *testing.T) {
		// Everything asked so far is in the log first (A may still be writing what it
		// queued while cut off).
		if st, _, ok := s.waitStats(t, 30*time.Second, func(st statsJSON) bool { return st.Asked >= asked }); !ok || st.Asked != asked {
			t.Fatalf("before the purge report stats shows %d questions, want %d", st.Asked, asked)
		}
		out, err := s.cli(t, "data", "purge", "--user", fmt.Sprintf("telegram:%d", pat.ID))
		if err != nil || !strings.HasPrefix(out, fmt.Sprintf("Deleted 2 questions of telegram:%d", pat.ID)) {
			t.Fatalf("data purge: %v\n%s", err, out)
		}
		if after := s.stats(t); after.Asked != asked-2 {
			t.Errorf("after the purge report stats shows %d questions, want %d", after.Asked, asked-2)
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

// markedEntry is the embedded FAQ's entry with a sentence added to its answer that no
// other version of it has: the mark, which tells a reply with the edit.
func markedEntry(t *testing.T, id string) (knowledge.Entry, string) {
	t.Helper()
	e := newTGExpect(t).entries[id]
	mark := fmt.Sprintf("Ask your clinic before your next session (edit %d).", time.Now().UnixNano())
	e.Answer += " " + mark
	return e, mark
}

// edit has the moderator change an entry through the replica's Telegram: /faq_edit
// with the entry pasted, then Confirm under the preview. It returns the replica's
// first reply after Confirm.
func (s *replicaSet) edit(t *testing.T, r *replica, e knowledge.Entry) string {
	t.Helper()
	mia := tgbotapi.User{ID: moderatorID, FirstName: "Mia"}
	chat := r.fake.PrivateChat(mia)
	n := len(r.fake.Messages())
	r.fake.Send(chat, mia, "/faq_edit "+e.ID+"\n"+string(knowledge.Format(e)), 0)
	var preview telegramtest.Sent
	var confirm string
	if !r.fake.Wait(20*time.Second, func() bool {
		for _, m := range r.fake.Messages()[n:] {
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
		t.Fatalf("no preview with Confirm on replica %s: %+v", r.name, r.fake.Messages()[n:])
	}
	n = len(r.fake.Messages())
	r.fake.Press(mia, tgbotapi.Message{MessageID: preview.MessageID, Chat: &chat, Text: preview.Text}, confirm)
	var reply string
	if !r.fake.Wait(20*time.Second, func() bool {
		for _, m := range r.fake.Messages()[n:] {
			if m.ChatID == chat.ID && m.Method == "sendMessage" {
				reply = m.Text
				return true
			}
		}
		return false
	}) {
		t.Fatalf("replica %s did not answer Confirm", r.name)
	}
	return reply
}

// waitForEdit asks the replica the question, each time as a new person (one question
// per chat, so that no pacing slows it), until a reply carries the mark or 20 s have
// passed. It counts the questions in *asked and returns the time it waited.
func (s *replicaSet) waitForEdit(t *testing.T, r *replica, question, mark string, asked *int) (time.Duration, bool) {
	t.Helper()
	start := time.Now()
	for time.Since(start) < 20*time.Second {
		reply, _ := r.ask(t, tgUser(1000+*asked), question)
		*asked++
		if strings.Contains(reply.Text, mark) {
			return time.Since(start), true
		}
	}
	return time.Since(start), false
}
