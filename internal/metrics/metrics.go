// Package metrics holds the node's Prometheus registry and the HTTP
// instrumentation shared by its listeners. Capabilities register their own
// collectors on the registry they are given; labels never carry personal
// data (route patterns, not paths).
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/liaison-project/liaison/internal/httpx"
)

// Metrics is a node's registry and its HTTP collectors.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inflight *prometheus.GaugeVec
}

// New returns a registry with Go runtime and process collectors.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "liaison_http_requests_total", Help: "HTTP requests by listener, route pattern and status.",
		}, []string{"listener", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "liaison_http_request_duration_seconds", Help: "HTTP request latency by listener and route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"listener", "route"}),
		inflight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "liaison_http_requests_in_flight", Help: "HTTP requests being served.",
		}, []string{"listener"}),
	}
	reg.MustRegister(m.requests, m.duration, m.inflight)
	return m
}

// Instrument counts and times requests to h on the named listener.
func (m *Metrics) Instrument(listener string, h http.Handler) http.Handler {
	inflight := m.inflight.WithLabelValues(listener)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		inflight.Inc()
		rec := &httpx.StatusRecorder{ResponseWriter: w}
		defer func() {
			inflight.Dec()
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			status := rec.Status
			if status == 0 {
				status = http.StatusOK
			}
			m.requests.WithLabelValues(listener, route, strconv.Itoa(status)).Inc()
			m.duration.WithLabelValues(listener, route).Observe(time.Since(start).Seconds())
		}()
		h.ServeHTTP(rec, r)
	})
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}
