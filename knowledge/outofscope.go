package knowledge

import (
	"bufio"
	_ "embed"
	"fmt"
	"strings"
)

//go:embed outofscope.txt
var outOfScope string

// OutOfScope returns the curated questions the bot must decline (other procedures,
// hair-transplant prices, general chat, medical questions the FAQ does not cover).
// The index learns from them what "none of these" looks like.
func OutOfScope() []string {
	qs, err := ParseOutOfScope(outOfScope)
	if err != nil {
		panic(err) // the file is fixed at compile time and tested
	}
	return qs
}

// ParseOutOfScope reads one question per line; blank lines and lines starting with #
// are ignored. A line that is too long to be a question is an error.
func ParseOutOfScope(text string) ([]string, error) {
	var qs []string
	sc := bufio.NewScanner(strings.NewReader(text))
	for line := 1; sc.Scan(); line++ {
		q := strings.TrimSpace(sc.Text())
		if q == "" || strings.HasPrefix(q, "#") {
			continue
		}
		if len(q) > MaxQuestionLen {
			return nil, fmt.Errorf("out-of-scope line %d: %d bytes, at most %d", line, len(q), MaxQuestionLen)
		}
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("out-of-scope questions: %w", err)
	}
	return qs, nil
}
