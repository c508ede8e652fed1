package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot/sqlitelog"
	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
	"github.com/smpbot/smpbot/knowledge"
)

// faq validate DIR compares the audit log with the files: a change recorded but never
// made fails it, and the next command that opens the store completes the change.
func TestFAQValidateChecksTheAuditLog(t *testing.T) {
	data := t.TempDir()
	if code, _, errs := runCLI(t, "", "faq", "list", "--data", data); code != 0 {
		t.Fatalf("seeding: %s", errs)
	}
	if code, out, errs := runCLI(t, "", "faq", "validate", data); code != 0 || !strings.Contains(out, "every change in the audit log is made") {
		t.Fatalf("fresh data directory: exit %d\n%s%s", code, out, errs)
	}
	// A writer recorded an add and died before writing the file.
	e := knowledge.Entry{ID: "lost-add", Question: "What happened to my add?", Answer: "It was recorded.",
		Caveats: []string{"A test."}, Sources: []knowledge.Source{{Title: "T", URL: "https://example.org/smp/lost-add"}}, Updated: "2026-11-30"}
	line, _ := json.Marshal(knowledge.Change{Seq: 1, Time: time.Now().UTC(), Actor: knowledge.Actor{Platform: "cli", User: "ops"}, Action: "add", ID: e.ID, After: &e})
	if err := os.WriteFile(filepath.Join(data, knowledge.AuditFile), append(line, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "faq", "validate", data)
	if code != 1 || !strings.Contains(out, `recorded but not made: #1, add of "lost-add"`) {
		t.Errorf("validate with a change not made: exit %d\n%s%s", code, out, errs)
	}
	if code, out, _ := runCLI(t, "", "faq", "show", "lost-add", "--data", data); code != 0 || !strings.Contains(out, "It was recorded.") {
		t.Errorf("show after recovery: exit %d\n%s", code, out)
	}
	if code, out, errs := runCLI(t, "", "faq", "validate", data); code != 0 {
		t.Errorf("validate after recovery: exit %d\n%s%s", code, out, errs)
	}
	// A hand edit after the last recorded change is a note, not a failure.
	path := filepath.Join(data, knowledge.FAQDir, "lost-add.md")
	e.Answer = "Rewritten by hand."
	if err := os.WriteFile(path, knowledge.Format(e), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI(t, "", "faq", "validate", data); code != 0 || !strings.Contains(out, "note: lost-add.md differs from its last recorded change #1") {
		t.Errorf("validate after a hand edit: exit %d\n%s%s", code, out, errs)
	}
}

// Concurrent `faq edit` runs without --base each apply to the version current when
// they hold the lock: none is refused as stale.
func TestFAQEditWithoutBaseConcurrently(t *testing.T) {
	bin := buildSmpbot(t)
	data := t.TempDir()
	if out, err := exec.Command(bin, "faq", "list", "--data", data).CombinedOutput(); err != nil {
		t.Fatalf("seeding: %v\n%s", err, out)
	}
	s, err := knowledge.OpenStore(data)
	if err != nil {
		t.Fatal(err)
	}
	cost, _, _ := s.Get("cost")
	const n = 6
	var wg sync.WaitGroup
	outs := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		e := cost
		e.Answer = fmt.Sprintf("Concurrent edit %d without a base.", i)
		file := filepath.Join(t.TempDir(), "cost.md")
		if err := os.WriteFile(file, knowledge.Format(e), 0o644); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := exec.Command(bin, "faq", "edit", "--data", data, "--file", file).CombinedOutput()
			outs[i], errs[i] = string(out), err
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("edit %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	if hist, _ := s.History("cost"); len(hist) != n {
		t.Errorf("%d edits recorded, want %d", len(hist), n)
	}
}

// A broken hand-written file does not stop `smpbot run`: the bot starts, serves the
// other entries, shows the file and line in its log, /readyz and /metrics, and edits
// of other entries go on.
func TestRunStartsWithABrokenFile(t *testing.T) {
	data := t.TempDir()
	if code, _, errs := runCLI(t, "", "faq", "list", "--data", data); code != 0 {
		t.Fatalf("seeding: %s", errs)
	}
	if err := os.WriteFile(filepath.Join(data, knowledge.FAQDir, "cost.md"), []byte("---\nid: cost\nquestion: [\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fake := telegramtest.NewServer(opsToken)
	defer fake.Close()
	p := startBot(t, fake, data)
	p.waitReady(t)
	if code, body := p.get("/readyz"); code != 200 || !strings.Contains(body, "cost.md:3: syntax error") {
		t.Errorf("/readyz = %d %q, want ready naming cost.md:3", code, body)
	}
	if got := p.metric(t, "smpbot_faq_problems"); got != 1 {
		t.Errorf("smpbot_faq_problems = %v, want 1", got)
	}
	if !strings.Contains(p.stderr.String(), "cost.md") || !strings.Contains(p.stderr.String(), "cost.md:3: syntax error") {
		t.Errorf("the log does not name cost.md:3")
	}
	code, out, _ := runCLI(t, "", "faq", "show", "aftercare", "--data", data)
	f, err := knowledge.Parse("aftercare.md", []byte(out))
	if code != 0 || err != nil {
		t.Fatalf("show aftercare: exit %d, %v", code, err)
	}
	e := f.Entry
	e.Answer += " Edited while cost.md is broken."
	file := filepath.Join(t.TempDir(), "aftercare.md")
	if err := os.WriteFile(file, knowledge.Format(e), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI(t, "", "faq", "edit", "--data", data, "--file", file); code != 0 {
		t.Errorf("editing another entry: exit %d\n%s%s", code, out, errs)
	}
	p.stop(t)
}

// The running bot's over-limit and refused-moderator lines carry the keyed hash of the
// person, the same as questions.db, never their Telegram id.
func TestRunLogsNoRawUserIDs(t *testing.T) {
	data := t.TempDir()
	fake := telegramtest.NewServer(opsToken)
	defer fake.Close()
	stderr := &lockedBuffer{}
	cmd := exec.Command(buildSmpbot(t), "run", "--data", data, "--admin-listen", "")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISCORD_") && !strings.HasPrefix(kv, "TELEGRAM_") && !strings.HasPrefix(kv, "SMPBOT_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "TELEGRAM_TOKEN="+opsToken, "TELEGRAM_API_ENDPOINT="+fake.Endpoint(), "TELEGRAM_QUESTIONS_PER_MINUTE=1")
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := watchExit(cmd)
	defer func() {
		w.kill()
		if t.Failed() {
			t.Logf("smpbot stderr:\n%s", stderr.String())
		}
	}()
	if !fake.Wait(40*time.Second, func() bool { return fake.Polling() > 0 }) {
		t.Fatal("smpbot never started polling")
	}
	u := tgUser(700150) // id 800150
	chat := fake.PrivateChat(u)
	fake.Send(chat, u, "/faq_add", 0)
	for _, q := range []string{"does laser removal hurt", "how much does it cost", "how long does healing take"} {
		fake.Send(chat, u, q, 0)
	}
	if !fake.Wait(60*time.Second, func() bool {
		s := stderr.String()
		return strings.Contains(s, "over the rate limit") && strings.Contains(s, "moderator command refused")
	}) {
		t.Fatal("no over-limit and refused-moderator lines within 20 s")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if !w.wait(60 * time.Second) {
		t.Fatal("no exit within 60 s of SIGTERM")
	}
	logs := stderr.String()
	if strings.Contains(logs, "800150") {
		t.Errorf("a raw Telegram id reached the log")
	}
	ql, err := sqlitelog.Open(context.Background(), filepath.Join(data, sqlitelog.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer ql.Close()
	if want := "user=h:" + ql.UserHash("telegram", "800150"); strings.Count(logs, want) < 2 {
		t.Errorf("the lines about the person do not carry %s", want)
	}
}
