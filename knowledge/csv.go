package knowledge

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// CSVColumns are the columns of the CSV export, in order. List fields hold one item per
// line of the cell; a source is "title | url".
var CSVColumns = []string{"id", "question", "alternates", "answer", "caveats", "tags", "related", "sources", "updated"}

// WriteCSV writes entries as CSV with a header row, for spreadsheets.
func WriteCSV(w io.Writer, entries []Entry) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVColumns); err != nil {
		return err
	}
	for _, e := range entries {
		var sources []string
		for _, s := range e.Sources {
			sources = append(sources, s.Title+" | "+s.URL)
		}
		row := []string{e.ID, e.Question, lines(e.Alternates), e.Answer, lines(e.Caveats),
			lines(e.Tags), lines(e.Related), lines(sources), e.Updated}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func lines(ss []string) string { return strings.Join(ss, "\n") }

func splitLines(s string) []string {
	return trimAll(strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n"))
}

// ReadCSV reads entries from CSV with a header row naming at least id, question and
// answer; the other columns of CSVColumns are optional and columns may come in any
// order. Errors name the row.
func ReadCSV(r io.Reader) ([]Entry, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("CSV header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(CSVColumns, name) {
			return nil, fmt.Errorf("CSV header: %w: unknown column %q (known: %s)", ErrSyntax, h, strings.Join(CSVColumns, ", "))
		}
		col[name] = i
	}
	for _, need := range []string{"id", "question", "answer"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("CSV header: %w: no %q column", ErrMissingField, need)
		}
	}
	var out []Entry
	var errs []error
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("CSV: %w: %v", ErrSyntax, err)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		e := Entry{
			ID: get("id"), Question: get("question"), Answer: get("answer"), Updated: get("updated"),
			Alternates: splitLines(get("alternates")), Caveats: splitLines(get("caveats")),
			Tags: splitLines(get("tags")), Related: splitLines(get("related")),
		}
		for _, s := range splitLines(get("sources")) {
			title, url, ok := strings.Cut(s, " | ")
			if !ok {
				errs = append(errs, &Error{File: fmt.Sprintf("CSV row %d", row), Field: "sources", Err: fmt.Errorf("%w: %q is not \"title | url\"", ErrInvalidField, s)})
				continue
			}
			e.Sources = append(e.Sources, Source{Title: strings.TrimSpace(title), URL: strings.TrimSpace(url)})
		}
		out = append(out, e)
	}
	return out, errors.Join(errs...)
}

// ReadJSON reads entries from a JSON array, as written by json.Marshal of []Entry.
func ReadJSON(r io.Reader) ([]Entry, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var out []Entry
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("JSON: %w: %v", ErrSyntax, err)
	}
	return out, nil
}
