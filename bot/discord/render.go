package discord

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/knowledge"
)

// Discord's limits on a message. Lengths are counted in UTF-16 code units, as
// Discord's clients do, which is never less than the number of characters.
const (
	maxContent       = 2000
	maxEmbedTitle    = 256
	maxDescription   = 4096
	maxFieldValue    = 1024
	maxFooter        = 2048
	maxEmbedTotal    = 6000
	maxEmbeds        = 10
	maxRows          = 5
	maxRowButtons    = 5
	maxButtonLabel   = 80
	maxCustomID      = 100
	maxSelectOptions = 25
	maxOptionText    = 100
	maxChoices       = 25
	maxChoiceText    = 100
)

// Texts the adapter writes itself.
const (
	apologyText = "Sorry, something went wrong on my side. Please try again in a moment."
	hintText    = "Mention me together with your question, for example \"how many laser sessions will I need?\". " +
		"You can also use /ask, and /topics lists what I can answer."
	goneText     = "That button or command no longer works. Ask again with /ask."
	noTopicsText = "I have no topics to list right now. Ask your question with /ask."
)

const (
	colorAnswer = 0x5865F2
	colorUrgent = 0xED4245
)

// message is a rendered reply, ready for any of Discord's ways of sending one.
type message struct {
	content    string
	embeds     []*discordgo.MessageEmbed
	components []discordgo.MessageComponent
	apology    bool // the adapter's own apology: no second apology if it fails
}

func textMessage(s string) message { return message{content: trimText(s, maxContent)} }

func apologyMessage() message { return message{content: apologyText, apology: true} }

// noPings allows no mention of anyone: users, roles, @everyone, nor the author of the
// message replied to. "parse" is sent as [] (discordgo does not omit it), which Discord
// reads as "nothing"; a missing field would mean "everything in the content".
func noPings() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

func flags(ephemeral bool) discordgo.MessageFlags {
	if ephemeral {
		return discordgo.MessageFlagsEphemeral
	}
	return 0
}

func (m message) responseData(ephemeral bool) *discordgo.InteractionResponseData {
	return &discordgo.InteractionResponseData{
		Content: m.content, Embeds: m.embeds, Components: m.components,
		AllowedMentions: noPings(), Flags: flags(ephemeral),
	}
}

// updateData replaces the message a button is on: every field is set, so that what m
// leaves out (the buttons, say) is removed.
func (m message) updateData() *discordgo.InteractionResponseData {
	return &discordgo.InteractionResponseData{
		Content: m.content, Embeds: append([]*discordgo.MessageEmbed{}, m.embeds...),
		Components: append([]discordgo.MessageComponent{}, m.components...), AllowedMentions: noPings(),
	}
}

func (m message) edit() *discordgo.WebhookEdit {
	// Every field is set, empty ones as [] and "", so that the "thinking" placeholder
	// of a deferred response is replaced entirely.
	embeds := append([]*discordgo.MessageEmbed{}, m.embeds...)
	components := append([]discordgo.MessageComponent{}, m.components...)
	content := m.content
	return &discordgo.WebhookEdit{Content: &content, Embeds: &embeds, Components: &components, AllowedMentions: noPings()}
}

func (m message) followup(ephemeral bool) *discordgo.WebhookParams {
	return &discordgo.WebhookParams{Content: m.content, Embeds: m.embeds, Components: m.components,
		AllowedMentions: noPings(), Flags: flags(ephemeral)}
}

func (m message) send(reply *discordgo.Message) *discordgo.MessageSend {
	s := &discordgo.MessageSend{Content: m.content, Embeds: m.embeds, Components: m.components, AllowedMentions: noPings()}
	if reply != nil {
		no := false // the question may have been deleted; answer anyway
		s.Reference = &discordgo.MessageReference{MessageID: reply.ID, ChannelID: reply.ChannelID, GuildID: reply.GuildID, FailIfNotExists: &no}
	}
	return s
}

