package knowledge

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
)

// Ext is the extension of entry files; other files in a FAQ directory are ignored.
const Ext = ".md"

//go:embed faq/*.md
var embedded embed.FS

// Embedded returns the curated FAQ compiled into the binary, the default when no data
// directory is configured.
func Embedded() fs.FS {
	sub, err := fs.Sub(embedded, "faq")
	if err != nil {
		panic(err) // the directory is fixed at compile time
	}
	return sub
}

// ReadFS parses every entry file at the top of fsys, in name order. It returns the files
// it could parse and an error joining every parse problem.
func ReadFS(fsys fs.FS) ([]File, error) {
	names, err := fs.Glob(fsys, "*"+Ext)
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var files []File
	var errs []error
	for _, name := range names {
		if strings.HasPrefix(path.Base(name), ".") {
			continue // editor swap files and the store's temporary files
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		f, err := Parse(name, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		files = append(files, f)
	}
	return files, errors.Join(errs...)
}

// Load reads and validates the FAQ in fsys. Any problem fails the whole load, so that a
// half-broken FAQ never replaces a good one.
func Load(fsys fs.FS) ([]Entry, error) {
	files, err := ReadFS(fsys)
	if err == nil {
		err = Validate(files)
	}
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("knowledge: no %s entry files found", Ext)
	}
	entries := make([]Entry, len(files))
	for i, f := range files {
		entries[i] = f.Entry
	}
	return entries, nil
}

// LoadDir is Load on a directory of the file system.
func LoadDir(dir string) ([]Entry, error) {
	entries, err := Load(os.DirFS(dir))
	if err != nil {
		return nil, fmt.Errorf("loading FAQ from %s: %w", dir, err)
	}
	return entries, nil
}
