package telegram

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/smpbot/smpbot/bot"
)

// Report periods, in days.
const (
	defaultReportDays = 7
	maxReportDays     = 366
	// maxUnanswered and maxSuggestions bound what one command lists.
	maxUnanswered  = 25
	maxSuggestions = 20
	maxTopEntries  = 10
)

const noReports = "Reports need the question log, which is not enabled on this bot."

// reportDays reads the optional [days] argument.
func reportDays(arg string) (int, bool) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return defaultReportDays, true
	}
	n, err := strconv.Atoi(arg)
	if err != nil || n < 1 || n > maxReportDays {
		return 0, false
	}
	return n, true
}

func dayWord(n int) string {
	if n == 1 {
		return "day"
	}
	return strconv.Itoa(n) + " days"
}

func (a *Adapter) cmdUnanswered(ctx context.Context, _ bot.Handler, ev event) error {
	if a.reports == nil {
		return a.text(ctx, ev, noReports)
	}
	days, ok := reportDays(ev.text)
	if !ok {
		return a.text(ctx, ev, fmt.Sprintf("Use it like this: /faq_unanswered 7 (the last 1 to %d days).", maxReportDays))
	}
	groups, err := a.reports.Unanswered(ctx, days)
	if err != nil {
		return a.reportFailed(ctx, ev, "unanswered", err)
	}
	if len(groups) == 0 {
		return a.text(ctx, ev, fmt.Sprintf("Every question of the last %s was answered.", dayWord(days)))
	}
	bs := []block{{{fmt.Sprintf("Questions I could not answer well in the last %s, most asked first:", dayWord(days)), bold}}}
	for i, g := range groups {
		if i == maxUnanswered {
			bs = append(bs, block{{fmt.Sprintf("…and %d more.", len(groups)-maxUnanswered), italic}})
			break
		}
		b := block{{fmt.Sprintf("%d× %s", g.Count, g.Question), plain}}
		if len(g.Examples) > 0 {
			b = append(b, line{"also: " + strings.Join(g.Examples, " / "), italic})
		}
		if g.Closest != "" {
			b = append(b, line{"closest entry: " + g.Closest, italic})
		}
		bs = append(bs, b)
	}
	return a.reply(ctx, ev, packMessages(bs, nil))
}

func (a *Adapter) cmdStats(ctx context.Context, _ bot.Handler, ev event) error {
	if a.reports == nil {
		return a.text(ctx, ev, noReports)
	}
	days, ok := reportDays(ev.text)
	if !ok {
		return a.text(ctx, ev, fmt.Sprintf("Use it like this: /faq_stats 7 (the last 1 to %d days).", maxReportDays))
	}
	st, err := a.reports.Stats(ctx, days)
	if err != nil {
		return a.reportFailed(ctx, ev, "stats", err)
	}
	return a.reply(ctx, ev, packMessages(statsBlocks(st, days), nil))
}

func statsBlocks(st bot.Stats, days int) []block {
	head := block{{fmt.Sprintf("The last %s", dayWord(days)), bold}}
	pct := 0
	if st.Asked > 0 {
		pct = st.Answered * 100 / st.Asked
	}
	head = append(head, line{fmt.Sprintf("%d questions, %d answered from the FAQ (%d%%).", st.Asked, st.Answered, pct), plain})
	per := map[string]int{}
	for _, d := range st.PerDay {
		per[d.Platform] += d.Count
	}
	platforms := make([]string, 0, len(per))
	for p := range per {
		platforms = append(platforms, p)
	}
	slices.Sort(platforms)
	var parts []string
	for _, p := range platforms {
		parts = append(parts, fmt.Sprintf("%s %d", p, per[p]))
	}
	if len(parts) > 0 {
		head = append(head, line{"By platform: " + strings.Join(parts, ", ") + ".", plain})
	}
	if st.Lost > 0 {
		head = append(head, line{fmt.Sprintf("%d records could not be stored (the log was unavailable).", st.Lost), italic})
	}
	bs := []block{head}
	entryList := func(title string, es []bot.EntryStats) {
		if len(es) == 0 {
			return
		}
		b := block{{title, bold}}
		for i, e := range es {
			if i == maxTopEntries {
				break
			}
			b = append(b, line{fmt.Sprintf("%s: %d answers, %d helpful, %d not helpful", e.EntryID, e.Answers, e.Helpful, e.NotHelpful), plain})
		}
		bs = append(bs, b)
	}
	entryList("Most answered:", st.TopEntries)
	entryList("Marked not helpful at least as often as helpful:", st.NotHelpful)
	return bs
}

