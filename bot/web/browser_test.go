package web

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/knowledge"
)

// browser starts a headless Chromium for the test. Without one the test is skipped,
// unless SMPBOT_REQUIRE_BROWSER=1 (set by .ci/run), when it fails.
func browser(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("SMPBOT_REQUIRE_BROWSER") == "1" {
			t.Fatal("no Chromium on PATH and SMPBOT_REQUIRE_BROWSER=1: apt-get install chromium")
		}
		t.Skip("no Chromium on PATH (apt-get install chromium); browser tests skipped")
	}
	// A launch that crashes before the DevTools connection (seen once in CI, with
	// crashpad's "no stack mapping" and nothing else) is the machine's, not the
	// console's: try a fresh browser, with a fresh profile, up to three times.
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		var ctx context.Context
		if ctx, err = startChromium(t, path); err == nil {
			return ctx
		}
		t.Logf("starting Chromium, attempt %d: %v", attempt, err)
	}
	t.Fatalf("starting Chromium: %v", err)
	return nil
}

// startChromium launches a headless Chromium at path; its context ends with the test.
func startChromium(t *testing.T, path string) (context.Context, error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // running as root in a container
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1100, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	cancel := func() { cancelTimeout(); cancelCtx(); cancelAlloc() }
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		return nil, err
	}
	t.Cleanup(cancel)
	return ctx, nil
}

