package telegram

import (
	"html"
	"regexp"
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/smpbot/smpbot/bot"
)

// maxMessageLen is Telegram's limit on a message's text, in UTF-16 code units. It is
// checked on the HTML source, which is never shorter than the text Telegram counts after
// parsing, so a message that passes here always fits.
const maxMessageLen = 4096

// Callback data prefixes. Callback data is at most 64 bytes and comes back verbatim
// when a button is pressed; the prefix says which feature the button belongs to.
const (
	cbAnswer    = "a:" // answer the entry: "a:<entry id>" or "a:<entry id>:<reply id>"
	cbFeedback  = "f:" // Helpful / Not helpful on an answer: "f:<reply id>:y" or ":n"
	cbModerator = "m:" // a moderator's Confirm / Cancel, or Accept / Reject of a suggestion
)

// maxCallbackData is Telegram's limit on callback data, in bytes.
const maxCallbackData = 64

// message is one message to send: HTML text and, optionally, buttons.
type message struct {
	text     string
	keyboard *tgbotapi.InlineKeyboardMarkup
}

// line is a unit of text and how to format it. Lines are formatted one at a time, so a
// split between lines, or inside an over-long line, never cuts a tag or an entity.
type line struct {
	src    string
	format func(string) string
}

// block is a paragraph: its lines are kept together in one message when they fit.
type block []line

func (b block) render() string {
	parts := make([]string, len(b))
	for i, l := range b {
		parts[i] = l.format(l.src)
	}
	return strings.Join(parts, "\n")
}

func plain(s string) string  { return html.EscapeString(s) }
func bold(s string) string   { return "<b>" + html.EscapeString(s) + "</b>" }
func italic(s string) string { return "<i>" + html.EscapeString(s) + "</i>" }

var mdBold = regexp.MustCompile(`\*\*([^*\n]+?)\*\*`)

// markdown formats a line of an FAQ answer, written in light Markdown: **bold** and
// "- " bullets. Everything is escaped first, so only the markup added here is HTML.
func markdown(s string) string {
	if rest, ok := strings.CutPrefix(s, "- "); ok {
		s = "• " + rest
	} else if rest, ok := strings.CutPrefix(s, "* "); ok {
		s = "• " + rest
	}
	return mdBold.ReplaceAllString(html.EscapeString(s), "<b>$1</b>")
}

// link formats a source as a link when its URL is a web address, else as text.
func link(url string) func(string) string {
	return func(title string) string {
		if strings.HasPrefix(url, "https://") || strings.HasPrefix(url, "http://") {
			return `• <a href="` + html.EscapeString(url) + `">` + html.EscapeString(title) + "</a>"
		}
		return "• " + html.EscapeString(title+": "+url)
	}
}

// paragraphs splits text at blank lines into blocks of lines formatted with f.
func paragraphs(text string, f func(string) string) []block {
	var out []block
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		p = strings.Trim(p, "\n")
		if strings.TrimSpace(p) == "" {
			continue
		}
		var b block
		for _, l := range strings.Split(p, "\n") {
			b = append(b, line{l, f})
		}
		out = append(out, b)
	}
	return out
}

// buttonsHint tells the reader what the buttons under a reply are for.
const buttonsHint = "Tap a question below to read its answer."

// renderReply turns a reply into messages: the urgent notice first, then the answer
// (question, body, caveats, sources, disclaimer) or the message, split below
// maxMessageLen at paragraph or line boundaries. The last message carries the buttons;
// with feedback, an answer also gets Helpful / Not helpful buttons.
func renderReply(r bot.Reply, feedback bool) []message {
	kb, entries := replyKeyboard(r, feedback)
	return packMessages(replyBlocks(r, entries), kb)
}

// shortenedNote ends a reply that had to fit in one message (inline mode, an edit).
const shortenedNote = "(Shortened. Ask me in a private chat for the full answer.)"