// takesFeedback reports whether h records Helpful / Not helpful presses.
func takesFeedback(h bot.Handler) bool {
	_, ok := h.(bot.FeedbackRecorder)
	return ok
}

// render turns a reply into a message: an urgent notice first, in the content where
// nothing can hide it; an answer as embeds; a no-match or small-talk message as text;
// suggestions and related entries as buttons; with feedback, Helpful / Not helpful
// buttons under an answer that has an id.
func render(r bot.Reply, feedback bool) message {
	var m message
	var text []string
	if r.Notice != "" {
		text = append(text, r.Notice)
	}
	if r.Entry != nil {
		m.embeds = answerEmbeds(r)
	} else if r.Message != "" {
		text = append(text, r.Message)
	}
	m.content = trimText(strings.Join(text, "\n\n"), maxContent)
	row := feedbackRow(r, feedback)
	rows := maxRows
	if row != nil {
		rows--
	}
	m.components = buttonRows(r, rows)
	if row != nil {
		m.components = append(m.components, row)
	}
	if m.content == "" && len(m.embeds) == 0 {
		m.content = trimText(r.Text, maxContent)
		if m.content == "" {
			return apologyMessage()
		}
	}
	return m
}

// answerEmbeds renders an answering entry. The answer is shortened only if the whole
// would pass the 6,000 characters Discord allows across a message's embeds; a long
// answer is split across embeds at paragraph, line or word boundaries.
func answerEmbeds(r bot.Reply) []*discordgo.MessageEmbed {
	e := r.Entry
	color := colorAnswer
	if r.Urgent {
		color = colorUrgent
	}
	title := trimText(oneLine(e.Question), maxEmbedTitle)
	var footer *discordgo.MessageEmbedFooter
	if r.Disclaimer != "" {
		footer = &discordgo.MessageEmbedFooter{Text: trimText(r.Disclaimer, maxFooter)}
	}
	var fields []*discordgo.MessageEmbedField
	addField := func(name string, lines []string) {
		if v := joinLines(lines, maxFieldValue); v != "" {
			fields = append(fields, &discordgo.MessageEmbedField{Name: name, Value: v})
		}
	}
	cs := bot.Caveats(r)
	caveats := make([]string, 0, len(cs))
	for _, c := range cs {
		if c = strings.TrimSpace(c); c != "" {
			caveats = append(caveats, "• "+oneLine(c))
		}
	}
	addField("Keep in mind", caveats)
	sources := make([]string, 0, len(e.Sources))
	for _, s := range e.Sources {
		if l := sourceLine(s); l != "" {
			sources = append(sources, "• "+l)
		}
	}
	addField("Sources", sources)

	used := width(title)
	if footer != nil {
		used += width(footer.Text)
	}
	for _, f := range fields {
		used += width(f.Name) + width(f.Value)
	}
	body := trimText(strings.TrimSpace(e.Answer), maxEmbedTotal-used)
	chunks := splitText(body, maxDescription)
	if len(chunks) == 0 {
		chunks = []string{""}
	}
	embeds := make([]*discordgo.MessageEmbed, 0, len(chunks))
	for i, c := range chunks {
		if i == maxEmbeds {
			break
		}
		em := &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich, Description: c, Color: color}
		if i == 0 {
			em.Title = title
		}
		embeds = append(embeds, em)
	}
	last := embeds[len(embeds)-1]
	last.Fields, last.Footer = fields, footer
	return embeds
}

// sourceLine writes a source as a masked link when its URL allows one.
func sourceLine(s knowledge.Source) string {
	title := strings.NewReplacer("[", "(", "]", ")").Replace(oneLine(s.Title))
	u, err := url.Parse(s.URL)
	link := err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.ContainsAny(s.URL, " ()<>\n")
	switch {
	case title != "" && link:
		return "[" + title + "](" + s.URL + ")"
	case title != "" && s.URL != "":
		return title + ": " + oneLine(s.URL)
	case title != "":
		return title
	}
	return oneLine(s.URL)
}

