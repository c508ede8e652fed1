package main

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/smpbot/smpbot/bot"
)

// metrics are what /metrics exports. They live in their own registry, created by the
// run command, rather than in the global default one.
type metrics struct {
	reg         *prometheus.Registry
	questions   *prometheus.CounterVec
	latency     prometheus.Histogram
	confidence  prometheus.Histogram
	apiCalls    *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
	entries     prometheus.Gauge
	rebuilds    *prometheus.CounterVec
	edits       *prometheus.CounterVec
	inFlight    prometheus.Gauge
	dropped     *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		questions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smpbot_questions_total", Help: "Questions answered, by platform and kind of reply.",
		}, []string{"platform", "kind"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "smpbot_answer_seconds", Help: "Time to compose a reply (search included, platform calls excluded).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}),
		confidence: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "smpbot_answer_confidence", Help: "Confidence of the best match for each question searched.",
			Buckets: prometheus.LinearBuckets(0.1, 0.1, 10),
		}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smpbot_platform_api_calls_total", Help: "HTTP calls to platform APIs, by platform and outcome (ok, 4xx, 429, 5xx, network).",
		}, []string{"platform", "outcome"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smpbot_platform_rate_limited_total", Help: "HTTP 429 responses from platform APIs.",
		}, []string{"platform"}),
		entries: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "smpbot_faq_entries", Help: "FAQ entries in the index.",
		}),
		rebuilds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smpbot_index_rebuilds_total", Help: "Index rebuilds after FAQ changes, by result.",
		}, []string{"result"}),
		edits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smpbot_moderator_edits_total", Help: "FAQ changes recorded in the audit log, by action.",
		}, []string{"action"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "smpbot_questions_in_flight", Help: "Questions being answered now.",
		}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smpbot_updates_dropped_total", Help: "Messages not answered on purpose, by platform and reason (group_flood, coalesced, backlog, shutdown).",
		}, []string{"platform", "reason"}),
	}
	m.reg.MustRegister(m.questions, m.latency, m.confidence, m.apiCalls, m.rateLimited, m.entries, m.rebuilds, m.edits, m.inFlight, m.dropped,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Observe implements bot.Observer.
func (m *metrics) Observe(q bot.Question, r bot.Reply, took time.Duration) {
	if q.Preview {
		return
	}
	m.questions.WithLabelValues(q.Platform, string(r.Kind)).Inc()
	m.latency.Observe(took.Seconds())
	if r.Kind != bot.KindSmallTalk && q.EntryID == "" {
		m.confidence.Observe(r.Confidence)
	}
}

var _ bot.Observer = (*metrics)(nil)

// transport counts a platform's API calls by outcome; the adapters' HTTP clients go
// through it.
func (m *metrics) transport(platform string, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := base.RoundTrip(req)
		outcome := "ok"
		switch {
		case err != nil:
			outcome = "network"
			var ne net.Error
			if errors.Is(err, req.Context().Err()) && !errors.As(err, &ne) {
				outcome = "canceled"
			}
		case resp.StatusCode == http.StatusTooManyRequests:
			outcome = "429"
			m.rateLimited.WithLabelValues(platform).Inc()
		case resp.StatusCode >= 500:
			outcome = "5xx"
		case resp.StatusCode >= 400:
			outcome = strconv.Itoa(resp.StatusCode/100) + "xx"
		}
		m.apiCalls.WithLabelValues(platform, outcome).Inc()
		return resp, err
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// adminHandler serves /healthz (the process is up), /readyz (the index is loaded and
// every configured platform connected) and /metrics.
func adminHandler(m *metrics, ready func() (bool, string)) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ok, why := ready()
		if !ok {
			http.Error(w, "not ready: "+why, http.StatusServiceUnavailable)
			return
		}
		// Ready, with what an operator should still look at (files not valid, say).
		if why != "" {
			why += "\n"
		}
		w.Write([]byte("ready\n" + why))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	return mux
}

// recorder exports the records the Recorder could not store: its queue was full, or
// the log refused them. Without it a slow log would lose questions silently.
func (m *metrics) recorder(rec *bot.Recorder) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "smpbot_questionlog_lost_total", Help: "Questions and feedback presses not stored in the question log since start: the recording queue was full or the log refused them.",
	}, func() float64 { return float64(rec.Lost()) }))
}

// questionLog exports the state of a question log on a database server: whether it
// answers, the records queued meanwhile and those dropped.
func (m *metrics) questionLog(ql questionLog) {
	p, ok := ql.(serverLog)
	if !ok {
		return
	}
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "smpbot_questionlog_database_up", Help: "1 while the question log's database answers, 0 while records queue for it.",
		}, func() float64 {
			if st := p.Status(); st.Down || st.Refused {
				return 0
			}
			return 1
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "smpbot_questionlog_queued", Help: "Records waiting in memory for the question log's database.",
		}, func() float64 { return float64(p.Status().Queued) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "smpbot_questionlog_dropped_total", Help: "Records dropped because the question log's database did not answer (over the queue limit, or queued at exit).",
		}, func() float64 { return float64(p.Status().Dropped) }),
	)
}
