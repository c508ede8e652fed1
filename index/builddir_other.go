//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package index

import (
	"io/fs"
	"time"
)

// holdBuildDir does nothing where flock is not available: build directories are
// not locked, and so never judged left over.
func holdBuildDir(string) (release func(), err error) { return func() {}, nil }

// removeIfOrphaned removes nothing where flock is not available: without a lock it
// cannot tell a leftover from a build in progress.
func removeIfOrphaned(string, fs.FileInfo, time.Time) bool { return false }
