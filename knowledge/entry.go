// Package knowledge holds smpbot's curated FAQ: the Entry type that is the one shape of a
// FAQ entry everywhere, the file format moderators edit (Markdown with YAML front matter),
// validation, the FAQ embedded in the binary, and the store that keeps a writable copy.
//
// It knows nothing of search indexes or chat platforms.
package knowledge

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Entry is one curated FAQ entry.
type Entry struct {
	// ID is stable, lower-case and kebab-case; it names the file and is what related
	// entries, evaluations and the audit log refer to.
	ID       string `json:"id"`
	Question string `json:"question"`
	// Alternates are other ways people ask the same question, short and informal ones
	// included; they weigh almost as much as Question in search.
	Alternates []string `json:"alternates,omitempty"`
	// Answer is the body of the entry, in light Markdown (bold, lists, paragraphs).
	Answer  string   `json:"answer"`
	Caveats []string `json:"caveats,omitempty"`
	Tags    []string `json:"tags,omitempty"`
	// Related holds the ids of entries worth reading next.
	Related []string `json:"related,omitempty"`
	Sources []Source `json:"sources,omitempty"`
	// Updated is the day the entry was last reviewed, as YYYY-MM-DD.
	Updated string `json:"updated"`
}

// Source is a public reference behind an answer.
type Source struct {
	Title string `json:"title" yaml:"title"`
	URL   string `json:"url" yaml:"url"`
}

// frontMatter is the YAML part of an entry file; the answer is the Markdown body.
type frontMatter struct {
	ID         string   `yaml:"id"`
	Question   string   `yaml:"question"`
	Alternates []string `yaml:"alternates,omitempty"`
	Tags       []string `yaml:"tags,flow,omitempty"`
	Related    []string `yaml:"related,flow,omitempty"`
	Sources    []Source `yaml:"sources,omitempty"`
	Caveats    []string `yaml:"caveats,omitempty"`
	Updated    string   `yaml:"updated"`
}

// File is an entry as read from a file, with the lines its fields start on so that
// validation can point a moderator at the right place.
type File struct {
	Name  string
	Entry Entry
	lines map[string]int // front-matter key -> 1-based line in the file
}

// Line reports the line on which field starts in the file, or 0 if unknown.
func (f File) Line(field string) int { return f.lines[field] }

const delim = "---"

// MaxFileSize bounds an entry file; a larger one is refused before it is parsed.
const MaxFileSize = 64 << 10

var yamlLine = regexp.MustCompile(`line (\d+)`)

// Parse reads one entry in the file format: a line "---", YAML front matter, a line
// "---", then the answer as Markdown. name is used in errors only.
func Parse(name string, data []byte) (File, error) {
	f := File{Name: name}
	if len(data) > MaxFileSize {
		return f, &Error{File: name, Err: fmt.Errorf("%w: file is %d bytes, limit %d", ErrTooLong, len(data), MaxFileSize)}
	}
	text := strings.ReplaceAll(string(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != delim {
		return f, &Error{File: name, Line: 1, Err: fmt.Errorf("%w: the file must start with a line %q", ErrSyntax, delim)}
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		if strings.TrimRight(lines[i], " \t") == delim {
			end = i
			break
		}
	}
	if end < 0 {
		return f, &Error{File: name, Line: 1, Err: fmt.Errorf("%w: no closing %q after the front matter", ErrSyntax, delim)}
	}
	head := strings.Join(lines[1:end], "\n")

	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(head), &doc); err != nil {
		return f, yamlError(name, err)
	}
	var fm frontMatter
	dec := yaml.NewDecoder(strings.NewReader(head))
	dec.KnownFields(true)
	if err := dec.Decode(&fm); err != nil {
		if errors.Is(err, io.EOF) {
			return f, &Error{File: name, Line: 2, Err: fmt.Errorf("%w: empty front matter", ErrSyntax)}
		}
		return f, yamlError(name, err)
	}
	f.lines = map[string]int{"answer": end + 2}
	if len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
		m := doc.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			f.lines[m.Content[i].Value] = m.Content[i].Line + 1
		}
	}
	f.Entry = Entry{
		ID:         strings.TrimSpace(fm.ID),
		Question:   strings.TrimSpace(fm.Question),
		Alternates: trimAll(fm.Alternates),
		Answer:     strings.TrimSpace(strings.Join(lines[end+1:], "\n")),
		Caveats:    trimAll(fm.Caveats),
		Tags:       trimAll(fm.Tags),
		Related:    trimAll(fm.Related),
		Sources:    fm.Sources,
		Updated:    strings.TrimSpace(fm.Updated),
	}
	for i := range f.Entry.Sources {
		f.Entry.Sources[i].Title = strings.TrimSpace(f.Entry.Sources[i].Title)
		f.Entry.Sources[i].URL = strings.TrimSpace(f.Entry.Sources[i].URL)
	}
	return f, nil
}

// yamlError turns a yaml.v3 error into an *Error whose line counts from the top of
// the file (the front matter starts on line 2).
func yamlError(name string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		line = n + 1
		msg = strings.Replace(msg, m[0], "line "+strconv.Itoa(line), 1)
		msg = strings.TrimPrefix(msg, "line "+strconv.Itoa(line)+": ")
	}
	msg = strings.ReplaceAll(msg, "\n ", ";")
	return &Error{File: name, Line: line, Err: fmt.Errorf("%w: %s", ErrSyntax, msg)}
}

func trimAll(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Format writes e in the file format that Parse reads.
func Format(e Entry) []byte {
	fm := frontMatter{
		ID: e.ID, Question: e.Question, Alternates: e.Alternates, Tags: e.Tags,
		Related: e.Related, Sources: e.Sources, Caveats: e.Caveats, Updated: e.Updated,
	}
	var buf bytes.Buffer
	buf.WriteString(delim + "\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(fm); err != nil {
		// frontMatter holds only strings and slices of them; encoding cannot fail.
		panic(fmt.Sprintf("knowledge: encoding front matter: %v", err))
	}
	enc.Close()
	buf.WriteString(delim + "\n")
	buf.WriteString(strings.TrimSpace(e.Answer))
	buf.WriteString("\n")
	return buf.Bytes()
}
