// Package userkey keeps the secret that the question logs (bot/sqlitelog, bot/pglog)
// hash user ids with, in a file of its own: never in the database, so that a copy of
// the database alone cannot be brute-forced back to ids. The file holds the key in hex
// and is readable by its owner only.
package userkey

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// File is a key file and the key read from it, re-read when the file is replaced (a
// rotation by another process). It is safe for concurrent use.
type File struct {
	path  string
	mu    sync.Mutex
	key   []byte
	stamp stamp
}

type stamp struct {
	mod  time.Time
	size int64
	ino  uint64
}

func stampOf(fi fs.FileInfo) stamp {
	// File times can be coarser than two quick replacements apart: the inode tells them
	// apart where there is one.
	return stamp{mod: fi.ModTime(), size: fi.Size(), ino: inode(fi)}
}

// Open reads the key file at path; a missing file fails with an error satisfying
// errors.Is(err, fs.ErrNotExist).
func Open(path string) (*File, error) {
	f := &File{path: path}
	if err := f.Reload(); err != nil {
		return nil, err
	}
	return f, nil
}

// Path returns the key file's path.
func (f *File) Path() string { return f.path }

// Reload reads the file again, as after this process replaced it: the check Key makes
// compares file times, sizes and inodes, which a quick replacement can leave equal.
func (f *File) Reload() error { return f.reload() }

func (f *File) reload() error {
	fi, err := os.Stat(f.path)
	if err != nil {
		return err
	}
	key, err := Read(f.path)
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.key, f.stamp = key, stampOf(fi)
	f.mu.Unlock()
	return nil
}

// Key returns the key, re-read if its file was replaced since.
func (f *File) Key() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fi, err := os.Stat(f.path); err == nil && stampOf(fi) != f.stamp {
		if key, err := Read(f.path); err == nil {
			f.key, f.stamp = key, stampOf(fi)
		}
	}
	return f.key
}

// Hash returns the keyed hash a log stores instead of a platform user id.
func (f *File) Hash(platform, user string) string {
	m := hmac.New(sha256.New, f.Key())
	m.Write([]byte(platform))
	m.Write([]byte{0})
	m.Write([]byte(user))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// Fingerprint names the key without revealing it, so that processes sharing a database
// can tell whether they hash with the same key.
func (f *File) Fingerprint() string { return Fingerprint(f.Key()) }

// Fingerprint names key without revealing it.
func Fingerprint(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("smpbot user key fingerprint"))
	return hex.EncodeToString(m.Sum(nil)[:8])
}

// New returns a new random key in hex.
func New() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// Read reads a key file.
func Read(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) < 16 {
		return nil, fmt.Errorf("user key %s is damaged: want at least 32 hex digits", path)
	}
	return key, nil
}

// SecurePerms makes the key file readable by its owner only, logging when it was not.
func SecurePerms(path string, log *slog.Logger) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 == 0 {
		return nil
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return fmt.Errorf("user key %s is readable by others (%v) and could not be fixed: %w", path, fi.Mode().Perm(), err)
	}
	log.Warn("user key file was readable by others; now 0600", "key_file", path, "was", fi.Mode().Perm().String())
	return nil
}

// Install writes hexKey to path through a temporary file, so a reader never sees half
// a key. Unless replace, path must not exist (fs.ErrExist otherwise): linked, not
// renamed, into place, so two processes starting at once agree on one key.
func Install(path, hexKey string, replace bool) error {
	tmp, err := writeTemp(path, hexKey)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	install := os.Link
	if replace {
		install = os.Rename
	}
	if err := install(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func writeTemp(path, hexKey string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("user key: %w", err)
	}
	if err := f.Chmod(0o600); err == nil {
		_, err = f.Write([]byte(hexKey + "\n"))
		if err == nil {
			err = f.Sync()
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("user key: %w", err)
	}
	return f.Name(), nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
