package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/smpbot/smpbot/bot"
)

// svgChart is a chart drawn as inline SVG by the charts template: rectangles, text,
// grid lines and one polyline, each mark with a <title> so its number shows on hover
// (and on a long press on a phone) without any script.
type svgChart struct {
	W, H   float64
	Label  string
	Rects  []svgRect
	Texts  []svgText
	Grid   []svgLine
	Points string // polyline, "x,y x,y ..."
	Dots   []svgDot
	Legend []legendItem
}

type svgRect struct {
	X, Y, W, H float64
	Class      string
	Title      string
}

type svgText struct {
	X, Y   float64
	Text   string
	Anchor string // start, middle, end
}

type svgLine struct{ X1, Y1, X2, Y2 float64 }

type svgDot struct {
	X, Y  float64
	Title string
}

type legendItem struct{ Class, Label string }

// Chart frame: the plot sits inside these margins.
const (
	chartW, chartH             = 640.0, 240.0
	padLeft, padRight          = 40.0, 10.0
	padTop, padBottom          = 10.0, 30.0
	plotW                      = chartW - padLeft - padRight
	plotH                      = chartH - padTop - padBottom
	maxXLabels                 = 8
	outcomeAnswered            = "answered"
	outcomeLow, outcomeOffered = "low", "offered"
	outcomeDeclined            = "declined"
)

// frame returns a chart with horizontal grid lines and their labels for values up to top.
func frame(label string, top float64, format func(float64) string) (svgChart, func(float64) float64) {
	ch := svgChart{W: chartW, H: chartH, Label: label}
	if top <= 0 {
		top = 1
	}
	y := func(v float64) float64 { return padTop + plotH - plotH*v/top }
	for _, f := range []float64{0, 0.5, 1} {
		v := top * f
		ch.Grid = append(ch.Grid, svgLine{padLeft, y(v), chartW - padRight, y(v)})
		ch.Texts = append(ch.Texts, svgText{X: padLeft - 4, Y: y(v) + 4, Text: format(v), Anchor: "end"})
	}
	return ch, y
}

func count(v float64) string {
	if v == float64(int(v)) {
		return fmt.Sprint(int(v))
	}
	return fmt.Sprintf("%.1f", v)
}

// xLabels labels every so many slots so that at most maxXLabels fit.
func (ch *svgChart) xLabels(labels []string, slot float64) {
	step := (len(labels) + maxXLabels - 1) / maxXLabels
	for i, l := range labels {
		if step > 0 && i%step == 0 {
			ch.Texts = append(ch.Texts, svgText{X: padLeft + slot*(float64(i)+0.5), Y: chartH - 10, Text: l, Anchor: "middle"})
		}
	}
}

// outcomesChart stacks each day's questions by outcome.
func outcomesChart(days []bot.DayOutcomes) svgChart {
	top := 0
	for _, d := range days {
		top = max(top, d.Total())
	}
	ch, y := frame("Questions per day by outcome", float64(top), count)
	slot := plotW / float64(max(len(days), 1))
	labels := make([]string, len(days))
	for i, d := range days {
		labels[i] = shortDay(d.Day)
		base := 0
		for _, part := range []struct {
			class, name string
			n           int
		}{
			{outcomeAnswered, "answered", d.Answered}, {outcomeLow, "low confidence", d.LowConfidence},
			{outcomeOffered, "offered topics", d.Offered}, {outcomeDeclined, "declined", d.Declined},
		} {
			if part.n == 0 {
				continue
			}
			y0, y1 := y(float64(base)), y(float64(base+part.n))
			ch.Rects = append(ch.Rects, svgRect{X: padLeft + slot*float64(i) + slot*0.1, Y: y1, W: slot * 0.8, H: y0 - y1,
				Class: part.class, Title: fmt.Sprintf("%s: %d %s", d.Day, part.n, part.name)})
			base += part.n
		}
	}
	ch.xLabels(labels, slot)
	ch.Legend = []legendItem{{outcomeAnswered, "answered"}, {outcomeLow, "low confidence"}, {outcomeOffered, "offered topics"}, {outcomeDeclined, "declined"}}
	return ch
}

// shortDay turns YYYY-MM-DD into MM-DD for an axis.
func shortDay(d string) string {
	if len(d) == len("2006-01-02") {
		return d[5:]
	}
	return d
}

