package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/sqlitelog"
	"github.com/smpbot/smpbot/knowledge"
)

// report runs `smpbot report unanswered|stats|suggestions`: what moderators should look
// at in the question log, and accepting or rejecting phrasing suggestions.
func (e *env) report(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: report needs unanswered, stats or suggestions", errUsage)
	}
	cmd := args[0]
	switch cmd {
	case "unanswered", "stats", "suggestions":
	default:
		return fmt.Errorf("%w: unknown report %q (unanswered, stats, suggestions)", errUsage, cmd)
	}
	fs := e.flags("report " + cmd)
	data := dataFlag(fs)
	asJSON := fs.Bool("json", false, "write JSON")
	defDays, daysHelp := 7, "days to report on, today included"
	if cmd == "suggestions" {
		defDays, daysHelp = 30, "days of unanswered questions to try again with the current FAQ"
	}
	days := fs.Int("days", defDays, daysHelp)
	var accept, reject *int64
	if cmd == "suggestions" {
		accept = fs.Int64("accept", 0, "accept suggestion ID: add its phrasing to the entry")
		reject = fs.Int64("reject", 0, "reject suggestion ID")
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: report %s takes no arguments, got %q", errUsage, cmd, fs.Args())
	}
	if *data == "" {
		return fmt.Errorf("%w: report %s needs --data DIR (or SMPBOT_DATA)", errUsage, cmd)
	}
	if *days < 1 {
		return fmt.Errorf("%w: --days must be at least 1", errUsage)
	}
	if accept != nil && *accept != 0 && *reject != 0 {
		return fmt.Errorf("%w: --accept or --reject, not both", errUsage)
	}
	l, err := e.openLog(ctx, *data, logOptions{rescanDays: *days})
	if err != nil {
		return err
	}
	defer l.Close()
	switch cmd {
	case "unanswered":
		return e.reportUnanswered(ctx, l, *days, *asJSON)
	case "stats":
		return e.reportStats(ctx, l, *days, *asJSON)
	}
	if *accept != 0 || *reject != 0 {
		return e.resolveSuggestion(ctx, l, *data, *accept, *reject, *asJSON)
	}
	return e.reportSuggestions(ctx, l, *data, *asJSON)
}

// openLog opens the question log of the data directory, which must exist already (a
// report on a mistyped directory should fail, not show an empty log), or the database
// of SMPBOT_DATABASE_URL.
func (e *env) openLog(ctx context.Context, data string, o logOptions) (questionLog, error) {
	o.mustExist = true
	return e.openQuestionLogIn(ctx, os.Getenv, data, o)
}

type unansweredJSON struct {
	Days   int         `json:"days"`
	Groups []groupJSON `json:"groups"`
}

type groupJSON struct {
	Question  string    `json:"question"`
	Count     int       `json:"count"`
	Examples  []string  `json:"examples"`
	Closest   string    `json:"closest"`
	LastAsked time.Time `json:"last_asked"`
}

func (e *env) reportUnanswered(ctx context.Context, l questionLog, days int, asJSON bool) error {
	groups, err := l.Unanswered(ctx, days)
	if err != nil {
		return err
	}
	if asJSON {
		out := unansweredJSON{Days: days, Groups: []groupJSON{}}
		for _, g := range groups {
			out.Groups = append(out.Groups, groupJSON{g.Question, g.Count, nonNil(g.Examples), g.Closest, g.LastAsked.UTC()})
		}
		return writeJSON(e.stdout, out)
	}
	total := 0
	for _, g := range groups {
		total += g.Count
	}
	w := e.stdout
	if len(groups) == 0 {
		fmt.Fprintf(w, "No unanswered questions in the last %s.\n", plural(days, "day"))
		return nil
	}
	fmt.Fprintf(w, "Unanswered questions, last %s: %s in %s, most asked first.\n\n", plural(days, "day"), plural(total, "question"), plural(len(groups), "group"))
	for _, g := range groups {
		fmt.Fprintf(w, "%4dx  %s\n", g.Count, g.Question)
		for _, ex := range g.Examples {
			fmt.Fprintf(w, "       also: %s\n", ex)
		}
		closest := "none"
		if g.Closest != "" {
			closest = g.Closest
		}
		fmt.Fprintf(w, "       closest entry: %s; last asked %s\n", closest, g.LastAsked.UTC().Format(time.DateOnly))
	}
	return nil
}

