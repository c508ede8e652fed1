package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/sqlitelog"
	"github.com/smpbot/smpbot/index"
	"github.com/smpbot/smpbot/knowledge"
	"github.com/smpbot/smpbot/knowledge/storetest"
)

// botOn is the bot answering from the data directory data and recording in its question
// log, as `smpbot run` wires it. Closing it writes the log and releases it.
type botOn struct {
	t   *testing.T
	rec *bot.Recorder
	log *sqlitelog.Log
	idx *index.Index
}

func newBotOn(t *testing.T, data string) *botOn {
	t.Helper()
	store, err := knowledge.OpenStore(data)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := index.New(store.Entries())
	if err != nil {
		t.Fatal(err)
	}
	l, err := sqlitelog.Open(context.Background(), filepath.Join(data, sqlitelog.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return &botOn{t: t, rec: bot.NewRecorder(bot.NewFAQ(idx), l), log: l, idx: idx}
}

func (b *botOn) ask(q bot.Question) bot.Reply {
	b.t.Helper()
	r, err := b.rec.Answer(context.Background(), q)
	if err != nil {
		b.t.Fatal(err)
	}
	return r
}

func (b *botOn) close() {
	b.t.Helper()
	if err := b.rec.Close(context.Background()); err != nil {
		b.t.Fatal(err)
	}
	b.log.Close()
	b.idx.Close()
}

func decode[T any](t *testing.T, out string) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%v in\n%s", err, out)
	}
	return v
}