// Labels of the feedback buttons.
const (
	helpfulLabel    = "Helpful"
	notHelpfulLabel = "Not helpful"
)

// feedbackRow is the Helpful / Not helpful row under an answer, or nil when the answer
// has no id to record feedback against.
func feedbackRow(r bot.Reply, feedback bool) discordgo.MessageComponent {
	if !feedback || r.ID == "" || r.Entry == nil {
		return nil
	}
	yes, no := customID(kindFeedback, r.ID+":y"), customID(kindFeedback, r.ID+":n")
	if yes == "" || no == "" {
		return nil
	}
	return discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: helpfulLabel, Style: discordgo.SecondaryButton, CustomID: yes, Emoji: &discordgo.ComponentEmoji{Name: "👍"}},
		discordgo.Button{Label: notHelpfulLabel, Style: discordgo.SecondaryButton, CustomID: no, Emoji: &discordgo.ComponentEmoji{Name: "👎"}},
	}}
}

// answerID is the custom id of a button answering entry: with the id of the reply it
// is on when that fits, so the question log can link the two.
func answerID(entry, replyID string) string {
	if replyID != "" {
		if id := customID(kindAnswer, entry+":"+replyID); id != "" && entry != "" && !strings.Contains(entry, ":") {
			return id
		}
	}
	if strings.Contains(entry, ":") {
		return "" // would be read as an entry and a reply id
	}
	return customID(kindAnswer, entry)
}

// buttonRows offers suggestions (primary) and related entries (secondary) as buttons,
// or under an answer its follow-ups, five to a row and at most maxRows rows, never the
// answered entry itself nor one entry twice.
func buttonRows(r bot.Reply, maxRows int) []discordgo.MessageComponent {
	seen := map[string]bool{}
	if r.Entry != nil {
		seen[r.Entry.ID] = true
	}
	var rows []discordgo.MessageComponent
	group := func(ss []bot.Suggestion, style discordgo.ButtonStyle) {
		var row []discordgo.MessageComponent
		flush := func() {
			if len(row) > 0 && len(rows) < maxRows {
				rows = append(rows, discordgo.ActionsRow{Components: row})
			}
			row = nil
		}
		for _, s := range ss {
			id := answerID(s.ID, r.ID)
			if id == "" || seen[s.ID] {
				continue
			}
			seen[s.ID] = true
			row = append(row, discordgo.Button{Label: label(s, maxButtonLabel), Style: style, CustomID: id})
			if len(row) == maxRowButtons {
				flush()
			}
		}
		flush()
	}
	if r.Entry != nil {
		// Under an answer, one short list of follow-ups, in one style.
		group(bot.FollowUps(r), discordgo.SecondaryButton)
		return rows
	}
	group(r.Suggestions, discordgo.PrimaryButton)
	group(r.Related, discordgo.SecondaryButton)
	return rows
}

func label(s bot.Suggestion, max int) string {
	if l := trimText(oneLine(s.Question), max); l != "" {
		return l
	}
	return trimText(s.ID, max)
}

// renderTopics lists the topics as text and offers them in select menus, 25 to a menu.
func renderTopics(ts []bot.Suggestion) message {
	if len(ts) == 0 {
		return textMessage(noTopicsText)
	}
	lines := make([]string, len(ts))
	for i, t := range ts {
		lines[i] = strconv.Itoa(i+1) + ". " + oneLine(t.Question)
	}
	em := &discordgo.MessageEmbed{
		Type: discordgo.EmbedTypeRich, Title: "What I can answer", Color: colorAnswer,
		Description: joinLines(lines, maxDescription),
		Footer:      &discordgo.MessageEmbedFooter{Text: "Pick a topic below, or ask in your own words with /ask."},
	}
	var rows []discordgo.MessageComponent
	var opts []discordgo.SelectMenuOption
	seen := map[string]bool{}
	first := 1
	flush := func(last int) {
		if len(opts) > 0 && len(rows) < maxRows {
			rows = append(rows, discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.SelectMenu{
				MenuType: discordgo.StringSelectMenu, CustomID: customID(kindTopics, strconv.Itoa(len(rows))),
				Placeholder: fmt.Sprintf("Read an answer: topics %d to %d", first, last), Options: opts,
			}}})
		}
		opts, first = nil, last+1
	}
	for i, t := range ts {
		if t.ID == "" || seen[t.ID] || width(t.ID) > maxOptionText {
			continue
		}
		seen[t.ID] = true
		opts = append(opts, discordgo.SelectMenuOption{Label: label(t, maxOptionText), Value: t.ID})
		if len(opts) == maxSelectOptions {
			flush(i + 1)
		}
	}
	flush(len(ts))
	return message{embeds: []*discordgo.MessageEmbed{em}, components: rows}
}

