// Package sharedtest gives tests the project's shared material: the topic list and
// the dev question set kept beside the checkout in ../shared, never in the repository.
//
// A plain clone has no ../shared, so a test that needs it is skipped with a one-line
// reason; CI sets SMPBOT_REQUIRE_SHARED=1, which turns that absence into a failure so
// that those tests never go silently unrun.
package sharedtest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// RequireEnv is the environment variable that makes missing shared material a
// failure instead of a skip.
const RequireEnv = "SMPBOT_REQUIRE_SHARED"

// Path returns the path of name (slash-separated, such as "eval/dev.jsonl") in the
// shared directory, "shared" beside the directory holding go.mod. If that directory
// does not exist it skips the test, or fails it when RequireEnv is "1". A missing
// file in a present directory is a failure: the material changed.
func Path(t testing.TB, name string) string {
	t.Helper()
	dir, p, ok := find(t, name)
	if !ok {
		t.Skipf("needs the shared material in %s (not part of the repository)", dir)
	}
	return p
}

// Lookup is Path for a test that has more to check without the shared material: it
// reports ok false, instead of skipping, when the shared directory is absent (and
// RequireEnv is not "1"). The caller says what went unchecked.
func Lookup(t testing.TB, name string) (path string, ok bool) {
	t.Helper()
	_, path, ok = find(t, name)
	return path, ok
}

// find returns the shared directory and the path of name in it, and whether the
// directory exists.
func find(t testing.TB, name string) (dir, path string, ok bool) {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatalf("sharedtest: %v", err)
	}
	dir = filepath.Join(filepath.Dir(root), "shared")
	path = filepath.Join(dir, filepath.FromSlash(name))
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("shared material %s is missing and %s=1", dir, RequireEnv)
		}
		return dir, path, false
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("shared material: %v", err)
	}
	return dir, path, true
}

// moduleRoot is the nearest directory at or above the working directory with a go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
