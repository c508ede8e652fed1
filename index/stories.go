package index

import (
	"bufio"
	_ "embed"
	"fmt"
	"strings"
	"sync"
)

// storiesText is the pool of real-shaped stories (long, contextual, vague
// messages), each labelled with the entry that answers it or "none" for one the FAQ
// must not answer: getting a first SMP, choosing who does it and its price, keeping
// up an SMP one is happy with, hair transplants, hair loss drugs. Cross-validation
// holds them out by fold and asks them (Check, TestStoriesCV); every build trains
// the in/out classifier on them (scope.go; index/MODEL.md, ninth round).
//
//go:embed stories.txt
var storiesText string

// story is one message of the pool: want is the entry that answers it, "" for
// one to decline.
type story struct{ want, text string }

// maxStoryLen bounds a story's length: real messages, not essays.
const maxStoryLen = 600

// parseStories parses the pool: "<entry id> | <text>" a line ("none" for a story to
// decline), blank lines and lines starting with # ignored.
func parseStories(text string) ([]story, error) {
	var out []story
	sc := bufio.NewScanner(strings.NewReader(text))
	for line := 1; sc.Scan(); line++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		id, t, ok := strings.Cut(l, "|")
		id, t = strings.TrimSpace(id), strings.TrimSpace(t)
		if !ok || id == "" || t == "" {
			return nil, fmt.Errorf("stories line %d: want \"<entry id> | <story>\"", line)
		}
		if len(t) > maxStoryLen {
			return nil, fmt.Errorf("stories line %d: %d bytes, at most %d", line, len(t), maxStoryLen)
		}
		if id == "none" {
			id = ""
		}
		out = append(out, story{want: id, text: t})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("stories: %w", err)
	}
	return out, nil
}

// storyLines returns the pool, parsed once.
var storyLines = sync.OnceValue(func() []story {
	ss, err := parseStories(storiesText)
	if err != nil {
		panic(err) // the file is fixed at compile time and tested
	}
	return ss
})