// width is a string's length as Discord counts it, in UTF-16 code units.
func width(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Len(r)
	}
	return n
}

func utf16Len(r rune) int {
	if r >= 0x10000 && r <= utf8.MaxRune {
		return 2
	}
	return 1
}

// oneLine folds line breaks into spaces, for titles, labels and list items.
func oneLine(s string) string { return strings.Join(strings.Fields(validUTF8(s)), " ") }

// validUTF8 replaces invalid bytes, which JSON would turn into U+FFFD anyway, so that
// what is measured is what is sent.
func validUTF8(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

const ellipsis = "…"

// trimText shortens s to at most max, cutting at a word boundary when there is one
// near the limit and marking the cut with an ellipsis.
func trimText(s string, max int) string {
	s = strings.TrimSpace(validUTF8(s))
	if width(s) <= max {
		return s
	}
	if max < 1 {
		return ""
	}
	cut := prefix(s, max-width(ellipsis))
	next, _ := utf8.DecodeRuneInString(s[len(cut):])
	if i := strings.LastIndexFunc(cut, unicode.IsSpace); i > 0 && width(cut[i:]) <= 40 && !unicode.IsSpace(next) {
		cut = cut[:i]
	}
	return strings.TrimRightFunc(cut, unicode.IsSpace) + ellipsis
}

// prefix is the longest prefix of s no wider than max, ending between runes.
func prefix(s string, max int) string {
	w := 0
	for i, r := range s {
		if w+utf16Len(r) > max {
			return s[:i]
		}
		w += utf16Len(r)
	}
	return s
}

// splitText cuts s into pieces no wider than max, at paragraph breaks, else line
// breaks, else spaces, else anywhere.
func splitText(s string, max int) []string {
	var out []string
	for s = strings.TrimSpace(s); s != ""; {
		if width(s) <= max {
			out = append(out, s)
			break
		}
		head := prefix(s, max)
		cut := len(head)
		for _, sep := range []string{"\n\n", "\n", " "} {
			if i := strings.LastIndex(head, sep); i > len(head)/2 {
				cut = i
				break
			}
		}
		if cut == 0 {
			_, cut = utf8.DecodeRuneInString(s) // max is narrower than one rune
		}
		if piece := strings.TrimSpace(s[:cut]); piece != "" {
			out = append(out, piece)
		}
		s = strings.TrimSpace(s[cut:])
	}
	return out
}

// joinLines joins whole lines while they fit in max, ending with an ellipsis line if
// some were left out; a single line too long is trimmed.
func joinLines(lines []string, max int) string {
	var b strings.Builder
	w := 0
	for i, l := range lines {
		l = validUTF8(l)
		lw := width(l)
		if i > 0 {
			lw++ // the newline
		}
		if w+lw > max {
			if i == 0 {
				return trimText(l, max)
			}
			// Make room for the ellipsis line if needed.
			out := b.String()
			for width(out)+1+width(ellipsis) > max {
				j := strings.LastIndex(out, "\n")
				if j < 0 {
					return trimText(out, max)
				}
				out = out[:j]
			}
			return out + "\n" + ellipsis
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
		w += lw
	}
	return b.String()
}