// TestReportLoop: questions asked on the platforms show up in the reports, and a
// suggestion accepted on the command line makes the bot answer the question.
func TestReportLoop(t *testing.T) {
	data := t.TempDir()
	b := newBotOn(t, data)
	const q = "can I bleach my hair after"
	first := b.ask(bot.Question{Text: q, Platform: "telegram", User: "111", Chat: "1"})
	if first.Kind != bot.KindNoMatch {
		t.Fatalf("%q: %s, the test needs a decline", q, first.Kind)
	}
	b.ask(bot.Question{Text: "Can I bleach my hair after?", Platform: "discord", User: "222", Chat: "2"})
	b.ask(bot.Question{EntryID: "aftercare", FromAnswer: first.ID, Platform: "telegram", User: "111", Chat: "1"})
	cost := b.ask(bot.Question{Text: "How much does laser SMP removal cost?", Platform: "discord", User: "333", Chat: "3"})
	b.ask(bot.Question{Text: "hello", Platform: "discord", User: "333", Chat: "3"})
	for _, f := range []bot.Feedback{
		{AnswerID: cost.ID, Platform: "discord", User: "333", Helpful: false},
		{AnswerID: cost.ID, Platform: "discord", User: "444", Helpful: false},
		{AnswerID: cost.ID, Platform: "discord", User: "555", Helpful: true},
	} {
		if err := b.rec.RecordFeedback(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	}
	b.close()

	code, out, errs := runCLI(t, "", "report", "unanswered", "--data", data)
	if code != 0 || !strings.Contains(out, "   2x  Can I bleach my hair after?\n") {
		t.Errorf("report unanswered: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, "", "report", "unanswered", "--json", "--days", "3", "--data", data)
	un := decode[unansweredJSON](t, out)
	if code != 0 || un.Days != 3 || len(un.Groups) != 1 || un.Groups[0].Count != 2 || un.Groups[0].Closest == "" {
		t.Errorf("report unanswered --json: exit %d %+v\n%s", code, un, errs)
	}

	code, out, errs = runCLI(t, "", "report", "stats", "--json", "--data", data)
	st := decode[statsJSON](t, out)
	today := time.Now().UTC().Format(time.DateOnly)
	if code != 0 || st.Days != 7 || st.Asked != 3 || st.Answered != 1 || st.AnswerRate != 0.333 || st.Lost != 0 {
		t.Errorf("report stats --json: exit %d %+v\n%s", code, st, errs)
	}
	if want := []dayJSON{{today, "discord", 2}, {today, "telegram", 1}}; fmt.Sprint(st.PerDay) != fmt.Sprint(want) {
		t.Errorf("per day %v, want %v", st.PerDay, want)
	}
	if len(st.NotHelpful) != 1 || st.NotHelpful[0].EntryID != "cost" || st.NotHelpful[0].NotHelpful != 2 || *st.NotHelpful[0].HelpfulRatio != 0.333 {
		t.Errorf("not helpful %+v, want cost with 1 of 3 helpful", st.NotHelpful)
	}
	code, out, _ = runCLI(t, "", "report", "stats", "--data", data)
	for _, want := range []string{"Last 7 days: 3 questions, 1 answered (33%).", today + "  discord 2, telegram 1", "Often not helpful", "cost", "33% helpful"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("report stats lacks %q:\n%s", want, out)
		}
	}

	code, out, errs = runCLI(t, "", "report", "suggestions", "--json", "--data", data)
	sg := decode[suggestionsJSON](t, out)
	if code != 0 || len(sg.Suggestions) != 1 || sg.Suggestions[0].EntryID != "aftercare" || sg.Suggestions[0].Question != q || sg.Suggestions[0].Count != 2 {
		t.Fatalf("report suggestions --json: exit %d %+v\n%s", code, sg, errs)
	}
	id := fmt.Sprint(sg.Suggestions[0].ID)
	code, out, _ = runCLI(t, "", "report", "suggestions", "--data", data)
	if code != 0 || !strings.Contains(out, id+"  \""+q+"\"") || !strings.Contains(out, "phrasing of aftercare; asked 2 times") {
		t.Errorf("report suggestions:\n%s", out)
	}
	code, out, errs = runCLI(t, "", "report", "suggestions", "--accept", id, "--data", data)
	if code != 0 || out != "Suggestion "+id+" accepted.\n" {
		t.Fatalf("accept: exit %d\n%s%s", code, out, errs)
	}
	file, err := os.ReadFile(filepath.Join(data, knowledge.FAQDir, "aftercare"+knowledge.Ext))
	if err != nil || !strings.Contains(string(file), "  - "+q+"\n") {
		t.Errorf("aftercare file after accepting:\n%s %v", file, err)
	}
	audit, err := os.ReadFile(filepath.Join(data, knowledge.AuditFile))
	if err != nil || !strings.Contains(string(audit), `"platform":"cli"`) || !strings.Contains(string(audit), `"id":"aftercare"`) {
		t.Errorf("audit log after accepting:\n%s %v", audit, err)
	}
	code, out, errs = runCLI(t, "", "ask", "--json", "--data", data, q)
	if code != 0 || !strings.Contains(out, `"kind":"answer","entry_id":"aftercare"`) {
		t.Errorf("ask after accepting: exit %d\n%s%s", code, out, errs)
	}
	code, _, errs = runCLI(t, "", "report", "suggestions", "--accept", id, "--data", data)
	if code != 1 || !strings.Contains(errs, "no open suggestion") {
		t.Errorf("accepting twice: exit %d\n%s", code, errs)
	}
	code, out, _ = runCLI(t, "", "report", "suggestions", "--data", data)
	if code != 0 || out != "No open phrasing suggestions.\n" {
		t.Errorf("after accepting: exit %d\n%s", code, out)
	}
}

// TestReportSuggestionsRescans: a question declined before a moderator's edit is
// proposed once the edited FAQ answers it.
func TestReportSuggestionsRescans(t *testing.T) {
	data := t.TempDir()
	b := newBotOn(t, data)
	const q = "is hair dye ok after the laser"
	if r := b.ask(bot.Question{Text: q, Platform: "telegram", User: "1"}); r.Kind != bot.KindNoMatch {
		t.Fatalf("%q: %s, the test needs a decline", q, r.Kind)
	}
	b.close()
	if code, out, _ := runCLI(t, "", "report", "suggestions", "--json", "--data", data); code != 0 || decode[suggestionsJSON](t, out).New != 0 {
		t.Fatalf("before the edit: exit %d\n%s", code, out)
	}
	store, err := knowledge.OpenStore(data)
	if err != nil {
		t.Fatal(err)
	}
	e, v, err := store.Get("aftercare")
	if err != nil {
		t.Fatal(err)
	}
	e.Alternates = append(e.Alternates, "can i dye my hair after laser removal")
	if _, err := store.Put(context.Background(), e, v, knowledge.Actor{Platform: "cli", User: "mod"}); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "report", "suggestions", "--json", "--data", data)
	sg := decode[suggestionsJSON](t, out)
	if code != 0 || sg.New != 1 || len(sg.Suggestions) != 1 || sg.Suggestions[0].Question != q || sg.Suggestions[0].Reason != "matches-after-edit" {
		t.Fatalf("after the edit: exit %d %+v\n%s", code, sg, errs)
	}
	id := fmt.Sprint(sg.Suggestions[0].ID)
	if code, out, errs := runCLI(t, "", "report", "suggestions", "--reject", id, "--json", "--data", data); code != 0 || out != `{
  "id": `+id+`,
  "status": "rejected"
}
` {
		t.Errorf("reject: exit %d\n%s%s", code, out, errs)
	}
	if code, out, _ := runCLI(t, "", "report", "suggestions", "--json", "--data", data); code != 0 || len(decode[suggestionsJSON](t, out).Suggestions) != 0 {
		t.Errorf("after rejecting: exit %d\n%s", code, out)
	}
}

func TestDataPurge(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	if code, out, errs := runCLI(t, "", "data", "purge", "--user", "telegram:1", "--data", data); code != 0 || out != "No question log in "+data+": nothing to delete.\n" {
		t.Errorf("purge without a log: exit %d\n%s%s", code, out, errs)
	}
	l, err := sqlitelog.Open(ctx, filepath.Join(data, sqlitelog.FileName))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, a := range []bot.Asked{
		{Platform: "telegram", User: "1", Question: "first question of one", Time: now},
		{Platform: "telegram", User: "1", Question: "second question of one", Time: now.AddDate(0, 0, -10)},
		{Platform: "discord", User: "1", Question: "same id on discord", Time: now},
		{Platform: "telegram", User: "2", Question: "old question of two", Time: now.AddDate(0, 0, -10)},
		{Platform: "telegram", User: "2", Question: "new question of two", Time: now},
	} {
		a.ID, a.Kind = fmt.Sprint("q", i), bot.KindNoMatch
		if err := l.Record(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	t.Setenv("SMPBOT_DATA", data) // --data defaults to it
	code, out, errs := runCLI(t, "", "data", "purge", "--user", "telegram:1")
	if code != 0 || out != "Deleted 2 questions of telegram:1, their feedback and the suggestions made only from them.\n" {
		t.Errorf("purge --user: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, "", "data", "purge", "--older-than", "5")
	if code != 0 || out != "Deleted the texts of 1 question older than 5 days.\n" {
		t.Errorf("purge --older-than: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = runCLI(t, "", "report", "unanswered", "--json", "--days", "30")
	var left []string
	for _, g := range decode[unansweredJSON](t, out).Groups {
		left = append(left, g.Question)
		left = append(left, g.Examples...)
	}
	if want := "[new question of two same id on discord]"; code != 0 || fmt.Sprint(slices.Sorted(slices.Values(left))) != want {
		t.Errorf("questions left %v, want %s", left, want)
	}
}

func TestReportAndDataUsage(t *testing.T) {
	data := t.TempDir()
	t.Setenv("SMPBOT_DATA", "")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"report"}, 2, "report needs unanswered, stats or suggestions"},
		{[]string{"report", "everything", "--data", data}, 2, `unknown report "everything"`},
		{[]string{"report", "stats"}, 2, "needs --data DIR"},
		{[]string{"report", "stats", "--data", data, "--days", "0"}, 2, "--days must be at least 1"},
		{[]string{"report", "stats", "--data", data, "extra"}, 2, "takes no arguments"},
		{[]string{"report", "unanswered", "--accept", "1", "--data", data}, 2, "flag provided but not defined: -accept"},
		{[]string{"report", "suggestions", "--accept", "1", "--reject", "2", "--data", data}, 2, "--accept or --reject, not both"},
		{[]string{"report", "stats", "--data", data}, 1, "no question log in " + data},
		{[]string{"data"}, 2, "data needs a subcommand"},
		{[]string{"data", "purge", "--data", data}, 2, "needs --user PLATFORM:ID or --older-than DAYS"},
		{[]string{"data", "purge", "--user", "12345", "--data", data}, 2, "--user takes PLATFORM:ID"},
		{[]string{"data", "purge", "--user", "telegram:", "--data", data}, 2, "--user takes PLATFORM:ID"},
		{[]string{"data", "purge", "--user", "telegarm:1", "--data", data}, 2, `unknown platform "telegarm"`},
		{[]string{"data", "purge", "--older-than", "0", "--data", data}, 2, "--older-than must be at least 1 day"},
		{[]string{"data", "purge", "--user", "telegram:1"}, 2, "needs --data DIR"},
	}
	for _, tt := range tests {
		code, _, errs := runCLI(t, "", tt.args...)
		if code != tt.code || !strings.Contains(errs, tt.want) {
			t.Errorf("smpbot %s: exit %d, stderr\n%s\nwant exit %d and %q", strings.Join(tt.args, " "), code, errs, tt.code, tt.want)
		}
	}
}

// TestReportStatsCountsUrgent: a message describing a complication, answered with the
// see-a-doctor notice, is counted as flagged urgent in report stats.
func TestReportStatsCountsUrgent(t *testing.T) {
	data := t.TempDir()
	b := newBotOn(t, data)
	const urgent = "I have a fever and pus on my scalp after laser removal"
	if r := b.ask(bot.Question{Text: urgent, Platform: "telegram", User: "1", Chat: "1"}); !r.Urgent {
		t.Fatalf("%q is not flagged urgent; the test needs one that is", urgent)
	}
	b.ask(bot.Question{Text: "How much does laser SMP removal cost?", Platform: "telegram", User: "2", Chat: "2"})
	b.close()
	code, out, errs := runCLI(t, "", "report", "stats", "--json", "--data", data)
	if st := decode[statsJSON](t, out); code != 0 || st.Asked != 2 || st.Urgent != 1 {
		t.Errorf("report stats --json: exit %d %+v\n%s", code, st, errs)
	}
	code, out, _ = runCLI(t, "", "report", "stats", "--data", data)
	if code != 0 || !strings.Contains(out, "1 message flagged urgent") {
		t.Errorf("report stats does not show the urgent message:\n%s", out)
	}
}

// Accepting a suggestion for an entry at the alternates' limit fails saying which
// entry, the limit and what to do; the entry and the suggestion are left as they were.
func TestAcceptSuggestionIntoAFullEntry(t *testing.T) {
	data := t.TempDir()
	b := newBotOn(t, data)
	const q = "can I bleach my hair after"
	first := b.ask(bot.Question{Text: q, Platform: "telegram", User: "111", Chat: "1"})
	b.ask(bot.Question{EntryID: "aftercare", FromAnswer: first.ID, Platform: "telegram", User: "111", Chat: "1"})
	b.close()
	store, err := knowledge.OpenStore(data)
	if err != nil {
		t.Fatal(err)
	}
	storetest.FillAlternates(t, store, "aftercare")
	before, err := os.ReadFile(filepath.Join(data, knowledge.FAQDir, "aftercare"+knowledge.Ext))
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "report", "suggestions", "--json", "--data", data)
	sg := decode[suggestionsJSON](t, out)
	if code != 0 || len(sg.Suggestions) != 1 || sg.Suggestions[0].EntryID != "aftercare" {
		t.Fatalf("report suggestions --json: exit %d %+v\n%s", code, sg, errs)
	}
	id := fmt.Sprint(sg.Suggestions[0].ID)
	code, out, errs = runCLI(t, "", "report", "suggestions", "--accept", id, "--data", data)
	if code != 1 || out != "" {
		t.Errorf("accept into a full entry: exit %d, stdout %q; want 1 and nothing", code, out)
	}
	for _, want := range []string{"aftercare already has 40 alternates", "Prune it first", "smpbot faq edit aftercare", "aftercare.md", "accept this suggestion again"} {
		if !strings.Contains(errs, want) {
			t.Errorf("the error lacks %q:\n%s", want, errs)
		}
	}
	after, err := os.ReadFile(filepath.Join(data, knowledge.FAQDir, "aftercare"+knowledge.Ext))
	if err != nil || string(after) != string(before) {
		t.Errorf("aftercare's file changed (%v)", err)
	}
	if code, out, _ := runCLI(t, "", "report", "suggestions", "--data", data); code != 0 || !strings.Contains(out, id+"  \""+q+"\"") {
		t.Errorf("the suggestion is no longer open:\n%s", out)
	}
}