type statsJSON struct {
	Days       int             `json:"days"`
	Asked      int             `json:"asked"`
	Answered   int             `json:"answered"`
	AnswerRate float64         `json:"answer_rate"`
	Lost       int64           `json:"lost"`
	Urgent     int             `json:"urgent"`
	PerDay     []dayJSON       `json:"per_day"`
	TopEntries []entryStatJSON `json:"top_entries"`
	NotHelpful []entryStatJSON `json:"not_helpful"`
}

type dayJSON struct {
	Day      string `json:"day"`
	Platform string `json:"platform"`
	Count    int    `json:"count"`
}

type entryStatJSON struct {
	EntryID      string   `json:"entry_id"`
	Answers      int      `json:"answers"`
	Helpful      int      `json:"helpful"`
	NotHelpful   int      `json:"not_helpful"`
	HelpfulRatio *float64 `json:"helpful_ratio"` // null without feedback
}

func entryJSON(s bot.EntryStats) entryStatJSON {
	out := entryStatJSON{EntryID: s.EntryID, Answers: s.Answers, Helpful: s.Helpful, NotHelpful: s.NotHelpful}
	if n := s.Helpful + s.NotHelpful; n > 0 {
		r := round(float64(s.Helpful) / float64(n))
		out.HelpfulRatio = &r
	}
	return out
}

// topEntries is how many entries the text stats list.
const topEntries = 10

func (e *env) reportStats(ctx context.Context, l questionLog, days int, asJSON bool) error {
	st, err := l.Stats(ctx, days)
	if err != nil {
		return err
	}
	rate := 0.0
	if st.Asked > 0 {
		rate = float64(st.Answered) / float64(st.Asked)
	}
	if asJSON {
		out := statsJSON{Days: st.Days, Asked: st.Asked, Answered: st.Answered, AnswerRate: round(rate), Lost: st.Lost, Urgent: st.Urgent,
			PerDay: []dayJSON{}, TopEntries: []entryStatJSON{}, NotHelpful: []entryStatJSON{}}
		for _, d := range st.PerDay {
			out.PerDay = append(out.PerDay, dayJSON(d))
		}
		for _, s := range st.TopEntries {
			out.TopEntries = append(out.TopEntries, entryJSON(s))
		}
		for _, s := range st.NotHelpful {
			out.NotHelpful = append(out.NotHelpful, entryJSON(s))
		}
		return writeJSON(e.stdout, out)
	}
	w := e.stdout
	fmt.Fprintf(w, "Last %s: %s, %d answered (%.0f%%).\n", plural(st.Days, "day"), plural(st.Asked, "question"), st.Answered, rate*100)
	if st.Urgent > 0 {
		fmt.Fprintf(w, "%s flagged urgent (answered with the see-a-doctor notice first).\n", plural(st.Urgent, "message"))
	}
	if st.Lost > 0 {
		fmt.Fprintf(w, "%s could not be stored (question log unavailable).\n", plural(int(st.Lost), "record"))
	}
	if len(st.PerDay) > 0 {
		fmt.Fprintln(w, "\nQuestions per day:")
		for i := 0; i < len(st.PerDay); {
			d := st.PerDay[i].Day
			var parts []string
			for ; i < len(st.PerDay) && st.PerDay[i].Day == d; i++ {
				parts = append(parts, fmt.Sprintf("%s %d", st.PerDay[i].Platform, st.PerDay[i].Count))
			}
			fmt.Fprintf(w, "  %s  %s\n", d, strings.Join(parts, ", "))
		}
	}
	list := func(title string, es []bot.EntryStats, max int) {
		if len(es) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s (answers; helpful / not helpful):\n", title)
		for i, s := range es {
			if i == max {
				fmt.Fprintf(w, "  ... and %d more (--json lists all)\n", len(es)-max)
				break
			}
			ratio := ""
			if n := s.Helpful + s.NotHelpful; n > 0 {
				ratio = fmt.Sprintf("  %.0f%% helpful", 100*float64(s.Helpful)/float64(n))
			}
			fmt.Fprintf(w, "  %-28s %4d; %d / %d%s\n", s.EntryID, s.Answers, s.Helpful, s.NotHelpful, ratio)
		}
	}
	list("Top entries", st.TopEntries, topEntries)
	list("Often not helpful", st.NotHelpful, len(st.NotHelpful))
	return nil
}

