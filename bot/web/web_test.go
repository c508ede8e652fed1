package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/knowledge"
)

// routes lists every route of the console but the sign-in ones, with the method.
var routes = []struct{ method, path string }{
	{"GET", "/"},
	{"GET", "/entries"},
	{"GET", "/entries?q=laser"},
	{"GET", "/entries/new"},
	{"POST", "/entries/new"},
	{"GET", "/entries/cost"},
	{"POST", "/entries/cost"},
	{"POST", "/entries/cost/remove"},
	{"GET", "/entries/cost/history"},
	{"POST", "/entries/cost/undo"},
	{"GET", "/try?q=cost"},
	{"GET", "/inbox"},
	{"POST", "/inbox/alternate"},
	{"POST", "/inbox/dismiss"},
	{"POST", "/suggestions/1/accept"},
	{"POST", "/suggestions/1/reject"},
	{"GET", "/charts"},
	{"GET", "/health"},
	{"POST", "/signout"},
}

func TestEveryRouteNeedsASession(t *testing.T) {
	w := newWorld(t)
	before, _ := w.store.Audit()
	anon := w.client(t)
	// A session cookie that the console never issued is no session either.
	forged := w.client(t)
	u, _ := url.Parse(w.srv.URL)
	forged.http.Jar.SetCookies(u, []*http.Cookie{{Name: SessionCookie, Value: "forged"}})
	for _, c := range []*client{anon, forged} {
		for _, rt := range routes {
			var res *http.Response
			var body string
			if rt.method == "GET" {
				res, body = c.get(rt.path)
				if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin" {
					t.Errorf("GET %s without a session: status %d location %q, want 303 to /signin", rt.path, res.StatusCode, res.Header.Get("Location"))
				}
			} else {
				res, body = c.post(rt.path, url.Values{"csrf": {"x"}, "id": {"cost"}, "question": {"q"}, "entry": {"cost"}, "key": {"q:x"}, "confirm": {"yes"}})
				if res.StatusCode != http.StatusForbidden {
					t.Errorf("POST %s without a session: status %d, want 403", rt.path, res.StatusCode)
				}
			}
			if strings.Contains(body, "Laser") {
				t.Errorf("%s %s without a session shows FAQ content", rt.method, rt.path)
			}
		}
	}
	after, _ := w.store.Audit()
	if len(after) != len(before) {
		t.Errorf("requests without a session changed the FAQ: %d audit records, want %d", len(after), len(before))
	}
}

func TestEveryPostNeedsTheCSRFToken(t *testing.T) {
	w := newWorld(t)
	c := w.signedIn(t, moderator)
	e, v, _ := w.store.Get("cost")
	form := func() url.Values {
		return url.Values{"id": {"cost"}, "question": {e.Question + " now"}, "answer": {e.Answer}, "caveats": {strings.Join(e.Caveats, "\n")},
			"sources": {e.Sources[0].Title + " | " + e.Sources[0].URL}, "updated": {e.Updated}, "base": {string(v)},
			"entry": {"cost"}, "key": {"q:x"}, "confirm": {"yes"}}
	}
	for _, rt := range routes {
		if rt.method != "POST" {
			continue
		}
		for _, token := range []string{"", "wrong", strings.Repeat("A", len(c.csrf))} {
			f := form()
			f.Set("csrf", token)
			res, _ := c.post(rt.path, f)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with CSRF token %q: status %d, want 403", rt.path, token, res.StatusCode)
			}
		}
		// The right token from another site is refused too.
		for _, h := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
			res, _ := c.post(rt.path, form(), h...)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with %s %s: status %d, want 403", rt.path, h[0], h[1], res.StatusCode)
			}
		}
	}
	if got, _, _ := w.store.Get("cost"); got.Question != e.Question {
		t.Errorf("a refused post changed the entry: question %q", got.Question)
	}
	// The session still works: signout was refused above.
	if res, _ := c.get("/entries"); res.StatusCode != http.StatusOK {
		t.Errorf("after refused posts, GET /entries: status %d, want 200", res.StatusCode)
	}
}

