package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smpbot/smpbot/knowledge"
)

func TestFAQCommands(t *testing.T) {
	data := t.TempDir()
	// list seeds the empty data directory with the embedded FAQ.
	code, out, errs := runCLI(t, "", "faq", "list", "--data", data)
	if code != 0 || !strings.Contains(out, "laser-sessions-count") {
		t.Fatalf("list: exit %d\n%s%s", code, out, errs)
	}
	// show prints the file format and, on stderr, the version.
	code, out, errs = runCLI(t, "", "faq", "show", "cost", "--data", data)
	if code != 0 || !strings.HasPrefix(out, "---\nid: cost\n") || !strings.HasPrefix(errs, "version ") {
		t.Fatalf("show: exit %d\n%s%s", code, out, errs)
	}
	v1 := strings.TrimSpace(strings.TrimPrefix(errs, "version "))
	f, err := knowledge.Parse("cost.md", []byte(out))
	if err != nil {
		t.Fatal(err)
	}
	// edit with the version shown.
	f.Entry.Answer = "Quotes differ wildly between clinics (test edit)."
	file := filepath.Join(t.TempDir(), "cost.md")
	mustWrite(t, file, knowledge.Format(f.Entry))
	if code, out, errs := runCLI(t, "", "faq", "edit", "--data", data, "--file", file, "--base", v1); code != 0 || !strings.Contains(out, "edited cost") {
		t.Fatalf("edit: exit %d\n%s%s", code, out, errs)
	}
	// the same edit again, based on the old version, is refused.
	if code, _, errs := runCLI(t, "", "faq", "edit", "--data", data, "--file", file, "--base", v1); code != 1 || !strings.Contains(errs, "changed since") {
		t.Errorf("stale edit: exit %d\n%s", code, errs)
	}
	// an invalid entry is refused, naming the problem.
	bad := f.Entry
	bad.ID, bad.Question, bad.Alternates, bad.Related = "new-topic", "A new topic?", nil, []string{"nowhere"}
	mustWrite(t, file, knowledge.Format(bad))
	if code, _, errs := runCLI(t, "", "faq", "add", "--data", data, "--file", file); code != 1 || !strings.Contains(errs, `unknown related id: "nowhere"`) {
		t.Errorf("invalid add: exit %d\n%s", code, errs)
	}
	// ask answers from the edited data directory at once.
	if code, out, _ := runCLI(t, "", "ask", "--data", data, "how much does laser removal cost"); code != 0 || !strings.Contains(out, "differ wildly") {
		t.Errorf("ask after edit:\n%s", out)
	}
	// history, undo, remove.
	if code, out, _ := runCLI(t, "", "faq", "history", "cost", "--data", data); code != 0 || !strings.Contains(out, "edit") || !strings.Contains(out, "changed answer") {
		t.Errorf("history:\n%s", out)
	}
	if code, out, _ := runCLI(t, "", "faq", "undo", "cost", "--data", data); code != 0 || !strings.Contains(out, "undid change #1") {
		t.Errorf("undo:\n%s", out)
	}
	if code, out, _ := runCLI(t, "", "ask", "--data", data, "how much does laser removal cost"); code != 0 || strings.Contains(out, "differ wildly") {
		t.Errorf("ask after undo still shows the edit:\n%s", out)
	}
	if code, _, errs := runCLI(t, "", "faq", "remove", "hide-with-hair", "--data", data); code != 1 || !strings.Contains(errs, "unknown related id") {
		t.Errorf("removing an entry others point at: exit %d\n%s", code, errs)
	}
}

