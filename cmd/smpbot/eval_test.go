package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestEvalSets: several question sets give one line each and their total; walk
// seeds give each seed's total and the mean; a bad seed list is a usage error.
func TestEvalSets(t *testing.T) {
	t.Setenv("SMPBOT_DATA", "")
	dir := t.TempDir()
	a := filepath.Join(dir, "a.jsonl")
	b := filepath.Join(dir, "b.jsonl")
	os.WriteFile(a, []byte(`{"q":"how much does laser removal cost","accept":["cost"]}
{"q":"what is the capital of peru","accept":[]}
{"q":"my scalp has pus after laser","accept":["complications-urgent"],"urgent":true}
`), 0o644)
	// Answered with "cost", which this set does not accept: a wrong answer. Declined:
	// neither right nor wrong.
	os.WriteFile(b, []byte(`{"q":"how much does laser removal cost","accept":["laser-sessions-count"]}
{"q":"what is the capital of peru","accept":["cost"]}
`), 0o644)
	tests := []struct {
		args []string
		code int
		want []string // the lines of stdout, spaces squeezed; or, with code 2, a part of stderr
	}{
		{[]string{"eval", a, b}, 0, []string{
			"a answerable 2 right 2 p@1 1.000 wrong 0 declined 1/1 urgent recall 1/1 false urgent 0",
			"b answerable 2 right 0 p@1 0.000 wrong 1 declined 0/0 urgent recall 0/0 false urgent 0",
			"total right 2 wrong 1",
		}},
		{[]string{"eval", "--walk-seeds", "0,2", a, b}, 0, []string{
			"seed 0: total right 2 wrong 1",
			"seed 2: total right 2 wrong 1",
			"mean over 2 seeds: right 2.0 wrong 1.0 (sd 0.0, 0.0)",
		}},
		{[]string{"eval", b, "--walk-seeds", "1-2"}, 0, []string{
			"seed 1: total right 0 wrong 1",
			"seed 2: total right 0 wrong 1",
			"mean over 2 seeds: right 0.0 wrong 1.0 (sd 0.0, 0.0)",
		}},
		{[]string{"eval", "--walk-seeds", "x", a}, 2, []string{`"x" is not a seed`}},
		{[]string{"eval", "--walk-seeds", "1,,2", a}, 2, []string{`"" is not a seed`}},
		{[]string{"eval", "--walk-seeds", "0-", a}, 2, []string{`"0-" is not a range`}},
		{[]string{"eval", "--walk-seeds", "0-100", a}, 2, []string{"more than 100 seeds"}},
		{[]string{"eval", "--walk-seeds", "0-1", "--data"}, 2, []string{"flag needs an argument"}},
	}
	for _, tt := range tests {
		code, out, errs := runCLI(t, "", tt.args...)
		if code != tt.code {
			t.Errorf("smpbot %s: exit %d, want %d\n%s%s", strings.Join(tt.args, " "), code, tt.code, out, errs)
			continue
		}
		if code != 0 {
			if !strings.Contains(errs, tt.want[0]) {
				t.Errorf("smpbot %s: stderr %q, want it to say %q", strings.Join(tt.args, " "), errs, tt.want[0])
			}
			continue
		}
		var got []string
		for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
			got = append(got, strings.Join(strings.Fields(l), " "))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("smpbot %s:\ngot  %q\nwant %q", strings.Join(tt.args, " "), got, tt.want)
		}
	}
}

func TestParseSeeds(t *testing.T) {
	tests := []struct {
		in   string
		want []uint64
	}{
		{"0", []uint64{0}},
		{"0,1,2", []uint64{0, 1, 2}},
		{"0-3", []uint64{0, 1, 2, 3}},
		{"0-1, 5,7-8", []uint64{0, 1, 5, 7, 8}},
		{"18446744073709551615", []uint64{18446744073709551615}},
		{"18446744073709551614-18446744073709551615", []uint64{18446744073709551614, 18446744073709551615}},
		{"2-1", nil},
		{"-1", nil},
		{"a-b", nil},
		{"", nil},
		{"0-100", nil}, // 101 seeds
		{"0-49,50-100", nil},
	}
	for _, tt := range tests {
		got, err := parseSeeds(tt.in)
		if !slices.Equal(got, tt.want) || (err == nil) != (tt.want != nil) {
			t.Errorf("parseSeeds(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}