func TestSignInLinkIsSingleUseAndShortLived(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	w := newWorld(t, WithClock(clock))
	links := LinksIn(w.state)
	links.SetClock(clock)
	token, err := links.Mint(moderator, DefaultLinkTTL)
	if err != nil {
		t.Fatal(err)
	}
	c := w.client(t)
	// Opening the link (as a chat app's link preview does) does not use it up.
	for range 2 {
		res, body := c.get("/signin?t=" + token)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `value="`+token+`"`) {
			t.Fatalf("GET the link: status %d, sign-in button with the token missing", res.StatusCode)
		}
	}
	res, _ := c.post("/signin", url.Values{"t": {token}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first use: status %d, want 303", res.StatusCode)
	}
	var cookie *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == SessionCookie {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.MaxAge <= 0 || cookie.Secure {
		t.Errorf("session cookie %+v, want HttpOnly, SameSite=Strict, an expiry, not Secure over plain HTTP", cookie)
	}
	if res, _ := w.client(t).post("/signin", url.Values{"t": {token}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("second use: status %d, want 403", res.StatusCode)
	}
	// A sign-in posted from another site (to sign the victim in as the attacker) is
	// refused without using the link up.
	other, _ := links.Mint(moderator, DefaultLinkTTL)
	if res, _ := w.client(t).post("/signin", url.Values{"t": {other}}, "Sec-Fetch-Site", "cross-site"); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site sign-in: status %d, want 403", res.StatusCode)
	}
	if res, _ := w.client(t).post("/signin", url.Values{"t": {other}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the link refused cross-site, then used from the console: status %d, want 303", res.StatusCode)
	}
	late, _ := links.Mint(moderator, DefaultLinkTTL)
	mu.Lock()
	now = now.Add(DefaultLinkTTL + time.Second)
	mu.Unlock()
	if res, _ := w.client(t).post("/signin", url.Values{"t": {late}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("expired link: status %d, want 403", res.StatusCode)
	}
	// The session expires too.
	mu.Lock()
	now = now.Add(8 * time.Hour)
	mu.Unlock()
	if res, _ := c.get("/entries"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after the session's expiry, GET /entries: status %d, want 303 to sign in", res.StatusCode)
	}
}

func TestLinkRedeemedOnceUnderRace(t *testing.T) {
	links := NewLinks(t.TempDir())
	for range 20 {
		token, err := links.Mint(moderator, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var ok atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if who, err := links.Redeem(token); err == nil && who.User == moderator.User {
					ok.Add(1)
				} else if err != nil && !errors.Is(err, ErrBadLink) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 1 {
			t.Fatalf("a link redeemed %d times by 8 racing requests, want once", ok.Load())
		}
	}
	for _, bad := range []string{"", "../../etc/passwd", "short", strings.Repeat("A", 43)} {
		if _, err := links.Redeem(bad); !errors.Is(err, ErrBadLink) {
			t.Errorf("Redeem(%q) = %v, want ErrBadLink", bad, err)
		}
	}
}

func TestSignInIsRateLimited(t *testing.T) {
	w := newWorld(t)
	c := w.client(t)
	limited := false
	for i := range 12 {
		res, _ := c.post("/signin", url.Values{"t": {strings.Repeat("A", 43)}})
		if res.StatusCode == http.StatusTooManyRequests {
			limited = true
			if i < 10 {
				t.Errorf("limited after %d attempts, want 10 allowed", i)
			}
			break
		}
	}
	if !limited {
		t.Fatal("12 bad sign-ins in a row were not rate limited")
	}
	// Even a good link waits now: guessing must not be able to win the race.
	u, _ := url.Parse(w.link(t, moderator))
	if res, _ := c.post("/signin", url.Values{"t": {u.Query().Get("t")}}); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("good link during the limit: status %d, want 429", res.StatusCode)
	}
}

func TestHeadersAndSecureCookie(t *testing.T) {
	w := newWorld(t, WithSecureCookies(true))
	c := w.client(t)
	for _, path := range []string{"/signin", "/entries", "/static/style.css"} {
		res, _ := c.get(path)
		if got := res.Header.Get("Content-Security-Policy"); !strings.Contains(got, "default-src 'none'") || strings.Contains(got, "unsafe") {
			t.Errorf("%s: CSP %q, want default-src 'none' and nothing unsafe", path, got)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: missing nosniff or no-referrer", path)
		}
	}
	u, _ := url.Parse(w.link(t, moderator))
	res, _ := c.post("/signin", url.Values{"t": {u.Query().Get("t")}})
	if ck := res.Cookies(); len(ck) != 1 || !ck[0].Secure {
		t.Errorf("behind HTTPS, cookies %+v, want one Secure session cookie", ck)
	}
}

func TestSignOut(t *testing.T) {
	w := newWorld(t)
	c := w.signedIn(t, moderator)
	if res, _ := c.post("/signout", nil); res.StatusCode != http.StatusOK {
		t.Fatalf("sign out: status %d", res.StatusCode)
	}
	if res, _ := c.get("/entries"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after signing out, GET /entries: status %d, want 303 to sign in", res.StatusCode)
	}
}

func TestEditShowsValidationOnTheField(t *testing.T) {
	w := newWorld(t)
	c := w.signedIn(t, moderator)
	_, page := c.get("/entries/cost")
	if !strings.Contains(page, `name="base" value="`) {
		t.Fatal("the edit form has no base version")
	}
	e, v, _ := w.store.Get("cost")
	form := formValues(e, v)
	form.Set("question", "")
	form.Set("sources", "A study | not a url")
	res, body := c.post("/entries/cost", form)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid edit: status %d, want 422", res.StatusCode)
	}
	for _, want := range []string{"question is required", "is not an http(s) URL"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page does not say %q", want)
		}
	}
	// Each message sits under its own field.
	if i, j := strings.Index(body, `id="question"`), strings.Index(body, "question is required"); i < 0 || j < i || j > strings.Index(body, `id="alternates"`) {
		t.Errorf("the question's error is not shown under the question field")
	}
	if got, _, _ := w.store.Get("cost"); got.Question != e.Question {
		t.Errorf("an invalid edit was saved")
	}
	if strings.Contains(body, w.dir) {
		t.Errorf("the page shows the data directory's path")
	}
}

func formValues(e knowledge.Entry, v knowledge.Version) url.Values {
	f := formOf(e, v)
	return url.Values{"id": {f.ID}, "question": {f.Question}, "alternates": {f.Alternates}, "answer": {f.Answer},
		"caveats": {f.Caveats}, "tags": {f.Tags}, "related": {f.Related}, "sources": {f.Sources},
		"updated": {f.Updated}, "base": {string(f.Base)}}
}

func TestEditIsAuditedAndAnswered(t *testing.T) {
	w := newWorld(t)
	c := w.signedIn(t, moderator)
	e, v, _ := w.store.Get("cost")
	form := formValues(e, v)
	form.Set("alternates", form.Get("alternates")+"\nwhat does getting rid of my hairline dots set me back")
	res, body := c.post("/entries/cost", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: status %d: %s", res.StatusCode, body)
	}
	audit, _ := w.store.Audit()
	last := audit[len(audit)-1]
	if last.ID != "cost" || last.Action != "edit" || last.Actor.Platform != "discord" || last.Actor.User != "42" || last.Actor.Name != "Ana" || last.Actor.Chat != "web console" {
		t.Errorf("audit record %+v, want an edit of cost by discord user 42 (Ana) from the web console", last)
	}
	r, err := w.faq.Answer(context.Background(), bot.Question{Text: "what does getting rid of my hairline dots set me back"})
	if err != nil || r.Kind != bot.KindAnswer || r.Entry.ID != "cost" {
		t.Errorf("after the edit the bot replies %v %v, want the cost entry", r.Kind, err)
	}
	// The round trip through the form keeps every other field as it was.
	got, _, _ := w.store.Get("cost")
	got.Alternates = got.Alternates[:len(got.Alternates)-1]
	if knowledge.VersionOf(got) != knowledge.VersionOf(e) {
		t.Errorf("saving the form changed other fields:\n%s\nwas\n%s", knowledge.Format(got), knowledge.Format(e))
	}
}

func TestStaleEditRefusedWithWhatChanged(t *testing.T) {
	w := newWorld(t)
	c := w.signedIn(t, moderator)
	e, v, _ := w.store.Get("cost")
	other := e
	other.Caveats = append(append([]string{}, e.Caveats...), "Prices change; ask the clinic for a written quote.")
	if _, err := w.store.Put(context.Background(), other, v, knowledge.Actor{Platform: "telegram", User: "7"}); err != nil {
		t.Fatal(err)
	}
	form := formValues(e, v) // based on the version before the Telegram edit
	form.Set("question", "How much does SMP removal cost, roughly?")
	res, body := c.post("/entries/cost", form)
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("stale edit: status %d, want 409", res.StatusCode)
	}
	if !strings.Contains(body, "Prices change; ask the clinic for a written quote.") || !strings.Contains(body, `class="ins"`) {
		t.Errorf("the refusal does not show the caveat added meanwhile")
	}
	if !strings.Contains(body, "How much does SMP removal cost, roughly?") {
		t.Errorf("the moderator's text is lost")
	}
	got, _, _ := w.store.Get("cost")
	if got.Question != e.Question || len(got.Caveats) != len(other.Caveats) {
		t.Errorf("the stale edit overwrote the other change")
	}
}

