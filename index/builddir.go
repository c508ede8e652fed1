package index

import (
	"os"
	"path/filepath"
	"time"
)

// buildDirPrefix names the temporary directories of large builds (diskStore).
const buildDirPrefix = "smpbot-index-"

// ownerLock is the file in a build's directory that its process holds locked (flock)
// for as long as the directory is in use. The kernel drops the lock when the process
// ends, however it ends, so a directory whose lock can be taken is the leftover of a
// process killed mid-build. A pid written into the directory would say the same less
// surely: pids are reused, and a temporary directory shared between containers sees
// processes of other pid namespaces, which would look dead.
const ownerLock = "owner.lock"

// orphanAge is how old a build directory without an owner lock must be before it is
// removed: one made by a version from before the lock, or by a process killed between
// creating the directory and locking it. Younger ones may be a build that is just
// starting.
const orphanAge = time.Hour

// newBuildDir removes the build directories that dead processes left in the
// temporary directory, then makes one for a new build, held by this process until
// release is called.
func newBuildDir() (dir string, release func(), err error) {
	removeStaleBuildDirs(os.TempDir(), time.Now())
	dir, err = os.MkdirTemp("", buildDirPrefix)
	if err != nil {
		return "", nil, err
	}
	release, err = holdBuildDir(dir)
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return dir, release, nil
}

// removeStaleBuildDirs removes the build directories in tmp whose process is gone,
// and returns them. It is best effort: a directory it cannot judge or remove is left.
func removeStaleBuildDirs(tmp string, now time.Time) []string {
	matches, err := filepath.Glob(filepath.Join(tmp, buildDirPrefix+"*"))
	if err != nil {
		return nil
	}
	var removed []string
	for _, dir := range matches {
		// Lstat: a link planted in a shared temporary directory is not followed.
		fi, err := os.Lstat(dir)
		if err != nil || !fi.IsDir() {
			continue
		}
		if removeIfOrphaned(dir, fi, now) {
			removed = append(removed, dir)
		}
	}
	return removed
}
