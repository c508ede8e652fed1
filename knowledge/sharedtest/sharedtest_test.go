package sharedtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelperProbe is run by TestSkipOrFail in a child process whose working directory
// is a module without shared material beside it (or with it).
func TestHelperProbe(t *testing.T) {
	if os.Getenv("SHAREDTEST_PROBE") != "1" {
		t.Skip("run by TestSkipOrFail")
	}
	if os.Getenv("SHAREDTEST_LOOKUP") == "1" {
		if p, ok := Lookup(t, "eval/dev.jsonl"); ok {
			t.Log("found " + p)
		} else {
			t.Log("absent, went on")
		}
		return
	}
	t.Log("found " + Path(t, "eval/dev.jsonl"))
}

func TestSkipOrFail(t *testing.T) {
	tests := []struct {
		name     string
		lookup   bool // Lookup instead of Path
		shared   bool // create ../shared/eval/dev.jsonl
		require  string
		wantFail bool
		wantOut  string
	}{
		{"absent", false, false, "", false, "--- SKIP: TestHelperProbe"},
		{"absent, required", false, false, "1", true, RequireEnv + "=1"},
		{"present", false, true, "", false, "found "},
		{"present, required", false, true, "1", false, "found "},
		{"lookup absent", true, false, "", false, "absent, went on"},
		{"lookup absent, required", true, false, "1", true, RequireEnv + "=1"},
		{"lookup present", true, true, "", false, "found "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			top := t.TempDir()
			mod := filepath.Join(top, "smpbot", "pkg")
			if err := os.MkdirAll(mod, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(top, "smpbot", "go.mod"), []byte("module x\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.shared {
				if err := os.MkdirAll(filepath.Join(top, "shared", "eval"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(top, "shared", "eval", "dev.jsonl"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProbe$", "-test.v")
			cmd.Dir = mod
			cmd.Env = append(os.Environ(), "SHAREDTEST_PROBE=1", RequireEnv+"="+tt.require)
			if tt.lookup {
				cmd.Env = append(cmd.Env, "SHAREDTEST_LOOKUP=1")
			}
			out, err := cmd.CombinedOutput()
			if failed := err != nil; failed != tt.wantFail {
				t.Errorf("failed = %v (%v), want %v\n%s", failed, err, tt.wantFail, out)
			}
			if !strings.Contains(string(out), tt.wantOut) {
				t.Errorf("output lacks %q:\n%s", tt.wantOut, out)
			}
		})
	}
}