// feedbackChart puts each week's helpful and not helpful presses side by side.
func feedbackChart(weeks []bot.WeekFeedback) svgChart {
	top := 0
	for _, w := range weeks {
		top = max(top, w.Helpful, w.NotHelpful)
	}
	ch, y := frame("Helpful and not helpful per week", float64(top), count)
	slot := plotW / float64(max(len(weeks), 1))
	labels := make([]string, len(weeks))
	for i, w := range weeks {
		labels[i] = shortDay(w.Week)
		for j, part := range []struct {
			class, name string
			n           int
		}{{"helpful", "helpful", w.Helpful}, {"nothelpful", "not helpful", w.NotHelpful}} {
			if part.n == 0 {
				continue
			}
			ch.Rects = append(ch.Rects, svgRect{X: padLeft + slot*float64(i) + slot*(0.1+0.4*float64(j)), Y: y(float64(part.n)),
				W: slot * 0.4, H: y(0) - y(float64(part.n)), Class: part.class,
				Title: fmt.Sprintf("week of %s: %d %s", w.Week, part.n, part.name)})
		}
	}
	ch.xLabels(labels, slot)
	ch.Legend = []legendItem{{"helpful", "helpful"}, {"nothelpful", "not helpful"}}
	return ch
}

// maxTopEntries is how many entries the top-entries chart shows.
const maxTopEntries = 10

// topChart draws the most answered entries as horizontal bars.
func topChart(top []bot.EntryStats) svgChart {
	top = top[:min(len(top), maxTopEntries)]
	most := 1
	for _, e := range top {
		most = max(most, e.Answers)
	}
	row := 22.0
	ch := svgChart{W: chartW, H: row*float64(len(top)) + 10, Label: "Most answered entries"}
	left := 230.0
	for i, e := range top {
		y := 5 + row*float64(i)
		w := (chartW - left - 50) * float64(e.Answers) / float64(most)
		ch.Texts = append(ch.Texts, svgText{X: left - 6, Y: y + 15, Text: e.EntryID, Anchor: "end"},
			svgText{X: left + w + 4, Y: y + 15, Text: fmt.Sprint(e.Answers), Anchor: "start"})
		ch.Rects = append(ch.Rects, svgRect{X: left, Y: y + 3, W: w, H: row - 6, Class: outcomeAnswered,
			Title: fmt.Sprintf("%s: %d answers, %d helpful, %d not helpful", e.EntryID, e.Answers, e.Helpful, e.NotHelpful)})
	}
	return ch
}

// shareChart draws the share of each day's questions that went unanswered.
func shareChart(days []bot.DayOutcomes) svgChart {
	ch, y := frame("Unanswered share per day", 1, func(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) })
	slot := plotW / float64(max(len(days), 1))
	labels := make([]string, len(days))
	var pts []string
	for i, d := range days {
		labels[i] = shortDay(d.Day)
		if d.Total() == 0 {
			continue
		}
		share := float64(d.Unanswered()) / float64(d.Total())
		x := padLeft + slot*(float64(i)+0.5)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y(share)))
		ch.Dots = append(ch.Dots, svgDot{X: x, Y: y(share), Title: fmt.Sprintf("%s: %.0f%% unanswered (%d of %d)", d.Day, 100*share, d.Unanswered(), d.Total())})
	}
	ch.Points = strings.Join(pts, " ")
	ch.xLabels(labels, slot)
	return ch
}

// chartDays and chartWeeks are the windows the charts cover by default.
const (
	chartDays  = 30
	chartWeeks = 8
)

func (c *Console) chartsPage(w http.ResponseWriter, r *http.Request, ss *session) {
	if c.reports == nil || c.activity == nil {
		c.render(w, r, ss, "charts", "Charts", nil)
		return
	}
	ctx := r.Context()
	n := days(r, chartDays)
	outcomes, err := c.activity.Outcomes(ctx, n)
	if err != nil {
		c.fail(w, r, ss, "read the question log", err)
		return
	}
	weeks, err := c.activity.FeedbackByWeek(ctx, chartWeeks)
	if err != nil {
		c.fail(w, r, ss, "read the feedback", err)
		return
	}
	st, err := c.reports.Stats(ctx, n)
	if err != nil {
		c.fail(w, r, ss, "read the question log", err)
		return
	}
	top := st.TopEntries[:min(len(st.TopEntries), maxTopEntries)]
	c.render(w, r, ss, "charts", "Charts", struct {
		Days                     int
		Stats                    bot.Stats
		Outcomes                 []bot.DayOutcomes
		Weeks                    []bot.WeekFeedback
		Top                      []bot.EntryStats
		OutcomesSVG, FeedbackSVG svgChart
		TopSVG, ShareSVG         svgChart
	}{n, st, outcomes, weeks, top, outcomesChart(outcomes), feedbackChart(weeks), topChart(top), shareChart(outcomes)})
}