// renderOne renders a reply as a single message, shortened if it does not fit.
func renderOne(r bot.Reply, feedback bool) message {
	kb, entries := replyKeyboard(r, feedback)
	blocks := replyBlocks(r, entries)
	parts := pack(blocks, maxMessageLen)
	if len(parts) > 1 {
		note := italic(shortenedNote)
		parts = pack(blocks, maxMessageLen-u16len(note)-2)
		parts[0] += "\n\n" + note
	}
	if len(parts) == 0 {
		parts = []string{plain(r.Text)}
	}
	return message{text: parts[0], keyboard: kb}
}

// replyBlocks lays out a reply; entryButtons says whether buttons that answer other
// entries follow, which the reader is told about.
func replyBlocks(r bot.Reply, entryButtons bool) []block {
	var bs []block
	if r.Urgent && r.Notice != "" {
		bs = append(bs, paragraphs(r.Notice, bold)...)
	}
	switch {
	case r.Entry != nil:
		e := r.Entry
		bs = append(bs, block{{e.Question, bold}})
		bs = append(bs, paragraphs(e.Answer, markdown)...)
		if cs := bot.Caveats(r); len(cs) > 0 {
			b := block{{"Keep in mind:", bold}}
			for _, c := range cs {
				b = append(b, line{"• " + c, plain})
			}
			bs = append(bs, b)
		}
		if len(e.Sources) > 0 {
			b := block{{"Sources:", bold}}
			for _, s := range e.Sources {
				b = append(b, line{s.Title, link(s.URL)})
			}
			bs = append(bs, b)
		}
		if r.Disclaimer != "" {
			bs = append(bs, block{{r.Disclaimer, italic}})
		}
	case r.Message != "":
		bs = append(bs, paragraphs(r.Message, plain)...)
	default:
		bs = append(bs, paragraphs(r.Text, plain)...)
	}
	if entryButtons && r.Entry != nil {
		bs = append(bs, block{{buttonsHint, italic}})
	}
	return bs
}

