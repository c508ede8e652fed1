package web

import (
	"fmt"
	"html"
	"regexp"
	"strings"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/discord"
	"github.com/smpbot/smpbot/bot/telegram"
)

// platformPreview is a reply as people get it on each platform, from the adapters'
// own rendering (telegram.PreviewReply, discord.PreviewReply): what the page shows is
// what the adapter sends, formatting, splitting and buttons included.
type platformPreview struct {
	Telegram      []tgMessage
	TelegramLimit int
	Discord       dcMessage
	// Discord's limits on a message's text and on its embeds together.
	DiscordContentLimit, DiscordEmbedsLimit int
}

// tgMessage is one Telegram message: the text as the user sees it, the HTML sent.
type tgMessage struct {
	Text    []span
	HTML    string
	Length  int
	Buttons [][]string
}

// dcMessage is the Discord message: its text and embeds as the user sees them.
type dcMessage struct {
	Content                     [][]span // lines
	ContentSource               string
	ContentLength, EmbedsLength int
	Embeds                      []dcEmbed
	Buttons                     [][]discord.PreviewButton
}

type dcEmbed struct {
	Title       string
	Color       string // #rrggbb, the bar at the embed's side
	Description [][]span
	Source      string // the description's Markdown as sent
	Fields      []dcField
	Footer      string
}

type dcField struct {
	Name  string
	Value [][]span
}

// span is a run of text with the formatting a platform gives it. The page escapes the
// text; only the formatting becomes markup.
type span struct {
	Text         string
	Bold, Italic bool
	Href         string
}

// previewReply renders r as the adapters do. With the question log on, people get
// Helpful / Not helpful under an answer; the adapters show them only for a reply with
// an id, which a reply made for the console does not have.
func (c *Console) previewReply(r bot.Reply) *platformPreview {
	feedback := c.reports != nil
	if feedback && r.ID == "" {
		r.ID = "preview"
	}
	p := &platformPreview{TelegramLimit: telegram.MaxMessageLength,
		DiscordContentLimit: discord.MaxContentLength, DiscordEmbedsLimit: discord.MaxEmbedsLength}
	for _, m := range telegram.PreviewReply(r, feedback) {
		p.Telegram = append(p.Telegram, tgMessage{Text: telegramSpans(m.HTML), HTML: m.HTML, Length: m.Length, Buttons: m.Buttons})
	}
	d := discord.PreviewReply(r, feedback)
	p.Discord = dcMessage{Content: discordLines(d.Content), ContentSource: d.Content,
		ContentLength: d.ContentLength, EmbedsLength: d.EmbedsLength, Buttons: d.Buttons}
	for _, e := range d.Embeds {
		de := dcEmbed{Title: e.Title, Color: fmt.Sprintf("#%06x", e.Color&0xFFFFFF), Description: discordLines(e.Description),
			Source: e.Description, Footer: e.Footer}
		for _, f := range e.Fields {
			de.Fields = append(de.Fields, dcField{Name: f.Name, Value: discordLines(f.Value)})
		}
		p.Discord.Embeds = append(p.Discord.Embeds, de)
	}
	return p
}

// tgTag matches the tags the Telegram adapter writes: <b>, <i>, <a href="..."> and
// their ends.
var tgTag = regexp.MustCompile(`<(/?)(b|i|a)(?: href="([^"]*)")?>`)

// telegramSpans reads a message in Telegram's HTML parse mode into formatted runs, as
// a Telegram client shows it. Anything but the adapter's tags is shown as text.
func telegramSpans(s string) []span {
	var out []span
	var bold, italic int
	var href string
	add := func(text string) {
		if text = html.UnescapeString(text); text != "" {
			out = append(out, span{Text: text, Bold: bold > 0, Italic: italic > 0, Href: href})
		}
	}
	for s != "" {
		loc := tgTag.FindStringSubmatchIndex(s)
		if loc == nil {
			add(s)
			break
		}
		add(s[:loc[0]])
		end, name := s[loc[2]:loc[3]] == "/", s[loc[4]:loc[5]]
		step := 1
		if end {
			step = -1
		}
		switch name {
		case "b":
			bold = max(0, bold+step)
		case "i":
			italic = max(0, italic+step)
		case "a":
			href = ""
			if !end && loc[6] >= 0 {
				href = html.UnescapeString(s[loc[6]:loc[7]])
			}
		}
		s = s[loc[1]:]
	}
	return out
}

// dcInline matches the Discord Markdown the adapter and the FAQ's answers use: bold
// and masked links.
var dcInline = regexp.MustCompile(`\*\*([^*\n]+?)\*\*|\[([^\[\]\n]+)\]\((https?://[^\s()<>]+)\)`)

// discordLines reads Discord Markdown into lines of formatted runs, as a Discord client
// shows them: **bold**, [masked](https://links) and "- " list items as bullets.
func discordLines(s string) [][]span {
	if s == "" {
		return nil
	}
	var out [][]span
	for _, l := range strings.Split(s, "\n") {
		if rest, ok := strings.CutPrefix(l, "- "); ok {
			l = "• " + rest
		} else if rest, ok := strings.CutPrefix(l, "* "); ok {
			l = "• " + rest
		}
		var line []span
		for l != "" {
			loc := dcInline.FindStringSubmatchIndex(l)
			if loc == nil {
				line = append(line, span{Text: l})
				break
			}
			if loc[0] > 0 {
				line = append(line, span{Text: l[:loc[0]]})
			}
			if loc[2] >= 0 {
				line = append(line, span{Text: l[loc[2]:loc[3]], Bold: true})
			} else {
				line = append(line, span{Text: l[loc[4]:loc[5]], Href: l[loc[6]:loc[7]]})
			}
			l = l[loc[1]:]
		}
		out = append(out, line)
	}
	return out
}
