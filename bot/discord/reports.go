package discord

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/smpbot/smpbot/bot"
)

// maxSuggestionRows is how many suggestions one message offers to resolve: one row of
// Accept / Reject buttons each, within Discord's five rows.
const maxSuggestionRows = maxRows

// report answers /faq unanswered, stats or suggestions; status, when set, says what
// the last button press did.
func (a *Adapter) report(ctx context.Context, what string, days int, status string) message {
	if a.reports == nil {
		return textMessage(noReportsText)
	}
	var (
		m   message
		err error
	)
	switch what {
	case "unanswered":
		var groups []bot.UnansweredGroup
		if groups, err = a.reports.Unanswered(ctx, days); err == nil {
			m = unansweredMessage(groups, days)
		}
	case "stats":
		var st bot.Stats
		if st, err = a.reports.Stats(ctx, days); err == nil {
			m = statsMessage(st, days)
		}
	default:
		var ss []bot.PhrasingSuggestion
		if ss, err = a.reports.Suggestions(ctx); err == nil {
			m = suggestionsMessage(ss)
		}
	}
	if err != nil {
		a.log.ErrorContext(ctx, "reading the question log failed", "report", what, "err", a.red.Err(err))
		return textMessage(strings.TrimSpace(status + "\n\n" + logErrorText))
	}
	if status != "" {
		m.content = trimText(strings.TrimSpace(status+"\n\n"+m.content), maxContent)
	}
	return m
}

func unansweredMessage(groups []bot.UnansweredGroup, days int) message {
	if len(groups) == 0 {
		return textMessage(fmt.Sprintf("Nothing went unanswered in the last %s.", plural(days, "day")))
	}
	var lines []string
	for _, g := range groups {
		l := fmt.Sprintf("**%d×** %s", g.Count, oneLine(g.Question))
		if g.Closest != "" {
			l += " · closest `" + g.Closest + "`"
		}
		if len(g.Examples) > 0 {
			l += "\n  also: " + trimText(oneLine(strings.Join(g.Examples, " · ")), 200)
		}
		lines = append(lines, l)
	}
	return message{embeds: []*discordgo.MessageEmbed{{
		Type: discordgo.EmbedTypeRich, Color: colorAnswer,
		Title:       fmt.Sprintf("Unanswered questions, last %s", plural(days, "day")),
		Description: joinLines(lines, maxDescription),
		Footer:      &discordgo.MessageEmbedFooter{Text: "Most asked first. Add an entry with /faq add, or an alternate with /faq edit."},
	}}}
}

func statsMessage(st bot.Stats, days int) message {
	pct := 0
	if st.Asked > 0 {
		pct = st.Answered * 100 / st.Asked
	}
	perPlatform := map[string]int{}
	for _, d := range st.PerDay {
		perPlatform[d.Platform] += d.Count
	}
	var platforms []string
	for _, p := range slices.Sorted(maps.Keys(perPlatform)) {
		platforms = append(platforms, fmt.Sprintf("%s %d", p, perPlatform[p]))
	}
	desc := fmt.Sprintf("**%d** questions, **%d** answered from the FAQ (%d%%).", st.Asked, st.Answered, pct)
	if len(platforms) > 0 {
		desc += "\nBy platform: " + strings.Join(platforms, ", ") + "."
	}
	if st.Lost > 0 {
		desc += fmt.Sprintf("\n⚠️ %s could not be stored (the log's database was unavailable).", plural(int(st.Lost), "record"))
	}
	em := &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich, Color: colorAnswer,
		Title: fmt.Sprintf("The last %s", plural(days, "day")), Description: desc}
	entryLines := func(es []bot.EntryStats) []string {
		var out []string
		for _, e := range es {
			out = append(out, fmt.Sprintf("`%s` %s · 👍 %d · 👎 %d", e.EntryID, plural(e.Answers, "answer"), e.Helpful, e.NotHelpful))
		}
		return out
	}
	if l := entryLines(st.TopEntries); len(l) > 0 {
		em.Fields = append(em.Fields, &discordgo.MessageEmbedField{Name: "Most answered", Value: joinLines(l[:min(len(l), 10)], maxFieldValue)})
	}
	if l := entryLines(st.NotHelpful); len(l) > 0 {
		em.Fields = append(em.Fields, &discordgo.MessageEmbedField{Name: "Marked not helpful as often as helpful", Value: joinLines(l[:min(len(l), 10)], maxFieldValue)})
	}
	var perDay []string
	for _, d := range st.PerDay {
		perDay = append(perDay, fmt.Sprintf("%s %s %d", d.Day, d.Platform, d.Count))
	}
	if len(perDay) > 0 {
		em.Fields = append(em.Fields, &discordgo.MessageEmbedField{Name: "Per day", Value: joinLines(perDay[max(0, len(perDay)-20):], maxFieldValue)})
	}
	return message{embeds: []*discordgo.MessageEmbed{em}}
}