// replyKeyboard has one button per suggestion and related entry, suggestions first,
// each answering its entry when pressed and naming the reply it was on, so that the
// question log can link the two. With feedback, an answer that has an id ends with a
// row of Helpful / Not helpful. entries reports whether there are entry buttons.
func replyKeyboard(r bot.Reply, feedback bool) (kb *tgbotapi.InlineKeyboardMarkup, entries bool) {
	var rows [][]tgbotapi.InlineKeyboardButton
	seen := map[string]bool{}
	if r.Entry != nil {
		seen[r.Entry.ID] = true
	}
	for _, s := range append(append([]bot.Suggestion(nil), r.Suggestions...), r.Related...) {
		if seen[s.ID] {
			continue
		}
		seen[s.ID] = true
		if b, ok := answerButton(s, r.ID); ok {
			rows = append(rows, []tgbotapi.InlineKeyboardButton{b})
		}
	}
	entries = len(rows) > 0
	if feedback && r.Kind == bot.KindAnswer && r.Entry != nil {
		if row, ok := feedbackRow(r.ID); ok {
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 {
		return nil, false
	}
	return &tgbotapi.InlineKeyboardMarkup{InlineKeyboard: rows}, entries
}

// Feedback button labels, and the marks in their callback data.
const (
	helpfulLabel    = "👍 Helpful"
	notHelpfulLabel = "👎 Not helpful"
	helpfulMark     = "y"
	notHelpfulMark  = "n"
)

// feedbackRow is the Helpful / Not helpful pair for the reply id, unless the id is
// missing or too long for callback data.
func feedbackRow(replyID string) ([]tgbotapi.InlineKeyboardButton, bool) {
	yes := cbFeedback + replyID + ":" + helpfulMark
	if replyID == "" || len(yes) > maxCallbackData || !utf8.ValidString(replyID) {
		return nil, false
	}
	return []tgbotapi.InlineKeyboardButton{
		tgbotapi.NewInlineKeyboardButtonData(helpfulLabel, yes),
		tgbotapi.NewInlineKeyboardButtonData(notHelpfulLabel, cbFeedback+replyID+":"+notHelpfulMark),
	}, true
}

// maxButtonLabel caps a button's label, in characters; Telegram clients cut long labels
// anyway.
const maxButtonLabel = 60

// answerButton is a button that answers the entry, carrying the id of the reply it is
// on when that fits in callback data, unless the entry id itself is too long.
func answerButton(s bot.Suggestion, fromReply string) (tgbotapi.InlineKeyboardButton, bool) {
	data := cbAnswer + s.ID
	if s.ID == "" || len(data) > maxCallbackData || !utf8.ValidString(s.ID) || strings.Contains(s.ID, ":") {
		return tgbotapi.InlineKeyboardButton{}, false
	}
	if with := data + ":" + fromReply; fromReply != "" && len(with) <= maxCallbackData && utf8.ValidString(fromReply) {
		data = with
	}
	label := s.Question
	if label == "" {
		label = s.ID
	}
	if utf8.RuneCountInString(label) > maxButtonLabel {
		label = string([]rune(label)[:maxButtonLabel-1]) + "…"
	}
	return tgbotapi.NewInlineKeyboardButtonData(label, data), true
}

// maxButtons caps the buttons on one message.
const maxButtons = 40

// topicMessages lists the topics as buttons, maxButtons per message.
func topicMessages(topics []bot.Suggestion) []message {
	var msgs []message
	var rows [][]tgbotapi.InlineKeyboardButton
	flush := func() {
		if len(rows) == 0 {
			return
		}
		text := "Here is what I can answer. Tap a question to read the answer."
		if len(msgs) > 0 {
			text = "More topics:"
		}
		msgs = append(msgs, message{text: plain(text), keyboard: &tgbotapi.InlineKeyboardMarkup{InlineKeyboard: rows}})
		rows = nil
	}
	for _, t := range topics {
		if b, ok := answerButton(t, ""); ok {
			rows = append(rows, []tgbotapi.InlineKeyboardButton{b})
		}
		if len(rows) == maxButtons {
			flush()
		}
	}
	flush()
	return msgs
}

func u16len(s string) int {
	n := 0
	for _, r := range s {
		n += max(1, utf16.RuneLen(r))
	}
	return n
}

// pack joins rendered blocks into messages of at most limit UTF-16 units, breaking
// between blocks where it can, else between lines, and only an over-long line between
// words (or, for a word longer than a message, between characters).
func pack(blocks []block, limit int) []string {
	var parts []string
	var cur strings.Builder
	n := 0
	flush := func() {
		if n > 0 {
			parts = append(parts, cur.String())
			cur.Reset()
			n = 0
		}
	}
	add := func(sep, s string) {
		sn := u16len(s)
		if n > 0 && n+u16len(sep)+sn > limit {
			flush()
		}
		if n > 0 {
			cur.WriteString(sep)
			n += u16len(sep)
		}
		cur.WriteString(s)
		n += sn
	}
	for _, b := range blocks {
		if r := b.render(); u16len(r) <= limit {
			add("\n\n", r)
			continue
		}
		sep := "\n\n"
		for _, l := range b {
			for _, piece := range l.pieces(limit) {
				add(sep, piece)
				sep = "\n"
			}
		}
	}
	flush()
	return parts
}

// pieces formats a line, cut into pieces that each fit in limit when formatted.
func (l line) pieces(limit int) []string {
	if s := l.format(l.src); u16len(s) <= limit {
		return []string{s}
	}
	var out []string
	words := strings.SplitAfter(l.src, " ")
	for len(words) > 0 {
		k := longestFit(len(words), limit, func(k int) string { return l.format(strings.Join(words[:k], "")) })
		if k > 0 {
			out = append(out, l.format(strings.TrimRight(strings.Join(words[:k], ""), " ")))
			words = words[k:]
			continue
		}
		// A single word longer than a message.
		runes := []rune(words[0])
		k = max(1, longestFit(len(runes), limit, func(k int) string { return l.format(string(runes[:k])) }))
		out = append(out, l.format(string(runes[:k])))
		words[0] = string(runes[k:])
		if words[0] == "" {
			words = words[1:]
		}
	}
	return out
}

// longestFit is the largest k in [0, n] whose formatting fits in limit, found by binary
// search (formatting a longer prefix never gets shorter).
func longestFit(n, limit int, format func(k int) string) int {
	return sort.Search(n, func(k int) bool { return u16len(format(k+1)) > limit })
}
