package index

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// subjectWords name what one FAQ entry or another is about; a narrative sentence
// holding one would be evidence for that entry, not neutral context.
var subjectWords = []string{
	"laser", "dark", "light", "colo", "blur", "spread", "fade", "remov", "price", "cost",
	"pay", "scar", "hairline", "pain", "hurt", "clinic", "artist", "technician", "saline",
	"transplant", "grey", "gray", "blister", "infect", "swell", "red", "session", "heal",
	"camoufl", "botch", "migrat", "dot", "pigment", "ink",
}

// TestNarrativePool checks the pool of narrative context sentences: enough of them,
// none twice, none naming an entry's subject, and none taken from an evaluation
// question.
func TestNarrativePool(t *testing.T) {
	pool := narrativeLines()
	if len(pool) < 200 {
		t.Fatalf("%d narrative sentences, want at least 200", len(pool))
	}
	seen := map[string]bool{}
	for _, l := range pool {
		low := strings.ToLower(l)
		if seen[low] {
			t.Errorf("%q twice", l)
		}
		seen[low] = true
		for _, w := range strings.FieldsFunc(low, func(r rune) bool { return !isWordRune(r) && r != '\'' }) {
			for _, s := range subjectWords {
				if strings.HasPrefix(w, s) {
					t.Errorf("%q names a subject (%q)", l, w)
				}
			}
		}
	}
	files, _ := filepath.Glob("../bot/testdata/*.jsonl")
	if len(files) == 0 {
		t.Fatal("no question sets in ../bot/testdata")
	}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var q struct{ Q string }
			if json.Unmarshal(sc.Bytes(), &q) != nil {
				continue
			}
			low := strings.ToLower(q.Q)
			for _, l := range pool {
				if len(strings.Fields(l)) >= 5 && strings.Contains(low, strings.ToLower(l)) {
					t.Errorf("%q is taken from the question %q (%s)", l, q.Q, filepath.Base(f))
				}
			}
		}
		fh.Close()
	}
}
