package userkey

import (
	"path/filepath"
	"testing"
)

// A key replaced by another process is picked up at once, however quickly the two
// writes follow each other (file times can be coarser than that).
func TestKeyReloadsAfterQuickReplacements(t *testing.T) {
	path := filepath.Join(t.TempDir(), "questions.key")
	first, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if err := Install(path, first, false); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		next, err := New()
		if err != nil {
			t.Fatal(err)
		}
		if err := Install(path, next, true); err != nil {
			t.Fatal(err)
		}
		want, _ := Read(path)
		if got := f.Key(); string(got) != string(want) {
			t.Fatalf("replacement %d not picked up", i)
		}
	}
}