func TestAddRemoveUndo(t *testing.T) {
	w := newWorld(t)
	c := w.signedIn(t, moderator)
	form := url.Values{"id": {"eyebrow-smp"}, "question": {"Can eyebrow micropigmentation be removed the same way?"},
		"answer": {"Mostly yes: the same lasers are used, with eye protection."}, "caveats": {"Eyes need special shields."},
		"sources": {"Example | https://example.org/eyebrows"}, "tags": {"brows, laser"}}
	res, body := c.post("/entries/new", form)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/entries/eyebrow-smp" {
		t.Fatalf("add: status %d location %q: %s", res.StatusCode, res.Header.Get("Location"), body)
	}
	e, v, err := w.store.Get("eyebrow-smp")
	if err != nil || len(e.Tags) != 2 || e.Updated == "" {
		t.Fatalf("added entry %+v, %v", e, err)
	}
	if res, _ := c.post("/entries/new", form); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("adding the same id again: status %d, want 422", res.StatusCode)
	}
	if res, _ := c.post("/entries/eyebrow-smp/remove", url.Values{"base": {string(v)}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("remove without confirming: status %d", res.StatusCode)
	}
	if _, _, err := w.store.Get("eyebrow-smp"); err != nil {
		t.Fatal("removed without the confirmation box")
	}
	c.post("/entries/eyebrow-smp/remove", url.Values{"base": {string(v)}, "confirm": {"yes"}})
	if _, _, err := w.store.Get("eyebrow-smp"); !errors.Is(err, knowledge.ErrNotFound) {
		t.Fatalf("after removal: %v, want not found", err)
	}
	_, hist := c.get("/entries/eyebrow-smp/history")
	if !strings.Contains(hist, "remove") || !strings.Contains(hist, "Mostly yes: the same lasers") {
		t.Errorf("history does not show the removal with the removed text")
	}
	// An entry others list as related cannot go: the FAQ would not be valid.
	_, cv, _ := w.store.Get("cost")
	c.post("/entries/cost/remove", url.Values{"base": {string(cv)}, "confirm": {"yes"}})
	if _, _, err := w.store.Get("cost"); err != nil {
		t.Errorf("cost, related from other entries, was removed")
	}
	if _, page := c.get("/entries/cost"); !strings.Contains(page, "Not removed.") || !strings.Contains(page, "unknown related id") {
		t.Errorf("the refusal to remove cost is not explained")
	}
	if res, _ := c.post("/entries/eyebrow-smp/undo", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("undo: status %d", res.StatusCode)
	}
	if _, _, err := w.store.Get("eyebrow-smp"); err != nil {
		t.Errorf("undo of the removal did not bring the entry back: %v", err)
	}
}

