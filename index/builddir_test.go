package index

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// ownerEnv makes the test binary a process that makes a build directory, prints its
// path and holds it until it is killed or its stdin closes (see TestMain).
const ownerEnv = "SMPBOT_INDEX_TEST_BUILD_DIR_OWNER"

func TestMain(m *testing.M) {
	if os.Getenv(ownerEnv) != "" {
		dir, release, err := newBuildDir()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Println(dir)
		bufio.NewReader(os.Stdin).ReadString('\n') // until the test ends
		release()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startOwner starts a process holding a build directory in the test's TMPDIR, and
// returns the directory and the process.
func startOwner(t *testing.T) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), ownerEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("the owner process printed no directory: %v", err)
	}
	return line[:len(line)-1], cmd
}

func exists(t *testing.T, dir string) bool {
	t.Helper()
	_, err := os.Lstat(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return err == nil
}

// A process killed mid-build leaves its directory; the next build removes it, and
// leaves every directory whose build is still going on, in another process or in
// this one.
func TestStaleBuildDirsRemoved(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "solaris" || runtime.GOOS == "illumos" || runtime.GOOS == "aix" {
		t.Skip("build directories are only locked where flock exists")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // os.TempDir on unix

	live, _ := startOwner(t)
	killed, victim := startOwner(t)
	later, owner := startOwner(t)
	if err := victim.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	victim.Wait()
	// Left by a version from before the lock: an old one, and one as young as a
	// build that has not locked its directory yet.
	old := filepath.Join(tmp, buildDirPrefix+"old")
	young := filepath.Join(tmp, buildDirPrefix+"young")
	other := filepath.Join(tmp, "smpbot-other")
	for _, d := range []string{old, young, other} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(old, "000000000001.zap"), []byte("segment"), 0o600); err != nil {
		t.Fatal(err)
	}
	long := time.Now().Add(-2 * orphanAge)
	for _, d := range []string{old, other} {
		if err := os.Chtimes(d, long, long); err != nil {
			t.Fatal(err)
		}
	}

	m, err := newMapping()
	if err != nil {
		t.Fatal(err)
	}
	mine, err := newDiskStore(m, batchSize+1)
	if err != nil {
		t.Fatal(err)
	}
	defer mine.abort()
	// A second build in this process meanwhile leaves the first one's directory.
	second, err := newDiskStore(m, batchSize+1)
	if err != nil {
		t.Fatal(err)
	}
	second.abort()
	tests := []struct {
		dir  string
		kept bool
	}{
		{live, true},
		{killed, false},
		{later, true},
		{old, false},
		{young, true},
		{other, true},
		{mine.dir, true},
		{second.dir, false},
	}
	for _, tt := range tests {
		if got := exists(t, tt.dir); got != tt.kept {
			t.Errorf("%s: kept %v, want %v", filepath.Base(tt.dir), got, tt.kept)
		}
	}

	// Its owner killed, a directory goes at the next build.
	if err := owner.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	owner.Wait()
	if got := removeStaleBuildDirs(tmp, time.Now()); len(got) != 1 || got[0] != later {
		t.Errorf("after its owner was killed, removed %q, want only %s", got, later)
	}
	if !exists(t, live) || !exists(t, mine.dir) {
		t.Errorf("the live builds' directories were removed")
	}
}
