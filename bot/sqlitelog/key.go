package sqlitelog

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// KeyFile is the default name of the file holding the key that hashes user ids, in
// the database's directory. It is kept out of the database so that a copy of
// questions.db alone (a backup) cannot be brute-forced back to user ids: back the two
// up separately, or the key not at all (losing it only stops `data purge --user` from
// finding the people recorded before).
const KeyFile = "questions.key"

// WithKeyFile sets where the user-id key is kept (default KeyFile beside the
// database), for example a secret mounted by the service manager.
func WithKeyFile(path string) Option { return func(x *Log) { x.keyPath = path } }

// userKey is the key in memory, reloaded when its file changes (after a rotation by
// another process).
type userKey struct {
	mu    sync.Mutex
	key   []byte
	stamp keyStamp
}

type keyStamp struct {
	mod  time.Time
	size int64
	ino  uint64
}

func stampOf(fi fs.FileInfo) keyStamp {
	s := keyStamp{mod: fi.ModTime(), size: fi.Size()}
	if st, ok := fi.Sys().(interface{ Ino() uint64 }); ok {
		s.ino = st.Ino()
	}
	return s
}

// hash returns the keyed hash stored instead of a platform user id.
func (l *Log) hash(platform, user string) string {
	m := hmac.New(sha256.New, l.currentKey())
	m.Write([]byte(platform))
	m.Write([]byte{0})
	m.Write([]byte(user))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// UserHash returns the keyed hash the log stores for a platform user id: what logs
// may show instead of the id, so that a line can be matched to the question log
// without naming the person.
func (l *Log) UserHash(platform, user string) string { return l.hash(platform, user) }

// currentKey returns the key, re-read if its file was replaced since.
func (l *Log) currentKey() []byte {
	l.ukey.mu.Lock()
	defer l.ukey.mu.Unlock()
	if fi, err := os.Stat(l.keyPath); err == nil && stampOf(fi) != l.ukey.stamp {
		if key, err := readKeyFile(l.keyPath); err == nil {
			l.ukey.key, l.ukey.stamp = key, stampOf(fi)
		}
	}
	return l.ukey.key
}

func readKeyFile(path string) ([]byte, error) {
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

// loadKey reads the key file, creating it on first use. A database from before the
// key file existed holds the key in its settings table: it is moved to the file and
// deleted from the database (secure_delete overwrites it, the checkpoint clears the
// WAL).
func (l *Log) loadKey(ctx context.Context) error {
	var inDB string
	err := l.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'user_key'`).Scan(&inDB)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("reading the settings: %w", err)
	}
	for {
		key, err := readKeyFile(l.keyPath)
		if err == nil {
			if inDB != "" && inDB != hex.EncodeToString(key) {
				return fmt.Errorf("the database still holds a user key that differs from %s: the database was restored from before the key moved out of it; put its old key file back, or move the database aside", l.keyPath)
			}
			if err := l.securePerms(); err != nil {
				return err
			}
			if inDB != "" {
				if err := l.write(ctx, func(tx execer) error {
					_, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key = 'user_key'`)
					return err
				}); err != nil {
					return fmt.Errorf("deleting the user key from the database: %w", err)
				}
				l.log.Info("the key that hashes user ids moved out of the database", "key_file", l.keyPath)
			}
			fi, err := os.Stat(l.keyPath)
			if err != nil {
				return err
			}
			l.ukey.key, l.ukey.stamp = key, stampOf(fi)
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		hexKey := inDB
		if hexKey == "" {
			if n, err := l.linkedRows(ctx); err != nil {
				return err
			} else if n > 0 {
				l.log.Warn("user key file missing: a new key is made; the people of the rows recorded before can no longer be found by id (data purge --user), only by age",
					"key_file", l.keyPath, "rows", n)
			}
			if hexKey, err = newKey(); err != nil {
				return err
			}
		}
		if err := installKeyFile(l.keyPath, hexKey, false); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		// Created, or another process created it first: read it back.
	}
}

// linkedRows counts the rows still tied to a user hash.
func (l *Log) linkedRows(ctx context.Context) (int64, error) {
	var n int64
	err := l.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM questions WHERE user_hash != '') +
		(SELECT count(*) FROM feedback WHERE user_hash NOT LIKE 'purged-%')`).Scan(&n)
	return n, err
}

// securePerms makes the key file readable by its owner only.
func (l *Log) securePerms() error {
	fi, err := os.Stat(l.keyPath)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 == 0 {
		return nil
	}
	if err := os.Chmod(l.keyPath, 0o600); err != nil {
		return fmt.Errorf("user key %s is readable by others (%v) and could not be fixed: %w", l.keyPath, fi.Mode().Perm(), err)
	}
	l.log.Warn("user key file was readable by others; now 0600", "key_file", l.keyPath, "was", fi.Mode().Perm().String())
	return nil
}

// installKeyFile writes hexKey to path through a temporary file, so a reader never
// sees half a key. Unless replace, path must not exist (fs.ErrExist otherwise): linked,
// not renamed, into place, so two processes starting at once agree on one key.
func installKeyFile(path, hexKey string, replace bool) error {
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

// RotateKey replaces the key that hashes user ids, after unlinking every row from the
// person it was tied to (as the retention does at the end of the keep period):
// whoever holds the old key, or a backup made with it, can no longer tie the rows
// now in the database to anyone. Question texts stay until their retention ends;
// `data purge --user` reaches only what is recorded after the rotation. It returns how
// many rows were unlinked. A bot running on the same files picks up the new key at
// its next write.
func (l *Log) RotateKey(ctx context.Context) (int64, error) {
	hexKey, err := newKey()
	if err != nil {
		return 0, err
	}
	var n int64
	err = l.write(ctx, func(tx execer) error {
		res, err := tx.ExecContext(ctx, `UPDATE questions SET user_hash = '' WHERE user_hash != ''`)
		if err != nil {
			return err
		}
		q, err := res.RowsAffected()
		if err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, `UPDATE feedback SET user_hash = 'purged-' || rowid WHERE user_hash NOT LIKE 'purged-%'`)
		if err != nil {
			return err
		}
		f, err := res.RowsAffected()
		n = q + f
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("question log: unlinking rows before a key rotation: %w", err)
	}
	if err := installKeyFile(l.keyPath, hexKey, true); err != nil {
		return n, fmt.Errorf("question log: rows unlinked, but the new key was not written (the old one stays): %w", err)
	}
	if !bytes.Equal(l.currentKey(), mustHex(hexKey)) {
		return n, errors.New("question log: the new key was written but does not read back")
	}
	return n, nil
}

func mustHex(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}
