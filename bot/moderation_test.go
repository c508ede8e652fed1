package bot_test

import (
	"context"
	"errors"
	"strings"
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
