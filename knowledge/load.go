package knowledge

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
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

// loadTolerant reads the FAQ in fsys like Load, but a file that is not valid does not
// fail the whole load: it is left out and reported in broken, and last(name) may give
// the last good entry that file held, which is kept in its place. A related id naming
// an entry that is not there is dropped from the entry that names it (reported unless
// the named file is itself broken), and of two files sharing a phrasing the second is
// left out. The entries returned are always a valid FAQ.
func loadTolerant(fsys fs.FS, last func(name string) (Entry, bool)) (entries []Entry, broken map[string][]error, err error) {
	names, err := fs.Glob(fsys, "*"+Ext)
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(names)
	broken = map[string][]error{}
	var files []File
	kept := map[string]bool{} // files standing in for a broken one
	for _, name := range names {
		if strings.HasPrefix(path.Base(name), ".") {
			continue
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed while we read the directory
			}
			return nil, nil, err
		}
		f, err := Parse(name, data)
		if err == nil {
			if errs := check(f); len(errs) > 0 {
				err = errors.Join(errs...)
			}
		}
		if err != nil {
			broken[name] = append(broken[name], err)
			if e, ok := last(name); ok {
				files = append(files, File{Name: name, Entry: e})
				kept[name] = true
			}
			continue
		}
		files = append(files, f)
	}
	// Each round drops dangling related ids, then leaves out the files the set-wide
	// checks still name; a round that is not the last leaves out a file, so this ends.
	for {
		ids := map[string]bool{}
		for _, f := range files {
			ids[f.Entry.ID] = true
		}
		for i, f := range files {
			if !slices.ContainsFunc(f.Entry.Related, func(r string) bool { return !ids[r] }) {
				continue
			}
			var keep []string
			for _, r := range f.Entry.Related {
				switch {
				case ids[r]:
					keep = append(keep, r)
				case broken[r+Ext] == nil && !kept[f.Name]:
					broken[f.Name] = append(broken[f.Name], f.errorf("related", ErrUnknownRelated, "%q (left out of the related entries)", r))
				}
			}
			files[i].Entry.Related = keep
		}
		err := Validate(files)
		if err == nil {
			break
		}
		out := map[string]bool{}
		for _, e := range unjoin(err) {
			var ke *Error
			if !errors.As(e, &ke) {
				return nil, nil, err
			}
			out[ke.File] = true
			if !kept[ke.File] {
				broken[ke.File] = append(broken[ke.File], e)
			}
		}
		files = slices.DeleteFunc(files, func(f File) bool { return out[f.Name] })
	}
	entries = make([]Entry, len(files))
	for i, f := range files {
		entries[i] = f.Entry
	}
	return entries, broken, nil
}

// unjoin splits an error made by errors.Join into its parts.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unjoin(e)...)
		}
		return out
	}
	return []error{err}
}
