package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
)

// consoleClient is a cookie-keeping HTTP client that does not follow redirects.
type consoleClient struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string
}

func newConsoleClient(t *testing.T, base string) *consoleClient {
	jar, _ := cookiejar.New(nil)
	return &consoleClient{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *consoleClient) do(method, path string, form url.Values) (int, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		if c.csrf != "" && form.Get("csrf") == "" {
			form.Set("csrf", c.csrf)
		}
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if m := csrfInput.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return res.StatusCode, string(b)
}

// signInLink runs `smpbot console link` as its own process, with env added to its
// environment, and returns the token.
func signInLink(t *testing.T, data, base string, env ...string) string {
	t.Helper()
	cmd := exec.Command(buildSmpbot(t), "console", "link", "--data", data, "--name", "Ana", "--base", base)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("console link: %v", err)
	}
	link := strings.TrimSpace(string(out))
	if !strings.HasPrefix(link, base+"/signin?t=") {
		t.Fatalf("console link printed %q, want a link under %s", link, base)
	}
	u, _ := url.Parse(link)
	return u.Query().Get("t")
}

// signIn follows the link's two steps (the page, then its button) and checks that the
// link then is used up.
func (c *consoleClient) signIn(token string) {
	c.t.Helper()
	if code, body := c.do("GET", "/signin?t="+token, nil); code != 200 || !strings.Contains(body, token) {
		c.t.Fatalf("sign-in page: %d", code)
	}
	if code, _ := c.do("POST", "/signin", url.Values{"t": {token}}); code != http.StatusSeeOther {
		c.t.Fatalf("sign-in: %d, want 303", code)
	}
	if code, _ := c.do("GET", "/entries", nil); code != 200 || c.csrf == "" {
		c.t.Fatalf("entries after sign-in: %d", code)
	}
	other := newConsoleClient(c.t, c.base)
	if code, _ := other.do("POST", "/signin", url.Values{"t": {token}}); code != http.StatusForbidden {
		c.t.Errorf("a used link: %d, want 403", code)
	}
}

// TestConsoleAlone runs `smpbot console` and signs in with a link printed by another
// process, edits an entry, and checks that `smpbot ask` over the same data directory
// answers with the edit and that the link never reached the log.
func TestConsoleAlone(t *testing.T) {
	data := t.TempDir()
	cmd := exec.Command(buildSmpbot(t), "console", "--data", data, "--listen", "127.0.0.1:0", "--log-level", "debug")
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := watchExit(cmd)
	defer w.kill()
	// It listens on a port of the system's choosing and says which.
	base := waitMatch(t, out, regexp.MustCompile(`serving (http://127\.0\.0\.1:[1-9][0-9]*)/`))
	token := signInLink(t, data, base)
	c := newConsoleClient(t, base)
	c.signIn(token)

	form := c.entryForm("cost")
	phrase := "what will it cost me to zap my hairline dots away"
	form.Set("alternates", form.Get("alternates")+"\n"+phrase)
	if code, body := c.do("POST", "/entries/cost", form); code != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", code, body)
	}
	ask, err := exec.Command(buildSmpbot(t), "ask", "--json", "--data", data, phrase).Output()
	if err != nil || !strings.Contains(string(ask), `"kind":"answer","entry_id":"cost"`) {
		t.Errorf("smpbot ask after the edit: %v\n%s", err, ask)
	}
	audit, _ := os.ReadFile(filepath.Join(data, "audit.jsonl"))
	if !strings.Contains(string(audit), `"name":"Ana","chat":"web console"`) {
		t.Errorf("the edit is not audited under Ana in the web console:\n%s", audit)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if !w.wait(20 * time.Second) {
		t.Fatal("no exit within 20 s of SIGTERM")
	}
	if w.err != nil {
		t.Errorf("exit after SIGTERM: %v", w.err)
	}
	if strings.Contains(out.String(), token) {
		t.Errorf("the sign-in token reached the log")
	}
}