func TestFAQExportImport(t *testing.T) {
	data := t.TempDir()
	for _, format := range []string{"csv", "json"} {
		code, out, errs := runCLI(t, "", "faq", "export", "--data", data, "--format", format)
		if code != 0 {
			t.Fatalf("export %s: exit %d %s", format, code, errs)
		}
		// Edit one answer in the exported text and import it back.
		changed := strings.Replace(out, "Prices", "Costs", 1)
		if changed == out {
			t.Fatalf("export %s lacks the cost answer", format)
		}
		file := filepath.Join(t.TempDir(), "faq."+format)
		mustWrite(t, file, []byte(changed))
		code, out, errs = runCLI(t, "", "faq", "import", "--data", data, "--file", file)
		if code != 0 || !strings.Contains(out, "0 added, 1 replaced") {
			t.Fatalf("import %s: exit %d\n%s%s", format, code, out, errs)
		}
		runCLI(t, "", "faq", "undo", "cost", "--data", data)
	}
	// A spreadsheet with one bad row imports nothing.
	csv := "id,question,answer,caveats,sources,updated\n" +
		"new-one,A new question?,An answer.,A caveat.,Somewhere | https://example.org/,2026-11-25\n" +
		"new-two,Another question?,,A caveat.,Somewhere | https://example.org/,2026-11-25\n"
	file := filepath.Join(t.TempDir(), "sheet.csv")
	mustWrite(t, file, []byte(csv))
	code, _, errs := runCLI(t, "", "faq", "import", "--data", data, "--file", file)
	if code != 1 || !strings.Contains(errs, "nothing imported") || !strings.Contains(errs, "new-two.md: answer: missing field") {
		t.Errorf("bad import: exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(data, knowledge.FAQDir, "new-one.md")); err == nil {
		t.Error("a row of a refused import was written")
	}
}

// TestFAQSurvivesSIGKILL kills `smpbot faq` with SIGKILL at random moments during a
// stream of edits and imports, a hundred times. Afterwards every file must be a whole
// old or new version, the audit log must agree with the files once the store has
// recovered, and a bot started on the directory must answer with what the files say.
func TestFAQSurvivesSIGKILL(t *testing.T) {
	bin := buildSmpbot(t)
	data := t.TempDir()
	if out, err := exec.Command(bin, "faq", "list", "--data", data).CombinedOutput(); err != nil {
		t.Fatalf("seeding: %v\n%s", err, out)
	}
	base, err := knowledge.LoadDir(filepath.Join(data, knowledge.FAQDir))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]knowledge.Entry{}
	for _, e := range base {
		byID[e.ID] = e
	}
	written := map[string]map[string]bool{} // id -> every answer ever sent for it
	for _, e := range base {
		written[e.ID] = map[string]bool{e.Answer: true}
	}
	rng := rand.New(rand.NewPCG(7, 11))
	work := t.TempDir()
	// Time uninterrupted edits, so the kills spread over a whole run: the slowest of
	// three, as one run on a loaded machine may be quick or slow by chance.
	var slowest time.Duration
	for i := range 3 {
		warm := byID["cost"]
		warm.Answer = fmt.Sprintf("Uninterrupted edit %d, to time one.", i)
		written["cost"][warm.Answer] = true
		warmFile := filepath.Join(work, fmt.Sprintf("warm-%d.md", i))
		mustWrite(t, warmFile, knowledge.Format(warm))
		start := time.Now()
		if out, err := exec.Command(bin, "faq", "edit", "--data", data, "--file", warmFile).CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		slowest = max(slowest, time.Since(start))
	}
	span := max(slowest*3/2, 5*time.Millisecond)
	kills := 0
	for i := 0; i < 100; i++ {
		var args []string
		if i%2 == 0 {
			e := byID["cost"]
			e.Answer = fmt.Sprintf("Edit number %d of the cost answer.", i)
			written["cost"][e.Answer] = true
			file := filepath.Join(work, fmt.Sprintf("edit-%d.md", i))
			mustWrite(t, file, knowledge.Format(e))
			args = []string{"faq", "edit", "--data", data, "--file", file}
		} else {
			var batch []knowledge.Entry
			for _, id := range []string{"laser-pain", "aftercare", "healing-time", "cost"} {
				e := byID[id]
				e.Answer = fmt.Sprintf("Import %d rewrote %s.", i, id)
				written[id][e.Answer] = true
				batch = append(batch, e)
			}
			file := filepath.Join(work, fmt.Sprintf("import-%d.json", i))
			b, err := json.Marshal(batch)
			if err != nil {
				t.Fatal(err)
			}
			mustWrite(t, file, b)
			args = []string{"faq", "import", "--data", data, "--file", file}
		}
		cmd := exec.Command(bin, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.Int64N(int64(span))))
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			kills++ // killed before it finished, rather than after
		}

		// No torn file: every entry parses and holds an answer that was really sent.
		files, err := knowledge.ReadFS(os.DirFS(filepath.Join(data, knowledge.FAQDir)))
		if err != nil {
			t.Fatalf("round %d: a file is torn: %v", i, err)
		}
		for _, f := range files {
			if w := written[f.Entry.ID]; w != nil && !w[f.Entry.Answer] {
				t.Fatalf("round %d: %s holds an answer never written: %q", i, f.Name, f.Entry.Answer)
			}
		}
		// Recovery: the audit log's last record for each entry matches its file.
		s, err := knowledge.OpenStore(data)
		if err != nil {
			t.Fatalf("round %d: reopening: %v", i, err)
		}
		audit, err := s.Audit()
		if err != nil {
			t.Fatalf("round %d: audit log: %v", i, err)
		}
		last := map[string]knowledge.Change{}
		for _, c := range audit {
			last[c.ID] = c
		}
		for id, c := range last {
			got, _, err := s.Get(id)
			if err != nil || c.After == nil || knowledge.VersionOf(got) != knowledge.VersionOf(*c.After) {
				t.Fatalf("round %d: audit says %s is %v, file has %q (%v)", i, id, c.After, got.Answer, err)
			}
		}
		if problems, notes, err := knowledge.CheckAudit(data); err != nil || len(problems) > 0 || len(notes) > 0 {
			t.Fatalf("round %d: after recovery the audit log and files disagree: %v %q %v", i, problems, notes, err)
		}
		if tmps, _ := filepath.Glob(filepath.Join(data, knowledge.FAQDir, ".*.tmp-*")); len(tmps) > 0 {
			t.Fatalf("round %d: temporary files left after recovery: %v", i, tmps)
		}
		// The index a bot builds at start answers with what the files say.
		if i%20 == 19 {
			cost, _, _ := s.Get("cost")
			out, err := exec.Command(bin, "ask", "--json", "--data", data, "how much does laser removal cost").Output()
			var got askResult
			if err == nil {
				err = json.Unmarshal(out, &got)
			}
			if err != nil || !strings.Contains(got.Reply, cost.Answer) {
				t.Fatalf("round %d: ask answered %s (%v), want the file's answer %q", i, out, err, cost.Answer)
			}
		}
	}
	s, err := knowledge.OpenStore(data)
	if err != nil {
		t.Fatal(err)
	}
	audit, _ := s.Audit()
	t.Logf("100 runs, kills spread over %v: %d killed before finishing, %d changes recorded", span, kills, len(audit))
	// Both outcomes must occur, or the kills did not land at varied points.
	if kills == 0 || kills == 100 || len(audit) <= 1 {
		t.Errorf("%d kills, %d changes: the test did not exercise interrupted writes", kills, len(audit))
	}
}

func mustWrite(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