// suggestionsMessage lists the open suggestions, the first few with Accept / Reject
// buttons.
func suggestionsMessage(ss []bot.PhrasingSuggestion) message {
	ss = slices.DeleteFunc(slices.Clone(ss), func(s bot.PhrasingSuggestion) bool { return s.Status != "" && s.Status != "open" })
	if len(ss) == 0 {
		return textMessage("No phrasing suggestions are waiting.")
	}
	var lines []string
	var rows []discordgo.MessageComponent
	for _, s := range ss {
		id := strconv.FormatInt(s.ID, 10)
		reason := map[string]string{"chose-suggestion": "people picked this entry after asking", "matches-after-edit": "matches this entry since an edit"}[s.Reason]
		if reason == "" {
			reason = s.Reason
		}
		lines = append(lines, fmt.Sprintf("**#%s** “%s” → `%s` (%s, %s)", id, oneLine(s.Question), s.EntryID, plural(s.Count, "time"), reason))
		yes, no := customID(kindModerator, modAccept+":"+id), customID(kindModerator, modReject+":"+id)
		if len(rows) < maxSuggestionRows && yes != "" && no != "" {
			rows = append(rows, discordgo.ActionsRow{Components: []discordgo.MessageComponent{
				discordgo.Button{Label: "Accept #" + id, Style: discordgo.SuccessButton, CustomID: yes},
				discordgo.Button{Label: "Reject #" + id, Style: discordgo.DangerButton, CustomID: no},
			}})
		}
	}
	footer := "Accepting adds the phrasing to the entry's alternates."
	if len(ss) > len(rows) {
		footer = fmt.Sprintf("Buttons for the first %d of %d; resolve them to see the next. %s", len(rows), len(ss), footer)
	}
	return message{
		embeds: []*discordgo.MessageEmbed{{
			Type: discordgo.EmbedTypeRich, Color: colorAnswer, Title: "Suggested phrasings",
			Description: joinLines(lines, maxDescription), Footer: &discordgo.MessageEmbedFooter{Text: footer},
		}},
		components: rows,
	}
}

// resolve accepts or rejects a suggestion and shows the list as it is now.
func (a *Adapter) resolve(ctx context.Context, who bot.Identity, id int64, accept bool) message {
	if a.reports == nil {
		return textMessage(noReportsText)
	}
	var status string
	if accept {
		if err := bot.AcceptSuggestion(ctx, a.mod, a.reports, who, id); err != nil {
			a.log.WarnContext(ctx, "accepting a suggestion failed", "suggestion", id, "err", a.red.Err(err))
			status = fmt.Sprintf("Suggestion #%d was not accepted. %s", id, bot.DescribeError(err))
		} else {
			status = fmt.Sprintf("Accepted suggestion #%d: it is now an alternate of its entry.", id)
		}
	} else {
		if _, err := a.reports.ResolveSuggestion(ctx, id, false); err != nil {
			a.log.WarnContext(ctx, "rejecting a suggestion failed", "suggestion", id, "err", a.red.Err(err))
			status = fmt.Sprintf("Suggestion #%d could not be rejected just now; please try again.", id)
		} else {
			status = fmt.Sprintf("Rejected suggestion #%d.", id)
		}
	}
	return a.report(ctx, "suggestions", 0, status)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
