package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smpbot/smpbot/bot/web/sessions"
	"github.com/smpbot/smpbot/knowledge"
)

// FuzzEntryForm posts arbitrary entry forms, new and edits, to the console: each is
// saved or refused with the problems shown (never a server error), and the FAQ on disk
// stays one the bot can load.
func FuzzEntryForm(f *testing.F) {
	w := newWorld(f)
	// Requests made here carry no User-Agent, as the session is started with none.
	token, _, err := w.console.start(context.Background(), moderator, "")
	if err != nil {
		f.Fatal(err)
	}
	ss, err := w.console.sessions.Get(context.Background(), sessions.ID(token))
	if err != nil {
		f.Fatal(err)
	}
	f.Add("new-entry", "Can I swim after removal?", "swim after laser\nswimming pool", "Wait until the skin has healed.", "Chlorine irritates.", "Source | https://example.org/", "aftercare, sun", "aftercare", "")
	f.Add("cost", "How much?", "", "", "", "not a source", "", "nope", "yesterday")
	f.Add("", "", "", "", "", "", "", "", "")
	f.Add("x", strings.Repeat("q", 300), "<script>", "**bold**", "c", "T | javascript:alert(1)", "a,b", "cost,cost", "2026-02-30")
	f.Fuzz(func(t *testing.T, id, question, alternates, answer, caveats, sources, tags, related, updated string) {
		form := url.Values{"csrf": {ss.CSRF}, "id": {id}, "question": {question}, "alternates": {alternates}, "answer": {answer},
			"caveats": {caveats}, "sources": {sources}, "tags": {tags}, "related": {related}, "updated": {updated}}
		path := "/entries/new"
		if _, v, err := w.store.Get(id); err == nil {
			path = "/entries/" + url.PathEscape(id)
			form.Set("base", string(v))
		}
		req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: SessionCookie, Value: token})
		rec := httptest.NewRecorder()
		w.console.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusSeeOther, http.StatusUnprocessableEntity, http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed:
		default:
			t.Fatalf("POST %s: status %d\n%s", path, rec.Code, rec.Body.String())
		}
		if rec.Code == http.StatusUnprocessableEntity && !strings.Contains(rec.Body.String(), `class="field-error"`) && !strings.Contains(rec.Body.String(), `class="flash error"`) {
			t.Fatalf("a refused form without the problems shown:\n%s", rec.Body.String())
		}
		if strings.Contains(rec.Body.String(), w.dir) {
			t.Fatal("the page shows the data directory's path")
		}
		if _, err := knowledge.LoadDir(filepath.Join(w.dir, knowledge.FAQDir)); err != nil {
			t.Fatalf("the FAQ on disk no longer loads: %v", err)
		}
	})
}
