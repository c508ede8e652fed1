package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/web/sessions"
)

// pageNames are the templates in templates/, each rendered inside layout.html.
var pageNames = []string{"message", "signin", "entries", "entry", "history", "try", "inbox", "charts", "health"}

var funcs = template.FuncMap{
	"pct":   func(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) },
	"conf":  func(f float64) string { return fmt.Sprintf("%.2f", f) },
	"day":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") },
	"lines": func(ss []string) string { return strings.Join(ss, "\n") },
	"join":  func(ss []string) string { return strings.Join(ss, ", ") },
	"add":   func(a, b int) int { return a + b },
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}

func parsePages() map[string]*template.Template {
	out := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		out[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/preview.html", "templates/"+name+".html"))
	}
	return out
}

// flash is a one-time message shown on the next page, after a form post redirects.
type flash = sessions.Flash

// view is what the layout renders.
type view struct {
	Title   string
	Who     *bot.Identity
	CSRF    string
	Flashes []flash
	Data    any
}

// flash keeps f for the session's next page, on whichever replica serves it. A flash
// that cannot be kept is only logged: what it reports was done.
func (c *Console) flash(ctx context.Context, ss *session, f flash) {
	if err := c.sessions.AddFlash(ctx, ss.id, f); err != nil {
		c.log.Warn("web console: a message for the next page is lost", "err", err)
	}
}

func (c *Console) render(w http.ResponseWriter, r *http.Request, ss *session, name, title string, data any) {
	v := view{Title: title, Data: data}
	if ss != nil {
		v.Who, v.CSRF = &ss.who, ss.csrf
		fs, err := c.sessions.TakeFlashes(r.Context(), ss.id)
		if err != nil {
			c.log.Warn("web console: messages for this page not read", "err", err)
		}
		v.Flashes = fs
	}
	var buf bytes.Buffer
	if err := c.pages[name].Execute(&buf, v); err != nil {
		c.log.Error("rendering a console page", "page", name, "err", err)
		http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}

// fail shows an error that is not the moderator's doing; its details (which may name
// server paths) go to the log only.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, ss *session, what string, err error) {
	if errors.Is(err, bot.ErrLogUnavailable) {
		c.log.Warn("web console: "+what, "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		c.render(w, r, ss, "message", "Question log unavailable", "Could not "+what+
			": the question log's database does not answer just now. The bot goes on answering; try again in a few minutes.")
		return
	}
	c.log.Error("web console: "+what, "err", err)
	w.WriteHeader(http.StatusInternalServerError)
	c.render(w, r, ss, "message", "Something went wrong", "Could not "+what+". The details are in the server log.")
}

// dismissals are inbox items a moderator dismissed, by a hash of their key, with
// when. An item asked again after its dismissal comes back. Only the hash is kept:
// the file must not hold question text past the question log's retention or purge.
type dismissals struct {
	path string
	mu   sync.Mutex
}

func (d *dismissals) load() (map[string]time.Time, error) {
	data, err := os.ReadFile(d.path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]time.Time{}, nil
	}
	if err != nil {
		return nil, err
	}
	m := map[string]time.Time{}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("dismissed inbox items: %w", err)
	}
	return m, nil
}

// dismissalKey is what the file holds for an inbox item's key.
func dismissalKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

// all returns the dismissed items, by dismissalKey.
func (d *dismissals) all() (map[string]time.Time, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.load()
}

func (d *dismissals) add(key string, at time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	m, err := d.load()
	if err != nil {
		return err
	}
	m[dismissalKey(key)] = at.UTC()
	// A dismissal older than the inbox's window hides nothing any more: every question
	// it hid was asked before it, so out of the window too.
	for k, t := range m {
		if at.Sub(t) > (inboxDays+1)*24*time.Hour {
			delete(m, k)
		}
	}
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(d.path), 0o700); err != nil {
		return err
	}
	tmp := d.path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, d.path)
}
