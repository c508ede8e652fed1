package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smpbot/smpbot/knowledge"
)

// faq check holds each alternate out and reports those that find another entry: an
// alternate of cost that asks about pain must be reported as taken for laser-pain.
func TestFAQCheck(t *testing.T) {
	dir := t.TempDir()
	err := fs.WalkDir(knowledge.Embedded(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(knowledge.Embedded(), p)
		if err != nil {
			return err
		}
		if p == "cost.md" {
			f, err := knowledge.Parse(p, b)
			if err != nil {
				return err
			}
			f.Entry.Alternates = append(f.Entry.Alternates, "does zapping my scalp hurt badly")
			b = knowledge.Format(f.Entry)
		}
		return os.WriteFile(filepath.Join(dir, p), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "faq", "check", "--folds", "2", dir)
	if code != 0 {
		t.Fatalf("faq check: exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"alternates held out in 2 folds", "answered with their own entry", "out-of-scope questions declined",
		`"does zapping my scalp hurt badly" (cost) is taken for laser-pain`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code, _, errs := runCLI(t, "", "faq", "check", "--folds", "1"); code != 2 || !strings.Contains(errs, "folds") {
		t.Errorf("--folds 1: exit %d, %s; want a usage error", code, errs)
	}
	if code, _, errs := runCLI(t, "", "faq", "check", filepath.Join(dir, "missing")); code != 1 || errs == "" {
		t.Errorf("missing directory: exit %d, %q; want an error", code, errs)
	}
}
