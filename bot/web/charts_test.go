package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/smpbot/smpbot/bot"
)

func TestChartsOfNothingDrawNothing(t *testing.T) {
	empty := []bot.DayOutcomes{{Day: "2026-03-01"}, {Day: "2026-03-02"}}
	for name, ch := range map[string]svgChart{
		"outcomes": outcomesChart(nil), "outcomes of empty days": outcomesChart(empty),
		"share": shareChart(empty), "feedback": feedbackChart([]bot.WeekFeedback{{Week: "2026-03-02"}}), "top": topChart(nil),
	} {
		if len(ch.Rects) != 0 || len(ch.Dots) != 0 || ch.Points != "" {
			t.Errorf("%s: %d bars, %d points for no data", name, len(ch.Rects), len(ch.Dots))
		}
		if s := fmt.Sprint(ch); strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
			t.Errorf("%s: not a number in %v", name, s)
		}
	}
}

func TestOutcomesChartStacksToTheTotal(t *testing.T) {
	days := []bot.DayOutcomes{{Day: "2026-03-01", Answered: 6, Declined: 2}, {Day: "2026-03-02", Answered: 1, LowConfidence: 1, Offered: 1, Declined: 1}}
	ch := outcomesChart(days)
	if len(ch.Rects) != 6 {
		t.Fatalf("%d bars, want 6 (two on day 1, four on day 2)", len(ch.Rects))
	}
	// The tallest stack (8 questions) fills the plot exactly.
	top, bottom := ch.Rects[1].Y, ch.Rects[0].Y+ch.Rects[0].H
	if top != padTop || bottom != padTop+plotH {
		t.Errorf("day 1 spans %v to %v, want %v to %v", top, bottom, padTop, padTop+plotH)
	}
	if ch.Rects[1].Title != "2026-03-01: 2 declined" {
		t.Errorf("title %q", ch.Rects[1].Title)
	}
}
