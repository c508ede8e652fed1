package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"
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

// exitWatch waits for a started process in a goroutine of its own. That goroutine is
// the only one to touch cmd.ProcessState (Wait sets it, so reading it elsewhere while
// the process runs is a data race); the others learn of the exit from exited.
type exitWatch struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once err is set
	err    error         // Wait's result
}

// watchExit starts waiting for cmd, which must have been started.
func watchExit(cmd *exec.Cmd) *exitWatch {
	w := &exitWatch{cmd: cmd, exited: make(chan struct{})}
	go func() {
		w.err = cmd.Wait()
		close(w.exited)
	}()
	return w
}

// wait reports whether the process exited within d (then err holds Wait's result).
func (w *exitWatch) wait(d time.Duration) bool {
	select {
	case <-w.exited:
		return true
	case <-time.After(d):
		return false
	}
}

// kill kills the process unless it has exited already, and waits for its end.
func (w *exitWatch) kill() {
	select {
	case <-w.exited:
	default:
		w.cmd.Process.Kill()
		<-w.exited
	}
}

// listening matches the line serveOn logs once the listener named what ("admin",
// "web console") is bound; the submatch is its address.
func listening(what string) *regexp.Regexp {
	return regexp.MustCompile(`msg="` + regexp.QuoteMeta(what) + ` listening" addr=(\S+)`)
}

// loggedAddr returns the address that the process writing out logged for its listener
// named what, or "" if it has not logged it yet. The tests listen on port 0, never on
// a fixed port that another process may hold, nor on a port found free and closed
// again, which another process may take meanwhile.
func loggedAddr(out *lockedBuffer, what string) string {
	if m := listening(what).FindStringSubmatch(out.String()); m != nil {
		return m[1]
	}
	return ""
}

// waitMatch waits for out to match re and returns the first submatch, such as the
// address a process says it serves on.
func waitMatch(t *testing.T, out *lockedBuffer, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q within 30 s:\n%s", re, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
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
