package main

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/smpbot/smpbot/knowledge"
)

// A usage error is printed once, followed by the one line that says how to call that
// command, not by the whole usage.
func TestUsageErrorIsOneLinePlusUsage(t *testing.T) {
	t.Setenv("SMPBOT_DATA", "")
	tests := []struct {
		args      []string
		msg, line string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`, `run "smpbot help" for usage`},
		{[]string{"ask", "--nope"}, "flag provided but not defined: -nope", "usage: smpbot ask [--json] [--data DIR] [QUESTION...]"},
		{[]string{"eval"}, "eval needs a question file", "usage: smpbot eval [--data DIR] [--walk-seeds LIST] FILE.jsonl..."},
		{[]string{"eval", "--walk-seeds", "3-1", "q.jsonl"}, `--walk-seeds: "3-1" is not a range of seeds`, "usage: smpbot eval [--data DIR] [--walk-seeds LIST] FILE.jsonl..."},
		{[]string{"faq"}, "faq needs a subcommand", "usage: smpbot faq validate|check|list|show|add|edit|remove|history|undo|export|import ..."},
		{[]string{"faq", "explode"}, `unknown faq command "explode"`, "usage: smpbot faq validate|check|list|"},
		{[]string{"faq", "list", "--base", "x"}, "flag provided but not defined: -base", "usage: smpbot faq list [--json] --data DIR"},
		{[]string{"faq", "show"}, "faq show needs one entry id", "usage: smpbot faq show ID --data DIR"},
		{[]string{"report", "stats", "--days", "many"}, `invalid value "many" for flag -days`, "usage: smpbot report stats [--json] [--days N] --data DIR"},
		{[]string{"data", "purge", "--older-than", "x"}, `invalid value "x" for flag -older-than`, "usage: smpbot data purge --user PLATFORM:ID | --older-than DAYS --data DIR"},
		{[]string{"version", "now"}, "version takes no arguments", "usage: smpbot version"},
	}
	for _, tt := range tests {
		code, out, errs := runCLI(t, "", tt.args...)
		lines := strings.Split(strings.TrimRight(errs, "\n"), "\n")
		if code != 2 || out != "" || len(lines) != 2 || !strings.Contains(lines[0], tt.msg) || !strings.HasPrefix(lines[1], tt.line) {
			t.Errorf("smpbot %s: exit %d, stdout %q, stderr\n%s\nwant exit 2, nothing on stdout, and on stderr only\nsmpbot: ...%s...\n%s...",
				strings.Join(tt.args, " "), code, out, errs, tt.msg, tt.line)
		}
	}
}

// Every command answers -h with its usage line and only its own flags, on stdout,
// with exit status 0, without needing --data or anything else.
func TestHelpEverywhere(t *testing.T) {
	t.Setenv("SMPBOT_DATA", "")
	for _, c := range commands {
		args := append(strings.Fields(c.name), "-h")
		code, out, errs := runCLI(t, "", args...)
		if want := strings.TrimSpace("usage: smpbot " + c.name + " " + c.args); c.name != "help" && (code != 0 || !strings.HasPrefix(out, want) || errs != "") {
			t.Errorf("smpbot %s: exit %d, stdout\n%s\nstderr %q\nwant exit 0 and a help starting %q", strings.Join(args, " "), code, out, errs, want)
		}
	}
	tests := []struct {
		args          []string
		want, notWant []string
	}{
		{[]string{"faq", "--help"}, []string{"smpbot faq list", "smpbot faq remove ID", "smpbot faq validate"}, []string{"smpbot ask", "Flags:"}},
		{[]string{"faq", "list", "-h"}, []string{"-json", "-data"}, []string{"-base", "-file", "-format"}},
		{[]string{"faq", "edit", "--help"}, []string{"-file", "-base", "-data"}, []string{"-json", "-format"}},
		{[]string{"faq", "export", "-h"}, []string{"-format", "-data"}, []string{"-file", "-base", "-json"}},
		{[]string{"help", "faq", "remove"}, []string{"usage: smpbot faq remove", "-base"}, []string{"-file"}},
		{[]string{"report", "-h"}, []string{"smpbot report unanswered", "smpbot report suggestions"}, []string{"smpbot faq"}},
		{[]string{"report", "suggestions", "-h"}, []string{"-accept", "-reject", "-days"}, nil},
		{[]string{"config", "-h"}, []string{"smpbot config check"}, nil},
		{[]string{"data", "--help"}, []string{"smpbot data purge"}, nil},
		{[]string{"run", "-h"}, []string{"-config", "-data"}, nil},
		{[]string{"help"}, []string{"smpbot chat", "smpbot version", "smpbot faq -h"}, nil},
		{[]string{"--help"}, []string{"smpbot chat"}, nil},
	}
	for _, tt := range tests {
		code, out, errs := runCLI(t, "", tt.args...)
		if code != 0 || errs != "" {
			t.Errorf("smpbot %s: exit %d, stderr %q; want 0 and nothing", strings.Join(tt.args, " "), code, errs)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("smpbot %s: help lacks %q:\n%s", strings.Join(tt.args, " "), w, out)
			}
		}
		for _, w := range tt.notWant {
			if strings.Contains(out, w) {
				t.Errorf("smpbot %s: help mentions %q, which is not its own:\n%s", strings.Join(tt.args, " "), w, out)
			}
		}
	}
	if code, _, errs := runCLI(t, "", "help", "frobnicate"); code != 2 || !strings.Contains(errs, `no command "frobnicate"`) {
		t.Errorf("help frobnicate: exit %d, stderr %q", code, errs)
	}
}

// Arguments are checked before the data directory is opened: a refused command
// leaves no directory behind, seeded or not.
func TestFAQArgumentsCheckedBeforeDisk(t *testing.T) {
	for _, args := range [][]string{
		{"faq", "remove"},
		{"faq", "show", "a", "b"},
		{"faq", "add"},
		{"faq", "edit", "cost"},
		{"faq", "import"},
		{"faq", "list", "extra"},
		{"faq", "explode"},
		{"faq", "list", "--nope"},
	} {
		data := filepath.Join(t.TempDir(), "data")
		code, _, errs := runCLI(t, "", append(args, "--data", data)...)
		if code != 2 {
			t.Errorf("smpbot %s: exit %d, want 2\n%s", strings.Join(args, " "), code, errs)
		}
		if _, err := os.Stat(data); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("smpbot %s --data DIR: DIR exists after a refused command (%v)", strings.Join(args, " "), err)
		}
	}
}

func TestVersion(t *testing.T) {
	entries, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	for _, arg := range []string{"version", "--version"} {
		code, out, errs := runCLI(t, "", arg)
		want := "FAQ: " + strconv.Itoa(len(entries)) + " entries, newest updated 20"
		if code != 0 || !strings.HasPrefix(out, "smpbot ") || !strings.Contains(out, want) || !strings.Contains(out, "sha256 ") {
			t.Errorf("smpbot %s: exit %d\n%s%s\nwant a build line and %q", arg, code, out, errs, want)
		}
	}

	// The FAQ version changes with any edit and names the newest review date.
	faq := fstest.MapFS{}
	for _, f := range []string{"a", "b"} {
		e := entries[len(faq)]
		e.Related = nil // not in this two-entry FAQ
		faq[f+".md"] = &fstest.MapFile{Data: knowledge.Format(e)}
	}
	v1, err := faqVersion(faq)
	if err != nil {
		t.Fatal(err)
	}
	e := entries[0]
	e.Related = nil
	e.Answer += " Changed."
	e.Updated = "2099-01-02"
	faq["a.md"] = &fstest.MapFile{Data: knowledge.Format(e)}
	v2, err := faqVersion(faq)
	if err != nil {
		t.Fatal(err)
	}
	if v1 == v2 || !strings.HasPrefix(v2, "2 entries, newest updated 2099-01-02, sha256 ") {
		t.Errorf("FAQ version before an edit %q, after %q", v1, v2)
	}
}

// A binary built from a git checkout names the revision it was built from.
func TestVersionNamesRevision(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "smpbot")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=true")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	info, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	_, rev, ok := strings.Cut(string(info), "vcs.revision=")
	if !ok || len(rev) < 12 {
		t.Skip("go build stamped no VCS revision here (not a git clone: a git worktree, or an exported tree)")
	}
	out, err := exec.Command(bin, "version").Output()
	if want := "revision " + rev[:12]; err != nil || !strings.Contains(string(out), want) {
		t.Errorf("version: %v\n%s\nwant %q", err, out, want)
	}
}

// terminal opens a pseudo-terminal cols columns wide: the test types into and reads
// the screen from ptmx, the program gets tty.
func terminal(t *testing.T, cols uint16) (ptmx, tty *os.File) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("opening a pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { ptmx.Close(); tty.Close() })
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: cols}); err != nil {
		t.Fatal(err)
	}
	return ptmx, tty
}

// waitFor waits until what has been written to b n times.
func waitFor(t *testing.T, b *lockedBuffer, what string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(b.String(), what) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%q not seen %d times within 30 s:\n%s", what, n, b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// endsOnCtrlD types Ctrl-D on an empty line and expects cmd to exit 0.
func endsOnCtrlD(t *testing.T, ptmx *os.File, cmd *exec.Cmd) {
	t.Helper()
	ptmx.Write([]byte{4})
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("%s after Ctrl-D: %v, want exit 0", cmd.Args[1], err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not end within 20 s of Ctrl-D", cmd.Args[1])
	}
}

// `smpbot ask` at a terminal says that it reads questions from stdin; with stdin a
// pipe it says nothing.
func TestAskAtTerminalSaysItReadsStdin(t *testing.T) {
	ptmx, tty := terminal(t, 80)
	go io.Copy(io.Discard, ptmx) // the terminal's echo
	cmd := exec.Command(buildSmpbot(t), "ask")
	var stderr lockedBuffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitFor(t, &stderr, "reading questions from standard input", 1)
	endsOnCtrlD(t, ptmx, cmd)

	var piped bytes.Buffer
	cmd = exec.Command(buildSmpbot(t), "ask")
	cmd.Stdin, cmd.Stderr = strings.NewReader("how much does removal cost\n"), &piped
	if err := cmd.Run(); err != nil || piped.Len() != 0 {
		t.Errorf("ask with a pipe: %v, stderr %q; want exit 0 and nothing", err, piped.String())
	}
}

// `smpbot ask` writing to a terminal shows bold as bold and wraps to its width.
func TestAskToTerminalIsLaidOut(t *testing.T) {
	const cols = 40
	ptmx, tty := terminal(t, cols)
	var screen lockedBuffer
	go io.Copy(&screen, ptmx)
	cmd := exec.Command(buildSmpbot(t), "ask", "how many laser sessions will I need?")
	cmd.Stdout, cmd.Stderr = tty, tty
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, &screen, "not medical advice", 1)
	checkScreen(t, screen.String(), cols)
}

// checkScreen checks a reply drawn on a terminal cols wide: bold drawn, no Markdown
// asterisks or stray escape text, no line wider than the terminal.
func checkScreen(t *testing.T, got string, cols int) {
	t.Helper()
	shown := regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`).ReplaceAllString(got, "")
	if strings.Contains(shown, "[A") || strings.Contains(shown, "**") || !strings.Contains(got, "\x1b[1m") {
		t.Errorf("want bold rendered and no Markdown or escape text shown:\n%q", got)
	}
	for _, l := range strings.Split(shown, "\r\n") {
		if n := utf8.RuneCountInString(l); n > cols && !strings.Contains(l, "://") {
			t.Errorf("line of %d columns in a %d-column window: %q", n, cols, l)
		}
	}
}

// `smpbot chat` at a real terminal: a line editor (Up recalls the last question),
// bold and wrapping to the window's width, and the terminal left as it was found.
func TestChatAtTerminal(t *testing.T) {
	const cols = 50
	ptmx, tty := terminal(t, cols)
	before, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	var screen lockedBuffer
	go io.Copy(&screen, ptmx)
	cmd := exec.Command(buildSmpbot(t), "chat")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitFor(t, &screen, `"quit" to leave`, 1)
	ptmx.Write([]byte("how many laser sessions will I need?\r"))
	waitFor(t, &screen, "not medical advice", 1)
	ptmx.Write([]byte("\x1b[A\r")) // Up, Enter: the same question again
	waitFor(t, &screen, "not medical advice", 2)
	endsOnCtrlD(t, ptmx, cmd)

	got := screen.String()
	shown := regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`).ReplaceAllString(got, "")
	if n := strings.Count(shown, "How many laser sessions does"); n != 2 {
		t.Errorf("the sessions answer shown %d times, want 2:\n%s", n, shown)
	}
	checkScreen(t, got, cols)
	after, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if *after != *before {
		t.Errorf("terminal settings not restored: before %+v, after %+v", *before, *after)
	}
}
