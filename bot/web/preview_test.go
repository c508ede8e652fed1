package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/discord"
	"github.com/smpbot/smpbot/bot/telegram"
	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
	"github.com/smpbot/smpbot/knowledge"
)

// pagePreview is what a page shows of a reply on each platform, read back from its
// HTML.
type pagePreview struct {
	tgSources, tgTexts, tgButtons, tgCounts              []string
	dcContent, dcTitles, dcSources, dcFooters, dcButtons []string
	dcEmbeds                                             int
}

var (
	tagRE      = regexp.MustCompile(`<[^>]*>`)
	sectionRE  = regexp.MustCompile(`(?s)<section class="platform" id="preview-telegram">(.*?)</section>\s*<section class="platform" id="preview-discord">(.*?)</section>`)
	sourceRE   = regexp.MustCompile(`(?s)<pre class="source">(.*?)</pre>`)
	tgTextRE   = regexp.MustCompile(`(?s)<div class="tg-text">(.*?)</div>`)
	buttonRE   = regexp.MustCompile(`<span class="button-preview[^"]*">(.*?)</span>`)
	countRE    = regexp.MustCompile(`Message (\d+ of \d+: \d+ of \d+) characters`)
	dcTextRE   = regexp.MustCompile(`(?s)<div class="dc-content">(.*?)</div>`)
	dcTitleRE  = regexp.MustCompile(`<p class="embed-title">(.*?)</p>`)
	dcFooterRE = regexp.MustCompile(`<p class="embed-footer">(.*?)</p>`)
)

// visible is the text a browser shows for a piece of HTML: tags dropped, entities read.
func visible(s string) string { return html.UnescapeString(tagRE.ReplaceAllString(s, "")) }

func all(re *regexp.Regexp, s string, f func(string) string) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		out = append(out, f(m[1]))
	}
	return out
}

func readPreview(t *testing.T, page string) pagePreview {
	t.Helper()
	m := sectionRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no Telegram and Discord previews on the page:\n%s", page)
	}
	tg, dc := m[1], m[2]
	return pagePreview{
		tgSources: all(sourceRE, tg, html.UnescapeString), tgTexts: all(tgTextRE, tg, visible),
		tgButtons: all(buttonRE, tg, visible), tgCounts: all(countRE, tg, func(s string) string { return s }),
		dcContent: all(dcTextRE, dc, visible), dcTitles: all(dcTitleRE, dc, visible), dcSources: all(sourceRE, dc, html.UnescapeString),
		dcFooters: all(dcFooterRE, dc, visible), dcButtons: all(buttonRE, dc, visible),
		dcEmbeds: strings.Count(dc, `<div class="embed">`),
	}
}

// checkPreview compares what the page shows with what the adapters send for r: the
// Telegram messages' HTML exactly and their text as Telegram's parser reads it, the
// Discord message's text, embeds and buttons.
func checkPreview(t *testing.T, page string, r bot.Reply) {
	t.Helper()
	got := readPreview(t, page)
	tg := telegram.PreviewReply(r, true)
	if len(got.tgSources) != len(tg) || len(got.tgTexts) != len(tg) {
		t.Fatalf("the page shows %d Telegram messages (%d texts), the adapter sends %d", len(got.tgSources), len(got.tgTexts), len(tg))
	}
	var wantButtons []string
	for i, m := range tg {
		if got.tgSources[i] != m.HTML {
			t.Errorf("Telegram message %d: the page shows the HTML\n%q\nthe adapter sends\n%q", i+1, got.tgSources[i], m.HTML)
		}
		seen, err := telegramtest.ParseHTML(m.HTML)
		if err != nil {
			t.Fatalf("Telegram would refuse message %d: %v", i+1, err)
		}
		if got.tgTexts[i] != seen {
			t.Errorf("Telegram message %d: the page shows\n%q\na Telegram user sees\n%q", i+1, got.tgTexts[i], seen)
		}
		if want := fmt.Sprintf("%d of %d: %d of %d", i+1, len(tg), m.Length, telegram.MaxMessageLength); i >= len(got.tgCounts) || got.tgCounts[i] != want {
			t.Errorf("Telegram message %d: counts %q, want %q", i+1, got.tgCounts, want)
		}
		for _, row := range m.Buttons {
			wantButtons = append(wantButtons, row...)
		}
	}
	if fmt.Sprint(got.tgButtons) != fmt.Sprint(wantButtons) {
		t.Errorf("Telegram buttons on the page %q, the adapter sends %q", got.tgButtons, wantButtons)
	}

	dc := discord.PreviewReply(r, true)
	if got.dcEmbeds != len(dc.Embeds) {
		t.Errorf("the page shows %d Discord embeds, the adapter sends %d", got.dcEmbeds, len(dc.Embeds))
	}
	var titles, sources, footers []string
	for _, e := range dc.Embeds {
		if e.Title != "" {
			titles = append(titles, e.Title)
		}
		sources = append(sources, e.Description)
		if e.Footer != "" {
			footers = append(footers, e.Footer)
		}
	}
	if fmt.Sprint(got.dcTitles) != fmt.Sprint(titles) || fmt.Sprint(got.dcSources) != fmt.Sprint(sources) || fmt.Sprint(got.dcFooters) != fmt.Sprint(footers) {
		t.Errorf("Discord embeds on the page: titles %q, descriptions %q, footers %q; the adapter sends %q, %q, %q",
			got.dcTitles, got.dcSources, got.dcFooters, titles, sources, footers)
	}
	wantContent := []string{}
	if dc.Content != "" {
		wantContent = append(wantContent, strings.ReplaceAll(strings.ReplaceAll(dc.Content, "**", ""), "\n", ""))
	}
	if fmt.Sprint(got.dcContent) != fmt.Sprint(wantContent) {
		t.Errorf("Discord text on the page %q, the adapter sends %q", got.dcContent, wantContent)
	}
	wantButtons = nil
	for _, row := range dc.Buttons {
		for _, b := range row {
			l := b.Label
			if b.Emoji != "" {
				l = b.Emoji + " " + l
			}
			wantButtons = append(wantButtons, l)
		}
	}
	if fmt.Sprint(got.dcButtons) != fmt.Sprint(wantButtons) {
		t.Errorf("Discord buttons on the page %q, the adapter sends %q", got.dcButtons, wantButtons)
	}
}

