package main

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
	"github.com/smpbot/smpbot/knowledge/pgtest"
)

// dbPassword is put in the database URLs of these tests: no log line may show it.
const dbPassword = "pw-never-logged-5e2a"

// unreachableReplica starts `smpbot run` on a database its proxy refuses, with a
// password in the URL, and waits until it has logged its second failed attempt.
func unreachableReplica(t *testing.T) (*botProcess, *pgtest.Proxy, *telegramtest.Server) {
	t.Helper()
	proxy, proxied := pgtest.NewProxy(t, pgtest.Schema(t))
	proxy.Cut()
	u, err := url.Parse(proxied)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	u.User = url.UserPassword(firstOf(q.Get("user"), "smpbot"), dbPassword)
	q.Del("user")
	u.RawQuery = q.Encode()
	fake := telegramtest.NewServer(opsToken)
	t.Cleanup(fake.Close)
	p := startBotEnv(t, fake, t.TempDir(), []string{"SMPBOT_DATABASE_URL=" + u.String()})
	t.Cleanup(func() {
		if out := p.stderr.String(); strings.Contains(out, dbPassword) {
			t.Errorf("the database password appeared in the log:\n%s", out)
		}
	})
	waitMatch(t, p.stderr, regexp.MustCompile(`FAQ database not reachable at start; trying again" (attempt=2)`))
	return p, proxy, fake
}

// A replica started while its database is away waits for it (it used to exit), then
// serves.
func TestRunWaitsForItsDatabase(t *testing.T) {
	p, proxy, fake := unreachableReplica(t)
	stillWaiting(t, p)
	proxy.Restore(t)
	answersOnceBack(t, p, fake)
	attempts := regexp.MustCompile(`trying again" attempt=(\d+)`).FindAllStringSubmatch(p.stderr.String(), -1)
	for i, m := range attempts {
		if m[1] != strconv.Itoa(i+1) {
			t.Errorf("failed attempts logged as %q, want each once, in order", attempts)
			break
		}
	}
	p.stop(t)
}

// SIGTERM while a replica waits for its database stops it at once, with status 0.
func TestRunStopsWhileWaitingForItsDatabase(t *testing.T) {
	p, _, _ := unreachableReplica(t)
	p.cmd.Process.Signal(syscall.SIGTERM)
	if !p.wait(20 * time.Second) {
		t.Fatal("no exit within 20 s of SIGTERM while waiting for the database")
	}
	if p.err != nil {
		t.Errorf("exit after SIGTERM: %v, want status 0", p.err)
	}
}

// Replicas starting together against a server with few connection slots: one that
// finds none free (too many connections, SQLSTATE 53300) waits as for a database that
// is away, rather than exiting, and serves once slots are freed. It used to exit at
// once.
func TestRunWaitsForAFreeConnection(t *testing.T) {
	const slots = 8
	dbURL, _ := pgtest.LimitedRole(t, pgtest.Schema(t), slots)
	release := pgtest.HoldConnections(t, dbURL, slots) // the other replicas
	fake := telegramtest.NewServer(opsToken)
	t.Cleanup(fake.Close)
	p := startBotEnv(t, fake, t.TempDir(), []string{"SMPBOT_DATABASE_URL=" + dbURL})
	waitMatch(t, p.stderr, regexp.MustCompile(`FAQ database not reachable at start; trying again" (attempt=2) .*too many connections`))
	stillWaiting(t, p)
	release()
	answersOnceBack(t, p, fake)
	p.stop(t)
}

// stillWaiting fails the test if the replica has exited.
func stillWaiting(t *testing.T, p *botProcess) {
	t.Helper()
	select {
	case <-p.exited:
		t.Fatalf("smpbot run exited while waiting for its database (%v)", p.err)
	default:
	}
}

// answersOnceBack waits for the replica to be ready and checks that it answers from
// the FAQ.
func answersOnceBack(t *testing.T, p *botProcess, fake *telegramtest.Server) {
	t.Helper()
	p.waitReady(t)
	u := tgbotapi.User{ID: 4242, FirstName: "Pat"}
	fake.Send(fake.PrivateChat(u), u, "how many laser sessions will i need", 0)
	if !fake.Wait(30*time.Second, func() bool { return repliesByChat(fake)[u.ID] > 0 }) {
		t.Fatal("no answer once the database was back")
	}
	if got := fake.Messages()[0].Text; !strings.HasPrefix(got, "How many laser sessions does SMP removal take?") {
		t.Errorf("answer %q, want the laser-sessions entry", got)
	}
}
