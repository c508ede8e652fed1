package knowledge

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestCSVRoundTrip(t *testing.T) {
	entries, err := Load(Embedded())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, entries); err != nil {
		t.Fatal(err)
	}
	got, err := ReadCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, entries) {
		t.Errorf("CSV round trip changed the FAQ")
	}
}

func TestReadCSVErrors(t *testing.T) {
	tests := []struct{ name, csv string }{
		{"unknown column", "id,question,answer,colour\n"},
		{"missing column", "id,question\n"},
		{"bad source", "id,question,answer,sources\nx,q?,a,no url here\n"},
		{"bad quoting", "id,question,answer\nx,\"q?,a\n"},
	}
	for _, tt := range tests {
		if _, err := ReadCSV(strings.NewReader(tt.csv)); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
}

func TestImportValidatesTheWholeSetFirst(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, t.TempDir())
	a, b := sample(), sample()
	a.ID, a.Question, a.Alternates, a.Related = "new-a", "New question A?", nil, []string{"new-b"}
	b.ID, b.Question, b.Alternates, b.Related = "new-b", "New question B?", nil, []string{"new-a"}
	// Each refers to the other: valid only as a set.
	added, replaced, err := s.Import(ctx, []Entry{a, b}, moderator)
	if err != nil || added != 2 || replaced != 0 {
		t.Fatalf("Import = %d, %d, %v", added, replaced, err)
	}
	c := sample()
	c.ID, c.Question, c.Answer = "new-c", "New question C?", ""
	before := len(s.Entries())
	if _, _, err := s.Import(ctx, []Entry{c, a}, moderator); !errors.Is(err, ErrMissingField) {
		t.Errorf("Import with an invalid entry = %v, want ErrMissingField", err)
	}
	if len(s.Entries()) != before {
		t.Error("a refused import changed the FAQ")
	}
	hist, _ := s.History("new-a")
	if len(hist) != 1 || hist[0].Action != "import" || hist[0].Batch == 0 {
		t.Errorf("import history %+v", hist)
	}
}
