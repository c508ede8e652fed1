package bot_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/knowledge"
)

func TestModeratorsAllows(t *testing.T) {
	mods := bot.Moderators{DiscordUsers: []string{"d1"}, DiscordRoles: []string{"r-mod"}, TelegramUsers: []string{"t1"}}
	tests := []struct {
		id   bot.Identity
		want bool
	}{
		{bot.Identity{Platform: "discord", User: "d1"}, true},
		{bot.Identity{Platform: "discord", User: "d2", Roles: []string{"r-x", "r-mod"}}, true},
		{bot.Identity{Platform: "discord", User: "d2", Roles: []string{"r-x"}}, false},
		{bot.Identity{Platform: "discord", User: "t1"}, false}, // a Telegram id is not a Discord id
		{bot.Identity{Platform: "telegram", User: "t1"}, true},
		{bot.Identity{Platform: "telegram", User: "d1"}, false},
		{bot.Identity{Platform: "cli", User: "anyone"}, true},
		{bot.Identity{Platform: "console", User: "console"}, false},
	}
	for _, tt := range tests {
		if got := mods.Allows(tt.id); got != tt.want {
			t.Errorf("Allows(%+v) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestModerationChecksBeforeWriting(t *testing.T) {
	ctx := context.Background()
	store, err := knowledge.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mod := bot.NewModeration(store, bot.Moderators{TelegramUsers: []string{"42"}}, nil)
	e, v, err := mod.Get("cost")
	if err != nil {
		t.Fatal(err)
	}
	e.Answer = "Changed."
	stranger := bot.Identity{Platform: "telegram", User: "7"}
	if err := mod.Edit(ctx, stranger, e, v); !errors.Is(err, bot.ErrForbidden) {
		t.Errorf("stranger's edit = %v, want ErrForbidden", err)
	}
	if _, err := mod.Undo(ctx, stranger, "cost"); !errors.Is(err, bot.ErrForbidden) {
		t.Errorf("stranger's undo = %v, want ErrForbidden", err)
	}
	if got, _, _ := mod.Get("cost"); got.Answer == "Changed." {
		t.Fatal("a refused edit was written")
	}
	owner := bot.Identity{Platform: "telegram", User: "42", Name: "Mo", Chat: "42"}
	if err := mod.Edit(ctx, owner, e, v); err != nil {
		t.Fatalf("moderator's edit: %v", err)
	}
	hist, err := mod.History(ctx, owner, "cost")
	if err != nil || len(hist) != 1 || hist[0].Actor.Name != "Mo" || hist[0].Actor.Platform != "telegram" {
		t.Errorf("history %+v (%v)", hist, err)
	}
	if err := mod.Edit(ctx, owner, e, v); !errors.Is(err, knowledge.ErrStale) {
		t.Errorf("second edit on the old version = %v, want ErrStale", err)
	}
	if msg := bot.DescribeError(knowledge.ErrStale); !strings.Contains(msg, "Nothing was saved") {
		t.Errorf("DescribeError(ErrStale) = %q", msg)
	}
}

func TestParseEntry(t *testing.T) {
	text := "---\nid: new-topic\nquestion: A new question?\nrelated: [cost]\nsources:\n  - title: T\n    url: https://example.org/tattoo-removal\ncaveats: [c]\nupdated: 2026-11-25\n---\nAn answer.\n"
	e, err := bot.ParseEntry(text)
	if err != nil || e.ID != "new-topic" || e.Answer != "An answer." {
		t.Errorf("ParseEntry = %+v, %v", e, err)
	}
	_, err = bot.ParseEntry(strings.Replace(text, "An answer.", "", 1))
	if !errors.Is(err, knowledge.ErrMissingField) || !strings.Contains(err.Error(), "answer") {
		t.Errorf("ParseEntry without an answer = %v", err)
	}
	if _, err := bot.ParseEntry("just some text"); !errors.Is(err, knowledge.ErrSyntax) {
		t.Errorf("ParseEntry of plain text = %v", err)
	}
}

// countingHandler counts the records logged, by message.
type countingHandler struct {
	mu    sync.Mutex
	lines map[string]int
	attrs []map[string]string
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lines == nil {
		h.lines = map[string]int{}
	}
	h.lines[r.Message]++
	a := map[string]string{}
	r.Attrs(func(x slog.Attr) bool { a[x.Key] = x.Value.String(); return true })
	h.attrs = append(h.attrs, a)
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

// A flood of refused moderator commands, from one person or from many, is refused
// every time but logged a bounded number of times, the rest counted.
func TestRefusedModeratorFloodIsNotLoggedEveryTime(t *testing.T) {
	ctx := context.Background()
	h := &countingHandler{}
	mod := bot.NewModeration(nil, bot.Moderators{TelegramUsers: []string{"42"}}, slog.New(h))
	for range 500 {
		if mod.Allowed(ctx, bot.Identity{Platform: "telegram", User: "7", Chat: "7"}, "edit") {
			t.Fatal("a stranger was allowed")
		}
	}
	if got := h.lines["moderator command refused"]; got != 1 {
		t.Errorf("500 refusals of one person logged %d times, want 1", got)
	}
	for i := range 500 {
		mod.Allowed(ctx, bot.Identity{Platform: "telegram", User: fmt.Sprint(1000 + i)}, "edit")
	}
	if got := h.lines["moderator command refused"]; got < 2 || got > 20 {
		t.Errorf("500 refusals of 500 people logged %d times, want 2 to 20", got)
	}
	if got := h.attrs[1]["not_logged_since_last"]; got != "499" {
		t.Errorf("second line counts %q refusals not logged, want 499", got)
	}
	if !mod.Allowed(ctx, bot.Identity{Platform: "telegram", User: "42"}, "edit") {
		t.Error("the moderator was refused")
	}
}

// A broken hand-written file is reported to moderators by file and line, never with
// the server's path, and a change to that entry is refused in plain words.
func TestModerationReportsBrokenFilesWithoutPaths(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := knowledge.OpenStore(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, knowledge.FAQDir, "cost.md"), []byte("---\nid: cost\nquestion: [\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	store, err := knowledge.OpenStore(dir)
	if err != nil {
		t.Fatalf("start with a broken file: %v", err)
	}
	mod := bot.NewModeration(store, bot.Moderators{}, nil)
	cli := bot.Identity{Platform: "cli", User: "ops"}
	note := mod.Notice()
	if !strings.Contains(note, "cost.md line ") || strings.Contains(note, dir) {
		t.Errorf("Notice() = %q, want cost.md with its line and no server path", note)
	}
	e, _, err := mod.Get("aftercare")
	if err != nil {
		t.Fatal(err)
	}
	e.Answer += " Edited while cost.md is broken."
	if err := mod.Edit(ctx, cli, e, knowledge.AnyVersion); err != nil {
		t.Errorf("editing another entry: %v", err)
	}
	cost := e
	cost.ID = "cost"
	err = mod.Edit(ctx, cli, cost, knowledge.AnyVersion)
	msg := bot.DescribeError(err)
	if !errors.Is(err, knowledge.ErrBroken) || !strings.Contains(msg, "cost.md (line ") || strings.Contains(msg, dir) {
		t.Errorf("editing the broken entry: %v, described as %q", err, msg)
	}
}

func TestDescribeErrorHidesServerPaths(t *testing.T) {
	err := fmt.Errorf("change #3 is recorded but its file was not written: %w",
		&fs.PathError{Op: "open", Path: "/var/lib/smpbot/faq/.cost.md.tmp-1", Err: syscall.ENOSPC})
	got := bot.DescribeError(err)
	if strings.Contains(got, "/var/lib") || !strings.Contains(got, ".cost.md.tmp-1") || !strings.Contains(got, "no space") {
		t.Errorf("DescribeError = %q, want the file's base name and the reason, no path", got)
	}
}

// A store whose database is away says so in plain words, without the driver's detail.
func TestDescribeErrorUnavailable(t *testing.T) {
	err := fmt.Errorf("%w (failed to connect to `user=smpbot database=faq`: dial tcp 10.0.0.5:5432: connect: connection refused)", knowledge.ErrUnavailable)
	got := bot.DescribeError(err)
	if !strings.Contains(got, "cannot be reached") || !strings.Contains(got, "Not saved") || strings.Contains(got, "dial tcp") || strings.Contains(got, "10.0.0.5") {
		t.Errorf("DescribeError = %q, want a plain refusal without connection details", got)
	}
}
