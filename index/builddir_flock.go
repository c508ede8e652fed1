//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package index

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// holdBuildDir locks dir's owner lock for this process. The lock file is locked under
// another name and then renamed, so that no other process ever sees it unlocked.
func holdBuildDir(dir string) (release func(), err error) {
	tmp := filepath.Join(dir, ownerLock+".new")
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	if err := os.Rename(tmp, filepath.Join(dir, ownerLock)); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// removeIfOrphaned removes dir, which fi describes, if it belongs to this user and
// its owner lock can be taken (its process is gone), or if it has no owner lock and
// is older than orphanAge.
func removeIfOrphaned(dir string, fi fs.FileInfo, now time.Time) bool {
	if st, ok := fi.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != os.Getuid() {
		return false // another user's build: theirs to clean up
	}
	f, err := os.Open(filepath.Join(dir, ownerLock))
	if errors.Is(err, fs.ErrNotExist) {
		if now.Sub(fi.ModTime()) < orphanAge {
			return false
		}
		return os.RemoveAll(dir) == nil
	}
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return false // held: a live build
	}
	// Held now by this process, so no other sweep judges it meanwhile.
	return os.RemoveAll(dir) == nil
}
