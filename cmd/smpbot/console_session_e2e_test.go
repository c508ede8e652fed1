package main

import (
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot/web"
	"github.com/smpbot/smpbot/bot/web/sessions"
	"github.com/smpbot/smpbot/knowledge/pgtest"
)

// consoleProcess is one `smpbot console` on a port of the system's choosing.
type consoleProcess struct {
	base string
	out  *lockedBuffer
	cmd  *exec.Cmd
	w    *exitWatch
}

func startConsole(t *testing.T, data string, env ...string) *consoleProcess {
	t.Helper()
	cmd := exec.Command(buildSmpbot(t), "console", "--data", data, "--listen", "127.0.0.1:0", "--log-level", "debug")
	cmd.Env = append(os.Environ(), env...)
	p := &consoleProcess{out: &lockedBuffer{}, cmd: cmd}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.w = watchExit(cmd)
	t.Cleanup(p.w.kill)
	p.base = waitMatch(t, p.out, regexp.MustCompile(`serving (http://127\.0\.0\.1:[1-9][0-9]*)/`))
	return p
}

// stop ends the process with SIGTERM, as a deploy does, and checks it exits cleanly.
func (p *consoleProcess) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	if !p.w.wait(20 * time.Second) {
		t.Fatal("no exit within 20 s of SIGTERM")
	}
	if p.w.err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", p.w.err, p.out)
	}
}

// sessionCookie returns the console's session cookie the client holds.
func (c *consoleClient) sessionCookie() string {
	c.t.Helper()
	u, _ := url.Parse(c.base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == web.SessionCookie {
			return ck.Value
		}
	}
	c.t.Fatal("no session cookie")
	return ""
}

// editThenSignOut adds phrase to the cost entry, posting csrf as the form token, then
// signs out.
func (c *consoleClient) editThenSignOut(csrf, phrase, what string) {
	c.t.Helper()
	form := c.entryForm("cost")
	form.Set("alternates", form.Get("alternates")+"\n"+phrase)
	form.Set("csrf", csrf)
	if code, body := c.do("POST", "/entries/cost", form); code != http.StatusSeeOther {
		c.t.Fatalf("an edit %s: %d\n%s", what, code, body)
	}
	if code, _ := c.do("POST", "/signout", url.Values{}); code != http.StatusOK {
		c.t.Fatalf("sign out: %d", code)
	}
}

// checkSignedOut checks that the console at base takes cookie for no session.
func checkSignedOut(t *testing.T, base, cookie, what string) {
	t.Helper()
	c := newConsoleClient(t, base)
	u, _ := url.Parse(base)
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: cookie, Path: "/"}})
	if code, _ := c.do("GET", "/entries", nil); code != http.StatusSeeOther {
		t.Errorf("%s: %d, want 303 to sign in", what, code)
	}
}

// checkNotLogged fails if a session's cookie or the id it is stored under is in a log.
func checkNotLogged(t *testing.T, cookie string, logs ...*lockedBuffer) {
	t.Helper()
	for _, l := range logs {
		if s := l.String(); strings.Contains(s, cookie) || strings.Contains(s, sessions.ID(cookie)) {
			t.Errorf("a session's cookie or id reached the log:\n%s", s)
		}
	}
}

// TestConsoleSessionSurvivesRestart restarts `smpbot console` (SIGTERM, then a new
// process over the same data directory) under a signed-in moderator: they stay signed
// in, the message left for their next page is shown, the form token from before the
// restart saves an edit, and signing out afterwards ends the session.
func TestConsoleSessionSurvivesRestart(t *testing.T) {
	data := t.TempDir()
	first := startConsole(t, data)
	c := newConsoleClient(t, first.base)
	c.signIn(signInLink(t, data, first.base))
	csrf, cookie := c.csrf, c.sessionCookie()
	if code, _ := c.do("POST", "/entries/cost/remove", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("remove without confirming: %d, want 303 with a message", code)
	}
	first.stop(t)

	second := startConsole(t, data)
	c.base = second.base
	code, page := c.do("GET", "/entries/cost", nil)
	if code != http.StatusOK {
		t.Fatalf("after the restart, GET /entries/cost: %d, want 200 (still signed in)", code)
	}
	if !strings.Contains(page, "Tick the box to confirm the removal.") {
		t.Error("the message for the next page was lost in the restart")
	}
	if c.csrf != csrf {
		t.Errorf("the form token changed in the restart")
	}
	c.editThenSignOut(csrf, "price to zap my hairline dots after a restart", "with the form token from before the restart")
	checkSignedOut(t, second.base, cookie, "the signed-out cookie")
	second.stop(t)
	checkNotLogged(t, cookie, first.out, second.out)
	// The database holds the token's hash, never the token.
	for _, name := range []string{"questions.db", "questions.db-wal"} {
		if b, err := os.ReadFile(filepath.Join(data, name)); err == nil && strings.Contains(string(b), cookie) {
			t.Errorf("%s holds a session's cookie token", name)
		}
	}
}

// TestConsoleReplicasShareSessions runs two `smpbot console` processes, each with its
// own data directory, on one PostgreSQL database, as replicas behind a load balancer:
// a link made with A's data directory signs in on B; the moderator is then signed in
// on A too, and edits on B with the form token A gave; signed out on B, they are
// signed out on A.
func TestConsoleReplicasShareSessions(t *testing.T) {
	dbURL := pgtest.Schema(t)
	env := []string{"SMPBOT_DATABASE_URL=" + dbURL, "SMPBOT_USER_KEY_FILE=" + filepath.Join(t.TempDir(), "questions.key")}
	dataA := t.TempDir()
	a := startConsole(t, dataA, env...)
	b := startConsole(t, t.TempDir(), env...)
	// The link is made beside A (in its data directory) but kept in the database, so
	// the balancer may send the sign-in to B.
	c := newConsoleClient(t, b.base)
	c.signIn(signInLink(t, dataA, b.base, env...))
	c.base = a.base
	if code, _ := c.do("GET", "/entries", nil); code != http.StatusOK {
		t.Fatalf("on A, signed in on B: %d, want 200", code)
	}
	csrfA, cookie := c.csrf, c.sessionCookie()

	c.base = b.base
	if code, _ := c.do("GET", "/entries", nil); code != http.StatusOK {
		t.Fatalf("on B again: %d, want 200", code)
	}
	c.editThenSignOut(csrfA, "what does zapping my hairline dots cost on replica b", "on B with the form token from A")
	checkSignedOut(t, a.base, cookie, "on A after signing out on B")
	a.stop(t)
	b.stop(t)
	checkNotLogged(t, cookie, a.out, b.out)
}
