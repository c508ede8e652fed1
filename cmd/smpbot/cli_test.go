package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smpbot/smpbot/knowledge"
)

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb strings.Builder
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestAskJSON(t *testing.T) {
	code, out, errs := runCLI(t, "how much does laser smp removal cost\n\nwhat is the capital of peru\nthanks!\nmy scalp is oozing pus after laser\nlaser tattoo removal on my forearm, how many sessions will it take?\n", "ask", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines for 5 questions:\n%s", len(lines), out)
	}
	wantKeys := `{"question":,"kind":,"entry_id":,"confidence":,"urgent":,"suggestions":,"scope_note":,"reply":}`
	tests := []struct {
		kind, entry string
		urgent      bool
		scope       bool // a scope note: a tattoo, no SMP nor scalp named
	}{
		{"answer", "cost", false, false},
		{"no_match", "", false, false},
		{"smalltalk", "", false, false},
		{"answer", "complications-urgent", true, false},
		{"answer", "laser-sessions-count", false, true},
	}
	for i, tt := range tests {
		var got struct {
			Question    string            `json:"question"`
			Kind        string            `json:"kind"`
			EntryID     string            `json:"entry_id"`
			Confidence  float64           `json:"confidence"`
			Urgent      bool              `json:"urgent"`
			Suggestions []json.RawMessage `json:"suggestions"`
			ScopeNote   string            `json:"scope_note"`
			Reply       string            `json:"reply"`
		}
		dec := json.NewDecoder(strings.NewReader(lines[i]))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("line %d %q: %v", i+1, lines[i], err)
		}
		if got.Kind != tt.kind || got.EntryID != tt.entry || got.Urgent != tt.urgent {
			t.Errorf("line %d: kind %q entry %q urgent %v, want %q %q %v", i+1, got.Kind, got.EntryID, got.Urgent, tt.kind, tt.entry, tt.urgent)
		}
		if scope := got.ScopeNote != ""; scope != tt.scope || scope && !strings.Contains(got.Reply, got.ScopeNote) {
			t.Errorf("line %d: scope note %q, want one: %v, and in the reply:\n%s", i+1, got.ScopeNote, tt.scope, got.Reply)
		}
		if got.Reply == "" || got.Confidence < 0 || got.Confidence > 1 || got.Suggestions == nil {
			t.Errorf("line %d: reply %q confidence %v suggestions %v", i+1, got.Reply, got.Confidence, got.Suggestions)
		}
		if keys := jsonKeys(t, lines[i]); keys != wantKeys {
			t.Errorf("line %d keys %s, want %s", i+1, keys, wantKeys)
		}
	}
}

// jsonKeys lists an object's keys in order, as {"a":,"b":}.
func jsonKeys(t *testing.T, line string) string {
	dec := json.NewDecoder(strings.NewReader(line))
	var b strings.Builder
	depth := 0
	expectKey := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				depth++
			} else {
				depth--
			}
			if depth == 1 && v == '{' {
				b.WriteString("{")
				expectKey = true
				continue
			}
			if depth == 0 {
				b.WriteString("}")
			}
		case string:
			if depth == 1 && expectKey {
				if b.Len() > 1 {
					b.WriteString(",")
				}
				b.WriteString(`"` + v + `":`)
				expectKey = false
				continue
			}
		}
		if depth == 1 {
			expectKey = true
		}
	}
	return b.String()
}

func TestAskArgsAndPlainText(t *testing.T) {
	code, out, _ := runCLI(t, "", "ask", "does", "laser", "removal", "hurt?")
	if code != 0 || !strings.Contains(out, "not medical advice") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

func TestFAQValidate(t *testing.T) {
	if code, out, errs := runCLI(t, "", "faq", "validate"); code != 0 || !strings.Contains(out, "all valid") {
		t.Errorf("embedded FAQ: exit %d\n%s%s", code, out, errs)
	}
	dir := t.TempDir()
	good, err := knowledge.Embedded().Open("cost.md")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(good)
	os.WriteFile(filepath.Join(dir, "cost.md"), data, 0o644)
	os.WriteFile(filepath.Join(dir, "broken.md"), []byte("---\nid: broken\nquestion: Why?\nrelated: [nowhere]\n---\n"), 0o644)
	code, out, errs := runCLI(t, "", "faq", "validate", dir)
	if code != 1 {
		t.Errorf("broken FAQ: exit %d, want 1", code)
	}
	for _, want := range []string{"broken.md:4: related: unknown related id", "broken.md:6: answer: missing field", "not valid"} {
		if !strings.Contains(out+errs, want) {
			t.Errorf("output lacks %q:\n%s%s", want, out, errs)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	if code, _, errs := runCLI(t, ""); code != 2 || !strings.Contains(errs, "Usage:") || !strings.Contains(errs, "smpbot chat") {
		t.Errorf("smpbot alone: exit %d, want 2 with the usage\n%s", code, errs)
	}
	if code, _, errs := runCLI(t, "", "run"); code != 1 || !strings.Contains(errs, "smpbot chat") {
		t.Errorf("run with no platform: exit %d, want 1 pointing at chat\n%s", code, errs)
	}
}

func TestEval(t *testing.T) {
	f := filepath.Join(t.TempDir(), "q.jsonl")
	os.WriteFile(f, []byte(`{"q":"how much does laser removal cost","accept":["cost"]}
{"q":"what is the capital of peru","accept":[]}
{"q":"my scalp has pus after laser","accept":["complications-urgent"],"urgent":true}
`), 0o644)
	code, out, errs := runCLI(t, "", "eval", f)
	if code != 0 || !strings.Contains(out, "precision@1 1.000") || !strings.Contains(out, "decline 1/1") || !strings.Contains(out, "urgent recall 1/1") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
	os.WriteFile(f, []byte("{not json\n"), 0o644)
	if code, _, errs := runCLI(t, "", "eval", f); code != 1 || !strings.Contains(errs, "line 1") {
		t.Errorf("broken eval file: exit %d\n%s", code, errs)
	}
}

// TestChatBinaryStopsOnSignal runs the built binary's console and stops it with
// SIGINT while it waits for input, as a person pressing Ctrl-C would.
func TestChatBinaryStopsOnSignal(t *testing.T) {
	cmd := exec.Command(buildSmpbot(t), "chat")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	rd := bufio.NewReader(stdout)
	io.WriteString(stdin, "how long between laser sessions\n")
	deadline := time.After(20 * time.Second)
	answered := make(chan bool)
	go func() {
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				answered <- false
				return
			}
			if strings.Contains(line, "not medical advice") {
				answered <- true
				io.Copy(io.Discard, rd)
				return
			}
		}
	}()
	select {
	case ok := <-answered:
		if !ok {
			t.Fatal("chat ended before answering")
		}
	case <-deadline:
		t.Fatal("no answer within 20 s")
	}
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("chat exited with %v after SIGINT, want status 0", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("chat did not stop within 10 s of SIGINT")
	}
}

// A line over 64 KiB in a batch is cut and answered, and the batch goes on.
func TestAskCutsOverlongLines(t *testing.T) {
	long := "how much does laser removal cost " + strings.Repeat("x ", 40000)
	code, out, errs := runCLI(t, "does laser removal hurt\n"+long+"\nthanks\nhow many laser sessions will i need\n", "ask", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if n := len(strings.Split(strings.TrimSpace(out), "\n")); n != 4 {
		t.Errorf("%d replies for 4 lines, one over 64 KiB", n)
	}
	if !strings.Contains(errs, "was cut") {
		t.Errorf("no note of the cut line on stderr: %q", errs)
	}
}