func (a *Adapter) cmdSuggestions(ctx context.Context, _ bot.Handler, ev event) error {
	if a.reports == nil {
		return a.text(ctx, ev, noReports)
	}
	sugs, err := a.reports.Suggestions(ctx)
	if err != nil {
		return a.reportFailed(ctx, ev, "suggestions", err)
	}
	if len(sugs) == 0 {
		return a.text(ctx, ev, "There are no open suggestions.")
	}
	head := fmt.Sprintf("%d suggested new wordings. Accept adds the wording to the entry's alternates; Reject drops it.", len(sugs))
	if len(sugs) > maxSuggestions {
		head += fmt.Sprintf(" Here are the first %d.", maxSuggestions)
	}
	msgs := []message{{text: plain(head)}}
	for _, s := range sugs[:min(len(sugs), maxSuggestions)] {
		msgs = append(msgs, message{text: suggestionText(s, ""), keyboard: suggestionKeyboard(s.ID)})
	}
	return a.reply(ctx, ev, msgs)
}

// suggestionText shows a suggestion and, once decided, the decision.
func suggestionText(s bot.PhrasingSuggestion, decided string) string {
	why := "people chose this entry from my suggestions"
	if s.Reason == "matches-after-edit" {
		why = "it matches this entry since an edit"
	}
	t := fmt.Sprintf("“%s”\nas a wording of %s (asked %d×; %s)", s.Question, s.EntryID, s.Count, why)
	if decided != "" {
		t += "\n\n" + decided
	}
	return plain(clip(t, 3500))
}

func suggestionKeyboard(id int64) *tgbotapi.InlineKeyboardMarkup {
	n := strconv.FormatInt(id, 10)
	return &tgbotapi.InlineKeyboardMarkup{InlineKeyboard: [][]tgbotapi.InlineKeyboardButton{{
		tgbotapi.NewInlineKeyboardButtonData("✅ Accept", cbModerator+"sa:"+n),
		tgbotapi.NewInlineKeyboardButtonData("✖️ Reject", cbModerator+"sr:"+n),
	}}}
}

func (a *Adapter) reportFailed(ctx context.Context, ev event, what string, err error) error {
	if ctx.Err() != nil {
		return err
	}
	a.log.WarnContext(ctx, "a report failed", "report", what, "err", err)
	return a.text(ctx, ev, "Sorry, I couldn't read the question log just now. Please try again later.")
}

// cbSuggestion accepts or rejects a suggested wording. The press is acknowledged
// first: accepting saves the entry and retrains the index, which under load can take
// longer than Telegram keeps a press answerable (about 15 s, then the acknowledgement
// is refused and the moderator's client spins). The outcome follows in place of the
// buttons, or in a message when it is a refusal or the edit fails.
func (a *Adapter) cbSuggestion(ctx context.Context, ev event, who bot.Identity, accept bool, arg string) error {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || a.reports == nil {
		return a.ack(ctx, ev, staleButton, false)
	}
	toast := "Rejecting…"
	if accept {
		toast = "Saving…"
	}
	if err := a.ack(ctx, ev, toast, false); err != nil {
		return err
	}
	s, found, err := a.openSuggestion(ctx, id)
	switch {
	case err != nil:
	case !found:
		return a.text(ctx, ev, alreadyDecided)
	case accept:
		err = bot.AcceptSuggestion(ctx, a.mod, a.reports, who, id)
	default:
		_, err = a.reports.ResolveSuggestion(ctx, id, false)
	}
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		a.log.InfoContext(ctx, "suggestion not resolved", "suggestion", id, "accept", accept, "err", err)
		// The buttons stay, so the moderator can try again.
		return a.text(ctx, ev, bot.DescribeError(err))
	}
	done := "Rejected."
	if accept {
		done = fmt.Sprintf("Accepted: it is now a wording of %s.", s.EntryID)
	}
	if ev.callback.Message == nil || ev.chatID == 0 {
		return nil
	}
	edit := tgbotapi.NewEditMessageText(ev.chatID, ev.callback.Message.MessageID, suggestionText(s, done))
	edit.ParseMode = tgbotapi.ModeHTML
	if _, err := a.send(ctx, edit.ChatID, "editMessageText", edit, false); err != nil {
		if ctx.Err() != nil {
			return err
		}
		// The message may be too old to edit; the decision is made, so say it anew.
		a.log.InfoContext(ctx, "could not mark a suggestion decided", "err", err)
		return a.text(ctx, ev, fmt.Sprintf("“%s”: %s", s.Question, done))
	}
	return nil
}

// openSuggestion finds an open suggestion by id.
func (a *Adapter) openSuggestion(ctx context.Context, id int64) (bot.PhrasingSuggestion, bool, error) {
	sugs, err := a.reports.Suggestions(ctx)
	if err != nil {
		return bot.PhrasingSuggestion{}, false, err
	}
	for _, s := range sugs {
		if s.ID == id {
			return s, true, nil
		}
	}
	return bot.PhrasingSuggestion{}, false, nil
}