// The test box and the entry page show the reply as the Telegram and Discord adapters
// send it.
func TestPreviewShowsWhatTheAdaptersSend(t *testing.T) {
	w := newWorld(t)
	c := w.signedIn(t, moderator)
	for _, q := range []string{"How many laser sessions will I need?", "my scalp has pus and a fever after laser", "what is the capital of peru"} {
		t.Run(q, func(t *testing.T) {
			res, page := c.get("/try?q=" + url.QueryEscape(q))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			r, err := w.faq.Answer(context.Background(), bot.Question{Text: q, Platform: "web", Preview: true})
			if err != nil {
				t.Fatal(err)
			}
			r.ID = "preview" // the question log is on: Helpful / Not helpful show
			checkPreview(t, page, r)
			if r.Entry != nil && !strings.Contains(page, "<strong>"+html.EscapeString(r.Entry.Question)+"</strong>") {
				t.Errorf("the Telegram preview does not show the question in bold")
			}
		})
	}
	t.Run("entry page", func(t *testing.T) {
		_, page := c.get("/entries/cost")
		r, err := w.faq.Answer(context.Background(), bot.Question{EntryID: "cost", Platform: "web", Preview: true})
		if err != nil {
			t.Fatal(err)
		}
		r.ID = "preview"
		checkPreview(t, page, r)
	})
}

// A reply longer than a Telegram message is shown split as Telegram gets it, and what a
// moderator wrote is shown, never run: no script, no javascript: link.
func TestPreviewSplitsAndEscapes(t *testing.T) {
	w := newWorld(t)
	var paras []string
	for i := range 16 {
		paras = append(paras, fmt.Sprintf("Paragraph %d with **bold** and <script>alert(%d)</script> %s", i, i, strings.Repeat("long answer text ", 20)))
	}
	e := knowledge.Entry{ID: "long-one", Question: `Long <img src=x onerror="alert(1)">?`, Answer: strings.Join(paras, "\n\n"),
		Caveats: []string{"Ask your clinic."}, Sources: []knowledge.Source{{Title: "Bad link", URL: "javascript:alert(1)"}, {Title: "A [guide]", URL: "https://example.org/a?b=1&c=2"}}}
	r := bot.Reply{Kind: bot.KindAnswer, Entry: &e, Disclaimer: bot.Disclaimer, Text: "plain"}
	w.console.answer = bot.HandlerFunc(func(context.Context, bot.Question) (bot.Reply, error) { return r, nil })
	c := w.signedIn(t, moderator)
	_, page := c.get("/try?q=long")
	r.ID = "preview"
	checkPreview(t, page, r)
	if n := len(telegram.PreviewReply(r, true)); n < 2 || !strings.Contains(page, fmt.Sprintf("Message %d of %d", n, n)) {
		t.Errorf("a reply of %d characters is shown as %d Telegram messages, want it split and numbered", len(e.Answer), n)
	}
	for _, bad := range []string{"<script>alert", "<img src=x", `href="javascript:`} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q: a moderator's text became markup", bad)
		}
	}
	if !strings.Contains(page, `<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer">`) {
		t.Errorf("the source is not shown as the link the platforms make of it")
	}
}