func TestInboxAlternateDismissAndSuggestions(t *testing.T) {
	w := newWorld(t)
	c := w.signedIn(t, moderator)
	q := "my zig zag dots are ugly what can be done"
	if r := w.ask(t, "u1", q); r.Kind == bot.KindAnswer && r.Confidence >= 0.6 {
		t.Skipf("the FAQ already answers %q; the test needs a question it does not", q)
	}
	w.ask(t, "u2", "recipe for banana bread")
	_, page := c.get("/inbox")
	if !strings.Contains(page, q) || !strings.Contains(page, "banana bread") {
		t.Fatalf("the inbox does not list the unanswered questions")
	}
	if res, _ := c.post("/inbox/alternate", url.Values{"question": {q}, "entry": {"correction-instead"}, "key": {questionKey(q)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add alternate: status %d", res.StatusCode)
	}
	r, _ := w.faq.Answer(context.Background(), bot.Question{Text: q})
	if r.Kind != bot.KindAnswer || r.Entry.ID != "correction-instead" {
		t.Errorf("after adding the alternate the bot replies %v, want correction-instead", r.Kind)
	}
	c.post("/inbox/dismiss", url.Values{"key": {questionKey("recipe for banana bread")}})
	_, page = c.get("/inbox")
	page = section(page, "unanswered")
	if strings.Contains(page, "banana bread") || strings.Contains(page, "zig zag") {
		t.Errorf("handled and dismissed questions are still in the inbox: banana %v zig %v", strings.Contains(page, "banana bread"), strings.Contains(page, "zig zag"))
	}
	// Asked again after the dismissal, it comes back.
	time.Sleep(5 * time.Millisecond)
	w.ask(t, "u3", "recipe for banana bread")
	if _, page = c.get("/inbox"); !strings.Contains(section(page, "unanswered"), "banana bread") {
		t.Errorf("a dismissed question asked again does not come back")
	}
	// Not helpful presses are listed.
	a := w.ask(t, "u4", "how much does laser removal cost")
	if err := w.ql.Feedback(context.Background(), bot.Feedback{AnswerID: a.ID, Platform: "telegram", User: "u4", Helpful: false}); err != nil {
		t.Fatal(err)
	}
	if _, page = c.get("/inbox"); !strings.Contains(section(page, "not-helpful"), "how much does laser removal cost") {
		t.Errorf("the Not helpful press is not in the inbox")
	}
}

func TestChartsAndHealthRender(t *testing.T) {
	w := newWorld(t)
	c := w.signedIn(t, moderator)
	w.ask(t, "u1", "how much does laser removal cost")
	w.ask(t, "u2", "recipe for banana bread")
	res, page := c.get("/charts")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("charts: status %d", res.StatusCode)
	}
	if n := strings.Count(page, "<svg"); n != 4 {
		t.Errorf("%d charts, want 4", n)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	for _, want := range []string{today + ": 1 answered", today + ": 1 declined", "50% unanswered (1 of 2)", "cost: 1 answers"} {
		if !strings.Contains(page, want) {
			t.Errorf("charts do not show %q", want)
		}
	}
	res, page = c.get("/health")
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "laser-pain") || !strings.Contains(page, "not answered in the last 30 days") {
		t.Errorf("health: status %d, want the entries never answered (laser-pain among them)", res.StatusCode)
	}
}

func TestTryShowsReplyAndCandidates(t *testing.T) {
	w := newWorld(t)
	c := w.signedIn(t, moderator)
	_, page := c.get("/try?q=" + url.QueryEscape("how much does laser removal cost"))
	if !strings.Contains(page, "Answers with") || !strings.Contains(page, `href="/entries/cost"`) || !strings.Contains(page, `id="candidates"`) {
		t.Errorf("the test box does not show the answer and the candidates")
	}
	st, _ := w.ql.Stats(context.Background(), 1)
	if st.Asked != 0 {
		t.Errorf("a test question was recorded in the question log")
	}
}

func TestEverythingEscaped(t *testing.T) {
	w := newWorld(t)
	c := w.signedIn(t, moderator)
	evil := `<script>alert(1)</script>`
	w.ask(t, "u1", "what about "+evil)
	for _, path := range []string{"/inbox", "/try?q=" + url.QueryEscape(evil), "/entries?q=" + url.QueryEscape(evil), "/entries/new?question=" + url.QueryEscape(evil)} {
		_, page := c.get(path)
		if strings.Contains(page, evil) {
			t.Errorf("%s shows the script unescaped", path)
		}
	}
}

// section returns the <section> of page with the id.
func section(page, id string) string {
	i := strings.Index(page, `<section id="`+id+`"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(page[i:], "</section>")
	return page[i : i+j]
}

func TestSuggestionAcceptAndReject(t *testing.T) {
	w := newWorld(t)
	c := w.signedIn(t, moderator)
	ctx := context.Background()
	for _, a := range []bot.Asked{
		{ID: "a1", Platform: "telegram", User: "u1", Question: "will my smp fade away by itself", Kind: bot.KindNoMatch, Suggestions: []string{"fading-naturally"}},
		{ID: "a2", Platform: "telegram", User: "u1", Kind: bot.KindAnswer, EntryID: "fading-naturally", Confidence: 1, FromAnswer: "a1"},
		{ID: "b1", Platform: "telegram", User: "u2", Question: "blue ish dots what now", Kind: bot.KindNoMatch, Suggestions: []string{"color-wrong"}},
		{ID: "b2", Platform: "telegram", User: "u2", Kind: bot.KindAnswer, EntryID: "color-wrong", Confidence: 1, FromAnswer: "b1"},
	} {
		if err := w.ql.Record(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	open, err := w.ql.Suggestions(ctx)
	if err != nil || len(open) != 2 {
		t.Fatalf("%d open suggestions (%v), want 2", len(open), err)
	}
	_, page := c.get("/inbox")
	for _, s := range open {
		if !strings.Contains(section(page, "suggestions"), fmt.Sprintf(`action="/suggestions/%d/accept"`, s.ID)) {
			t.Errorf("suggestion %d has no Accept button", s.ID)
		}
	}
	accept, reject := open[0], open[1]
	if accept.EntryID != "fading-naturally" {
		accept, reject = reject, accept
	}
	c.post(fmt.Sprintf("/suggestions/%d/accept", accept.ID), nil)
	c.post(fmt.Sprintf("/suggestions/%d/reject", reject.ID), nil)
	if e, _, _ := w.store.Get("fading-naturally"); !slices.Contains(e.Alternates, "will my smp fade away by itself") {
		t.Errorf("the accepted phrasing is not an alternate of fading-naturally")
	}
	if e, _, _ := w.store.Get("color-wrong"); slices.Contains(e.Alternates, "blue ish dots what now") {
		t.Errorf("the rejected phrasing was added")
	}
	if left, _ := w.ql.Suggestions(ctx); len(left) != 0 {
		t.Errorf("%d suggestions still open after accepting and rejecting", len(left))
	}
	if _, page = c.get("/inbox"); !strings.Contains(page, "No open suggestion.") {
		t.Errorf("resolved suggestions still listed")
	}
}

func TestHealthShowsOverlappingPhrasings(t *testing.T) {
	w := newWorld(t)
	c := w.signedIn(t, moderator)
	start := time.Now()
	_, page := c.get("/health")
	t.Logf("health page, every phrasing asked: %v; %d phrasings not answered by their own entry",
		time.Since(start), strings.Count(section(page, "overlaps"), "<tr><td>"))
	phrasing := "is it painful when the scalp is red and swollen with pus after laser"
	if strings.Contains(section(page, "overlaps"), phrasing) {
		t.Fatal("the test phrasing is already listed")
	}
	// Urgent words make the bot answer with the complications entry, whatever entry
	// the phrasing belongs to.
	e, v, _ := w.store.Get("laser-pain")
	e.Alternates = append(e.Alternates, phrasing)
	if _, err := w.store.Put(context.Background(), e, v, knowledge.Actor{Platform: "cli", User: "t"}); err != nil {
		t.Fatal(err)
	}
	_, page = c.get("/health")
	want := `<td><a href="/entries/laser-pain">laser-pain</a></td><td>` + phrasing + `</td><td><a href="/entries/complications-urgent">complications-urgent</a>`
	if !strings.Contains(section(page, "overlaps"), want) {
		t.Errorf("the health page does not list %q of laser-pain as answered by complications-urgent", phrasing)
	}
}