// do runs browser steps, failing the test on the first error.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// read runs a browser action that returns a value.
func read[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// seed fills the question log with three weeks of questions and feedback, so the
// charts and the inbox have something to show; times are spread back from now.
func (w *world) seed(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	answered := map[string][]string{
		"cost":           {"how much is laser removal", "price of smp removal", "what does removal cost in total"},
		"laser-pain":     {"does the laser hurt", "how painful is smp removal"},
		"healing-time":   {"how long to heal after laser"},
		"saline-removal": {"is saline removal better than laser"},
	}
	ids := []string{"cost", "laser-pain", "healing-time", "saline-removal"}
	declined := []string{"can i get my money back from the clinic", "is there a cream that removes smp", "does insurance pay for removal", "can i sue my smp artist"}
	offered := []string{"smp gone patchy after a year is that normal", "which clinic near me does removal"}
	now := time.Now().UTC()
	n := 0
	for d := 20; d >= 1; d-- {
		for i := 0; i < 3+(d*7)%5; i++ {
			n++
			a := bot.Asked{ID: fmt.Sprint("seed", n), Time: now.AddDate(0, 0, -d).Add(-time.Duration(i) * time.Minute),
				Platform: []string{"telegram", "discord"}[n%2], User: fmt.Sprint("s", n%9)}
			switch {
			case i%5 == 4:
				a.Kind, a.Question = bot.KindNoMatch, declined[n%len(declined)]
			case i%4 == 3:
				a.Kind, a.Question, a.Suggestions = bot.KindNoMatch, offered[n%len(offered)], []string{"fading-naturally"}
			default:
				id := ids[n%len(ids)]
				a.Kind, a.EntryID, a.Confidence = bot.KindAnswer, id, 0.8
				a.Question = answered[id][n%len(answered[id])]
				if i%6 == 5 {
					a.Confidence = 0.55
				}
			}
			if err := w.ql.Record(ctx, a); err != nil {
				t.Fatal(err)
			}
			if a.Kind == bot.KindAnswer {
				if err := w.ql.Feedback(ctx, bot.Feedback{AnswerID: a.ID, Platform: a.Platform, User: a.User, Helpful: n%4 != 0, Time: a.Time}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	// Someone offered topics chose one: the question is proposed as its phrasing.
	for _, a := range []bot.Asked{
		{ID: "chose1", Time: now.Add(-time.Hour), Platform: "telegram", User: "c1", Question: "will my smp fade away by itself", Kind: bot.KindNoMatch, Suggestions: []string{"fading-naturally", "removal-timeline"}},
		{ID: "chose2", Time: now.Add(-time.Hour + time.Minute), Platform: "telegram", User: "c1", Question: "Will SMP fade on its own?", Kind: bot.KindAnswer, EntryID: "fading-naturally", Confidence: 1, FromAnswer: "chose1"},
	} {
		if err := w.ql.Record(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBrowser drives the console in a real headless Chromium: signing in through a
// link, editing an entry and seeing the bot answer with the edit, turning an inbox
// question into an alternate and seeing it answered, a stale edit refused, and the
// charts drawn from the question log.
func TestBrowser(t *testing.T) {
	w := newWorld(t)
	ctx := browser(t)
	w.seed(t)
	unanswered := "my zig zag dots are ugly what can be done"
	if r := w.ask(t, "u1", unanswered); r.Kind == bot.KindAnswer && r.Confidence >= 0.6 {
		t.Fatalf("the FAQ already answers %q; the test needs a question it does not", unanswered)
	}
	w.ask(t, "u2", "can i get a refund from the clinic")
	w.ask(t, "u3", "recipe for banana bread")
	helped := w.ask(t, "u5", "does laser removal hurt a lot")
	w.ql.Feedback(context.Background(), bot.Feedback{AnswerID: helped.ID, Platform: "telegram", User: "u5", Helpful: false})

	t.Run("sign in through a link", func(t *testing.T) {
		do(t, ctx,
			chromedp.Navigate(w.link(t, bot.Identity{Platform: "discord", User: "42", Name: "Ana"})),
			chromedp.Click(chromedp.ID("signin")),
			chromedp.WaitVisible(chromedp.ID("unanswered")),
		)
		where := read(t, ctx, chromedp.Location())
		who := read(t, ctx, chromedp.Text(chromedp.CSS(".who")))
		if !strings.HasSuffix(where, "/inbox") || who != "Ana" {
			t.Fatalf("after sign-in at %s as %q, want the inbox as Ana", where, who)
		}
	})

	t.Run("edit an entry and see the bot answer with it", func(t *testing.T) {
		phrase := "what will it cost me to zap my hairline dots away"
		do(t, ctx, chromedp.Navigate(w.srv.URL+"/entries/cost"))
		alts := read(t, ctx, chromedp.Value(chromedp.ID("alternates")))
		do(t, ctx,
			chromedp.SetValue(chromedp.ID("alternates"), alts+"\n"+phrase),
			chromedp.Click(chromedp.ID("save")),
			chromedp.WaitVisible(chromedp.CSS(".flash")),
		)
		flash := read(t, ctx, chromedp.Text(chromedp.CSS(".flash")))
		do(t, ctx, chromedp.Navigate(w.srv.URL+"/try?q="+url.QueryEscape(phrase)))
		kind := read(t, ctx, chromedp.Text(chromedp.ID("reply-kind")))
		if !strings.Contains(flash, "Saved") || !strings.Contains(kind, "Answers with cost") {
			t.Errorf("after saving: flash %q, test box %q; want saved and answered with cost", flash, kind)
		}
		r, _ := w.faq.Answer(context.Background(), bot.Question{Text: phrase})
		if r.Kind != bot.KindAnswer || r.Entry.ID != "cost" {
			t.Errorf("the bot replies %v to %q, want the cost entry", r.Kind, phrase)
		}
		audit, _ := w.store.Audit()
		if last := audit[len(audit)-1]; last.Actor.User != "42" || last.Actor.Chat != "web console" {
			t.Errorf("the edit is audited as %+v, want discord user 42 in the web console", last.Actor)
		}
	})

	t.Run("add an inbox question as an alternate", func(t *testing.T) {
		item := `//section[@id="unanswered"]//article[contains(., "zig zag")]`
		do(t, ctx, chromedp.Navigate(w.srv.URL+"/inbox"))
		entry := read(t, ctx, chromedp.Value(item+"//select"))
		screenshot(t, ctx, "console-inbox.png")
		do(t, ctx,
			chromedp.Click(item+`//button[contains(@class, "add-alternate")]`),
			chromedp.WaitVisible(chromedp.CSS(".flash")),
		)
		flash := read(t, ctx, chromedp.Text(chromedp.CSS(".flash")))
		if entry == "" || !strings.Contains(flash, "Added") {
			t.Fatalf("picked entry %q, flash %q", entry, flash)
		}
		do(t, ctx, chromedp.Navigate(w.srv.URL+"/try?q="+url.QueryEscape(unanswered)))
		screenshot(t, ctx, "console-try.png")
		// The reply as Telegram and Discord users get it: the question in bold in the
		// Telegram message, as the title of the Discord embed.
		tgBold := read(t, ctx, chromedp.Text(chromedp.CSS(`#preview-telegram .tg-text strong`)))
		dcTitle := read(t, ctx, chromedp.Text(chromedp.CSS(`#preview-discord .embed-title`)))
		if e, _, err := w.store.Get(entry); err != nil || tgBold != e.Question || dcTitle != e.Question {
			t.Errorf("previews show %q on Telegram and %q on Discord, want the question of %s in both (%v)", tgBold, dcTitle, entry, err)
		}
		kind := read(t, ctx, chromedp.Text(chromedp.ID("reply-kind")))
		if !strings.Contains(kind, "Answers with "+entry) {
			t.Errorf("after adding the alternate the test box says %q, want an answer from %s", kind, entry)
		}
		r := w.ask(t, "u6", unanswered)
		if r.Kind != bot.KindAnswer || r.Entry.ID != entry {
			t.Errorf("the bot replies %v to the inbox question, want %s", r.Kind, entry)
		}
	})

	t.Run("a stale edit is refused and shows what changed", func(t *testing.T) {
		do(t, ctx, chromedp.Navigate(w.srv.URL+"/entries/laser-pain"), chromedp.WaitVisible(chromedp.ID("question")))
		// Meanwhile a moderator on Telegram changes the entry.
		e, v, _ := w.store.Get("laser-pain")
		e.Caveats = append(e.Caveats, "Numbing cream needs a doctor's advice first.")
		if _, err := w.store.Put(context.Background(), e, v, knowledge.Actor{Platform: "telegram", User: "7"}); err != nil {
			t.Fatal(err)
		}
		do(t, ctx,
			chromedp.SetValue(chromedp.ID("question"), "Does laser SMP removal hurt much?"),
			chromedp.Click(chromedp.ID("save")),
			chromedp.WaitVisible(chromedp.ID("stale")),
		)
		screenshot(t, ctx, "console-stale-edit.png")
		stale := read(t, ctx, chromedp.Text(chromedp.ID("stale")))
		question := read(t, ctx, chromedp.Value(chromedp.ID("question")))
		if !strings.Contains(stale, "Numbing cream needs a doctor's advice first.") || question != "Does laser SMP removal hurt much?" {
			t.Errorf("stale refusal shows %q with question %q; want the other change and the moderator's text kept", stale, question)
		}
		if got, _, _ := w.store.Get("laser-pain"); got.Question == "Does laser SMP removal hurt much?" {
			t.Error("the stale edit was saved")
		}
	})

	t.Run("charts render from the question log", func(t *testing.T) {
		do(t, ctx, chromedp.Navigate(w.srv.URL+"/charts"), chromedp.WaitVisible(chromedp.CSS("#outcomes svg")))
		rects := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#outcomes svg rect").length`))
		dots := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#share svg circle").length`))
		table := read(t, ctx, chromedp.Text(chromedp.CSS("#top table")))
		screenshot(t, ctx, "console-charts.png")
		if rects < 20 || dots < 20 || !strings.Contains(table, "laser-pain") {
			t.Errorf("charts: %d bars, %d points, top table %q; want the seeded weeks drawn", rects, dots, table)
		}
	})

	t.Run("sign out", func(t *testing.T) {
		do(t, ctx,
			chromedp.Navigate(w.srv.URL+"/entries"),
			chromedp.Click(chromedp.CSS(".signout button")),
			chromedp.WaitVisible(chromedp.CSS(".message")),
			chromedp.Navigate(w.srv.URL+"/entries"),
		)
		if where := read(t, ctx, chromedp.Location()); !strings.HasSuffix(where, "/signin") {
			t.Errorf("after signing out, /entries went to %s, want the sign-in page", where)
		}
	})
}

// screenshot saves the whole page as a PNG: into SMPBOT_SCREENSHOTS when set (the
// README's pictures come from there), else into the test's temporary directory.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	buf := read(t, ctx, chromedp.FullScreenshot(100))
	cfg, err := png.DecodeConfig(bytes.NewReader(buf))
	if err != nil || cfg.Width < 500 || cfg.Height < 300 {
		t.Fatalf("screenshot %s: %v, %dx%d", name, err, cfg.Width, cfg.Height)
	}
	dir := os.Getenv("SMPBOT_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.WriteFile(filepath.Join(dir, name), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}