type suggestionsJSON struct {
	New         int              `json:"new"` // found by trying unanswered questions again
	Suggestions []suggestionJSON `json:"suggestions"`
}

type suggestionJSON struct {
	ID       int64  `json:"id"`
	EntryID  string `json:"entry_id"`
	Question string `json:"question"`
	Reason   string `json:"reason"`
	Count    int    `json:"count"`
	Status   string `json:"status"`
}

// reportSuggestions first tries the recent unanswered questions with the data
// directory's FAQ as it is now, so that those a moderator's edit made answerable are
// proposed too, then lists the open suggestions.
func (e *env) reportSuggestions(ctx context.Context, l questionLog, data string, asJSON bool) error {
	added := 0
	if st, err := os.Stat(filepath.Join(data, knowledge.FAQDir)); err == nil && st.IsDir() || os.Getenv("SMPBOT_DATABASE_URL") != "" {
		fb, err := e.openFAQ(ctx, os.Getenv, data, nil)
		if err != nil {
			return err
		}
		added, err = l.Rescan(ctx, bot.EntryMatcher(fb.h))
		fb.Close()
		if err != nil {
			return err
		}
	}
	open, err := l.Suggestions(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		out := suggestionsJSON{New: added, Suggestions: []suggestionJSON{}}
		for _, s := range open {
			out.Suggestions = append(out.Suggestions, suggestionJSON(s))
		}
		return writeJSON(e.stdout, out)
	}
	w := e.stdout
	if len(open) == 0 {
		fmt.Fprintln(w, "No open phrasing suggestions.")
		return nil
	}
	fmt.Fprintf(w, "Open phrasing suggestions (%d new). Accept one with --accept ID, reject with --reject ID.\n\n", added)
	for _, s := range open {
		fmt.Fprintf(w, "%6d  %q\n        as a phrasing of %s; asked %s; %s\n", s.ID, s.Question, s.EntryID, plural(s.Count, "time"), describeReason(s.Reason))
	}
	return nil
}

func describeReason(reason string) string {
	switch reason {
	case "chose-suggestion":
		return "someone chose this entry when the bot was unsure"
	case "matches-after-edit":
		return "the FAQ answers it since an edit"
	}
	return reason
}

// resolveSuggestion accepts (through the FAQ store: validated and audited as a
// moderator edit by the user running the command) or rejects a suggestion.
func (e *env) resolveSuggestion(ctx context.Context, l questionLog, data string, accept, reject int64, asJSON bool) error {
	store, err := e.openStore(ctx, os.Getenv, data, storeOptions{})
	if err != nil {
		return err
	}
	defer closeStore(store)
	mod := bot.NewModeration(store, bot.Moderators{}, e.log)
	who := cliIdentity()
	id, verb := accept, "accepted"
	if accept != 0 {
		err = bot.AcceptSuggestion(ctx, mod, l, who, id)
	} else {
		id, verb = reject, "rejected"
		err = bot.RejectSuggestion(ctx, mod, l, who, id)
	}
	if err != nil {
		if errors.Is(err, bot.ErrNoSuggestion) {
			return fmt.Errorf("%w (see smpbot report suggestions)", err)
		}
		return err
	}
	if asJSON {
		return writeJSON(e.stdout, map[string]any{"id": id, "status": verb})
	}
	fmt.Fprintf(e.stdout, "Suggestion %d %s.\n", id, verb)
	return nil
}

