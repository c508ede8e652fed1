// Package signin keeps the web console's single-use sign-in links: made by one process
// (`smpbot console link`, a chat command) and redeemed by the one serving the console.
// It is apart from package web so that the chat adapters, which hand the links out,
// and the console, which shows replies as the adapters render them, do not import
// each other.
package signin

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/smpbot/smpbot/bot"
)

// DefaultLinkTTL is how long a sign-in link stays valid.
const DefaultLinkTTL = 10 * time.Minute

// ErrBadLink: a sign-in link is unknown, already used or expired.
var ErrBadLink = errors.New("sign-in link unknown, used or expired")

// Links keeps single-use sign-in links in a directory, so that the process that makes
// a link (`smpbot console link`, a chat command) and the one serving the console may
// differ. A file is named by the SHA-256 of its token, so the directory never holds a
// usable token; redeeming removes the file, and only the one remover that succeeds
// signs in.
type Links struct {
	dir string
	now func() time.Time
}

// NewLinks returns the links kept in dir (created when the first link is made).
func NewLinks(dir string) *Links { return &Links{dir: dir, now: time.Now} }

// SetClock sets the clock links expire by (default time.Now).
func (l *Links) SetClock(now func() time.Time) { l.now = now }

// link is a link's file.
type link struct {
	Who     bot.Identity `json:"who"`
	Expires time.Time    `json:"expires"`
}

const tokenBytes = 32

// Mint makes a link for who, valid for ttl, and returns its token.
func (l *Links) Mint(who bot.Identity, ttl time.Duration) (string, error) {
	if who.User == "" {
		return "", errors.New("sign-in link: no user")
	}
	if err := os.MkdirAll(l.dir, 0o700); err != nil {
		return "", fmt.Errorf("sign-in link: %w", err)
	}
	l.sweep()
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("sign-in link: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	data, err := json.Marshal(link{Who: who, Expires: l.now().Add(ttl).UTC()})
	if err != nil {
		return "", err
	}
	path := l.path(token)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return "", fmt.Errorf("sign-in link: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("sign-in link: %w", err)
	}
	return token, nil
}

func (l *Links) path(token string) string {
	sum := sha256.Sum256([]byte(token))
	return filepath.Join(l.dir, hex.EncodeToString(sum[:])+".json")
}

// ValidToken reports whether s has the shape of a token, before it is used in a path.
func ValidToken(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == tokenBytes
}

// Redeem uses up the link with token and returns whom it was made for. A link that
// is unknown, already used or expired fails with ErrBadLink.
func (l *Links) Redeem(token string) (bot.Identity, error) {
	if !ValidToken(token) {
		return bot.Identity{}, ErrBadLink
	}
	path := l.path(token)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return bot.Identity{}, ErrBadLink
	}
	if err != nil {
		return bot.Identity{}, fmt.Errorf("sign-in link: %w", err)
	}
	// Whoever removes the file redeems the link; a second redeemer finds it gone.
	if err := os.Remove(path); err != nil {
		return bot.Identity{}, ErrBadLink
	}
	var ln link
	if err := json.Unmarshal(data, &ln); err != nil || ln.Who.User == "" {
		return bot.Identity{}, ErrBadLink
	}
	if !l.now().Before(ln.Expires) {
		return bot.Identity{}, ErrBadLink
	}
	return ln.Who, nil
}

// sweep removes expired links, so unused ones do not pile up.
func (l *Links) sweep() {
	names, _ := filepath.Glob(filepath.Join(l.dir, "*.json"))
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		var ln link
		if json.Unmarshal(data, &ln) != nil || !l.now().Before(ln.Expires) {
			os.Remove(name)
		}
	}
	tmps, _ := filepath.Glob(filepath.Join(l.dir, "*.tmp"))
	for _, name := range tmps {
		if fi, err := os.Stat(name); err == nil && l.now().Sub(fi.ModTime()) > time.Hour {
			os.Remove(name)
		}
	}
}

// URL is the address of the console's sign-in page for token under base (the
// console's public address, such as https://faq.example.org).
func URL(base, token string) string {
	return strings.TrimRight(base, "/") + "/signin?t=" + token
}
