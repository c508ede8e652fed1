package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Helpers shared by the tests that run the smpbot binary.

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// buildSmpbot builds the smpbot binary once for all the tests of this package.
func buildSmpbot(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "smpbot-test-")
		if buildErr != nil {
			return
		}
		args := []string{"build", "-o", filepath.Join(buildDir, "smpbot")}
		if coverDir != "" {
			args = append(args, "-cover")
		}
		var out []byte
		out, buildErr = exec.Command("go", append(args, ".")...).CombinedOutput()
		if buildErr != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", buildErr, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, "smpbot")
}

// coverDir, from env SMPBOT_COVERDIR, asks for a binary built with -cover whose runs
// write their coverage there (GOCOVERDIR, inherited by every process the tests start),
// so that .ci/coverage can count the end-to-end tests with the unit tests.
var coverDir string

// TestMain sets up coverage of the binary when asked and removes the binary the tests
// built.
func TestMain(m *testing.M) {
	if d := os.Getenv("SMPBOT_COVERDIR"); d != "" {
		abs, err := filepath.Abs(d)
		if err == nil {
			err = os.MkdirAll(abs, 0o755)
		}
		if err == nil {
			err = os.Setenv("GOCOVERDIR", abs)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "SMPBOT_COVERDIR:", err)
			os.Exit(2)
		}
		coverDir = abs
	}
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}