// entryForm returns the fields of an entry's edit form, as the console filled them.
func (c *consoleClient) entryForm(id string) url.Values {
	c.t.Helper()
	_, page := c.do("GET", "/entries/"+id, nil)
	form := url.Values{}
	for _, name := range []string{"id", "question", "alternates", "answer", "caveats", "sources", "tags", "related", "updated", "base"} {
		m := regexp.MustCompile(`(?s)name="` + name + `"[^>]*value="([^"]*)"|name="` + name + `"[^>]*>([^<]*)</textarea>`).FindStringSubmatch(page)
		if m == nil {
			c.t.Fatalf("no %s field on the page of %s", name, id)
		}
		form.Set(name, htmlUnescape(m[1]+m[2]))
	}
	return form
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`).Replace(s)
}

// TestRunServesConsole checks that `smpbot run` serves the console on console.listen,
// that a Telegram moderator gets a sign-in link with /console, and that an edit made in
// the console is what the bot answers on Telegram at once.
func TestRunServesConsole(t *testing.T) {
	fake := telegramtest.NewServer(opsToken)
	defer fake.Close()
	data := t.TempDir()
	mod := tgUser(7)
	conf := filepath.Join(t.TempDir(), "smpbot.toml")
	toml := fmt.Sprintf("[console]\nlisten = \"127.0.0.1:0\"\n[telegram]\nmoderators = [\"%d\"]\n", mod.ID)
	if err := os.WriteFile(conf, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startBot(t, fake, data, "--config", conf)
	p.waitReady(t)
	// The links sent in chat name the port bound, not the port 0 asked for.
	base := "http://" + waitMatch(t, p.stderr, listening("web console"))

	fake.Send(fake.PrivateChat(mod), mod, "/console", 0)
	if !fake.Wait(60*time.Second, func() bool { return len(fake.Messages()) > 0 }) {
		t.Fatal("no reply to /console within 60 s")
	}
	reply := fake.Messages()[0].Text
	i := strings.Index(reply, base+"/signin?t=")
	if i < 0 {
		t.Fatalf("reply to /console %q has no sign-in link to %s", reply, base)
	}
	link, _ := url.Parse(strings.Fields(reply[i:])[0])
	token := link.Query().Get("t")
	c := newConsoleClient(t, base)
	c.signIn(token)

	phrase := "my zig zag dots are ugly what can be done"
	if _, page := c.do("GET", "/try?q="+url.QueryEscape(phrase), nil); strings.Contains(page, `Answers with`) {
		t.Fatalf("the FAQ already answers %q; the test needs a phrasing it does not", phrase)
	}
	code, _ := c.do("POST", "/inbox/alternate", url.Values{"question": {phrase}, "entry": {"correction-instead"}})
	if code != http.StatusSeeOther {
		t.Fatalf("add alternate: %d", code)
	}
	_, after := c.do("GET", "/try?q="+url.QueryEscape(phrase), nil)
	if !strings.Contains(after, `Answers with <a href="/entries/correction-instead">`) {
		t.Errorf("after adding the phrasing the running bot does not answer it with correction-instead:\n%s", after)
	}
	u := tgUser(3)
	fake.Send(fake.PrivateChat(u), u, phrase, 0)
	if !fake.Wait(60*time.Second, func() bool { return len(fake.Messages()) > 1 }) {
		t.Fatal("no answer to the phrasing within 60 s")
	}
	msgs := fake.Messages()
	if !strings.Contains(msgs[len(msgs)-1].Text, "Can my SMP be corrected instead of removed?") {
		t.Errorf("Telegram reply after the console edit: %+v, want the correction-instead entry", msgs[len(msgs)-1])
	}
	audit, _ := os.ReadFile(filepath.Join(data, "audit.jsonl"))
	if !strings.Contains(string(audit), fmt.Sprintf(`"platform":"telegram","user":"%d","name":"User7","chat":"web console"`, mod.ID)) {
		t.Errorf("the edit is not audited under the Telegram moderator in the web console:\n%s", audit)
	}
	p.stop(t)
	if strings.Contains(p.stderr.String(), token) {
		t.Error("the sign-in link reached the log")
	}
}
