package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"runtime/debug"
	"strings"

	"github.com/smpbot/smpbot/knowledge"
)

// version answers `smpbot version` (and --version): the module version and VCS
// revision the binary was built from, and which FAQ is compiled into it.
func (e *env) version(args []string) error {
	fs := e.flags("version")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: version takes no arguments", errUsage)
	}
	fmt.Fprintln(e.stdout, buildVersion())
	v, err := faqVersion(knowledge.Embedded())
	if err != nil {
		return fmt.Errorf("embedded FAQ: %w", err)
	}
	fmt.Fprintln(e.stdout, "FAQ: "+v)
	return nil
}

// buildVersion describes the binary from its build information: module version,
// VCS revision and time, and Go version.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "smpbot: no build information"
	}
	mod := bi.Main.Version
	if mod == "" {
		mod = "(devel)" // test binaries leave it empty
	}
	s := map[string]string{}
	for _, kv := range bi.Settings {
		s[kv.Key] = kv.Value
	}
	rev := "revision unknown (built without VCS information)"
	if r := s["vcs.revision"]; r != "" {
		rev = "revision " + r
		if len(r) > 12 {
			rev = "revision " + r[:12]
		}
		if t := s["vcs.time"]; t != "" {
			rev += " of " + t
		}
		if s["vcs.modified"] == "true" {
			rev += " with uncommitted changes"
		}
	}
	return fmt.Sprintf("smpbot %s, %s, %s", mod, rev, bi.GoVersion)
}

// faqVersion identifies a FAQ: how many entries, the newest review date, and a hash
// of its files, which changes with any edit.
func faqVersion(fsys fs.FS) (string, error) {
	entries, err := knowledge.Load(fsys)
	if err != nil {
		return "", err
	}
	newest := ""
	for _, en := range entries {
		newest = max(newest, en.Updated) // YYYY-MM-DD sorts as text
	}
	h := sha256.New()
	err = fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, knowledge.Ext) {
			return err
		}
		f, err := fsys.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		fmt.Fprintf(h, "%s\x00", path)
		_, err = io.Copy(h, f)
		return err
	})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d entries, newest updated %s, sha256 %s", len(entries), newest, hex.EncodeToString(h.Sum(nil))[:12]), nil
}