// data runs `smpbot data purge`: delete what the question log holds on one person, or
// the question texts older than some days.
func (e *env) data(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "rotate-key" {
		return e.rotateKey(ctx, args[1:])
	}
	if len(args) == 0 || args[0] != "purge" {
		return fmt.Errorf("%w: data needs a subcommand: purge --user PLATFORM:ID | --older-than DAYS, or rotate-key", errUsage)
	}
	fs := e.flags("data purge")
	data := dataFlag(fs)
	who := fs.String("user", "", "delete everything held on this person: PLATFORM:ID, e.g. telegram:12345")
	olderThan := fs.Int("older-than", 0, "delete question texts older than DAYS days")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: data purge takes no arguments, got %q", errUsage, fs.Args())
	}
	if *data == "" {
		return fmt.Errorf("%w: data purge needs --data DIR (or SMPBOT_DATA)", errUsage)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["user"] && !set["older-than"] {
		return fmt.Errorf("%w: data purge needs --user PLATFORM:ID or --older-than DAYS", errUsage)
	}
	var platform, user string
	if set["user"] {
		var err error
		if platform, user, err = parseUser(*who); err != nil {
			return err
		}
	}
	if set["older-than"] && *olderThan < 1 {
		return fmt.Errorf("%w: --older-than must be at least 1 day", errUsage)
	}
	if _, err := os.Stat(filepath.Join(*data, sqlitelog.FileName)); errors.Is(err, os.ErrNotExist) && os.Getenv("SMPBOT_DATABASE_URL") == "" {
		fmt.Fprintf(e.stdout, "No question log in %s: nothing to delete.\n", *data)
		return nil
	}
	l, err := e.openLog(ctx, *data, logOptions{})
	if err != nil {
		return err
	}
	defer l.Close()
	if set["user"] {
		n, err := l.PurgeUser(ctx, platform, user)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Deleted %s of %s:%s, their feedback and the suggestions made only from them.\n", plural(int(n), "question"), platform, user)
		if n == 0 {
			fmt.Fprintf(e.stdout, "(Nothing was linked to %s:%s: no questions since the retention or the last key rotation unlinked the older ones.)\n", platform, user)
		}
	}
	if set["older-than"] {
		n, err := l.Purge(ctx, time.Now().AddDate(0, 0, -*olderThan))
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Deleted the texts of %s older than %s.\n", plural(int(n), "question"), plural(*olderThan, "day"))
	}
	return nil
}

// platformsWithUsers are the platforms whose users the question log records; a
// purge naming another would silently delete nothing.
var platformsWithUsers = []string{"discord", "telegram", "console"}

// parseUser reads PLATFORM:ID as a person would type it: spaces around either part
// and the platform's case do not matter, and an id the platform could not have (a
// Telegram or Discord id is a number) is refused rather than purging nothing.
func parseUser(s string) (platform, user string, err error) {
	platform, user, ok := strings.Cut(s, ":")
	platform, user = strings.ToLower(strings.TrimSpace(platform)), strings.TrimSpace(user)
	if !ok || user == "" {
		return "", "", fmt.Errorf("%w: --user takes PLATFORM:ID, e.g. telegram:12345; got %q", errUsage, s)
	}
	if !slices.Contains(platformsWithUsers, platform) {
		return "", "", fmt.Errorf("%w: unknown platform %q in --user (one of %s)", errUsage, platform, strings.Join(platformsWithUsers, ", "))
	}
	if platform == "telegram" || platform == "discord" {
		if strings.TrimFunc(user, func(r rune) bool { return r >= '0' && r <= '9' }) != "" {
			return "", "", fmt.Errorf("%w: a %s user id is a number (the person's id, not their name); got %q", errUsage, platform, user)
		}
	}
	return platform, user, nil
}

// rotateKey runs `smpbot data rotate-key`: a new key for hashing user ids, after every
// row of the question log is unlinked from its person.
func (e *env) rotateKey(ctx context.Context, args []string) error {
	fs := e.flags("data rotate-key")
	data := dataFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: data rotate-key takes no arguments, got %q", errUsage, fs.Args())
	}
	if *data == "" {
		return fmt.Errorf("%w: data rotate-key needs --data DIR (or SMPBOT_DATA)", errUsage)
	}
	l, err := e.openLog(ctx, *data, logOptions{})
	if err != nil {
		return err
	}
	defer l.Close()
	n, err := l.RotateKey(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "New user key written; %s unlinked from the people they came from (question texts stay until their retention ends).\n", plural(int(n), "row"))
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
