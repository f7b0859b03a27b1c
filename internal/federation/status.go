package federation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/liaison-project/liaison/internal/db"
)

// PartnerStatus is the operational state of the link to one partner.
type PartnerStatus struct {
	Agency              string    `json:"agency"`
	State               string    `json:"state"`
	LastContact         time.Time `json:"lastContact,omitzero" doc:"last successful exchange in either direction"`
	QueueDepth          int64     `json:"queueDepth" doc:"envelopes waiting for delivery"`
	OldestUndelivered   time.Time `json:"oldestUndelivered,omitzero" doc:"when the oldest waiting envelope was queued"`
	Failed              int64     `json:"failed" doc:"envelopes the partner rejected for good"`
	ConsecutiveFailures int64     `json:"consecutiveFailures" doc:"failed delivery attempts since the last success"`
	LastError           string    `json:"lastError,omitempty"`
	LastErrorAt         time.Time `json:"lastErrorAt,omitzero"`
	NextSeqOut          int64     `json:"nextSeqOut" doc:"next sequence number this node assigns to the pair"`
	NextSeqIn           int64     `json:"nextSeqIn" doc:"next sequence number this node accepts from the partner"`
	AttachmentsPending  int64     `json:"attachmentsPending" doc:"attachments from the partner still being fetched"`
}

// Status returns the operational state of every partner that is not
// removed (or has envelopes queued).
func (s *Service) Status(ctx context.Context) ([]PartnerStatus, error) {
	var out []PartnerStatus
	err := s.db.Read(ctx, func(q db.Querier) error {
		rows, err := q.QueryContext(ctx, `SELECT agency, state, last_contact, last_error, last_error_at, failures, next_out, next_in
			FROM fed_partners ORDER BY agency`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var st PartnerStatus
			var contact, errAt int64
			if err := rows.Scan(&st.Agency, &st.State, &contact, &st.LastError, &errAt, &st.ConsecutiveFailures,
				&st.NextSeqOut, &st.NextSeqIn); err != nil {
				rows.Close()
				return err
			}
			st.LastContact, st.LastErrorAt = fromMicro(contact), fromMicro(errAt)
			out = append(out, st)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range out {
			st := &out[i]
			if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM fed_outbox WHERE partner = ? AND state = ?`,
				st.Agency, DeliveryQueued).Scan(&st.QueueDepth); err != nil {
				return err
			}
			if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM fed_outbox WHERE partner = ? AND state = ?`,
				st.Agency, DeliveryFailed).Scan(&st.Failed); err != nil {
				return err
			}
			var oldest int64
			err := q.QueryRowContext(ctx, `SELECT queued_at FROM fed_outbox WHERE partner = ? AND state = ? ORDER BY seq LIMIT 1`,
				st.Agency, DeliveryQueued).Scan(&oldest)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			st.OldestUndelivered = fromMicro(oldest)
			if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM fed_attachments WHERE origin = ? AND state = ?`,
				st.Agency, attachmentFetching).Scan(&st.AttachmentsPending); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("partner status: %w", err)
	}
	shown := out[:0]
	for _, st := range out {
		if st.State != StateRemoved || st.QueueDepth > 0 {
			shown = append(shown, st)
		}
	}
	return shown, nil
}

// serviceMetrics are the federation's Prometheus metrics. Counters live
// in memory; the per-partner gauges are read from the database at scrape
// time, so every process of a node reports the same figures.
type serviceMetrics struct {
	s                 *Service
	handshakesRefused prometheus.Counter
	received          *prometheus.CounterVec
	inboundRefused    *prometheus.CounterVec
	delivered         *prometheus.CounterVec
	rejected          *prometheus.CounterVec
	deliveryFailures  *prometheus.CounterVec
	deliveryLatency   prometheus.Histogram

	queueDepth, oldestAge, lastContact, failures, failed *prometheus.Desc
}

func newServiceMetrics(s *Service) *serviceMetrics {
	partner := []string{"partner"}
	return &serviceMetrics{
		s: s,
		handshakesRefused: prometheus.NewCounter(prometheus.CounterOpts{Name: "liaison_federation_handshakes_refused_total",
			Help: "TLS handshakes refused on the federation listener: unknown, suspended or removed peers."}),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "liaison_federation_received_total",
			Help: "Envelopes accepted from each partner."}, partner),
		inboundRefused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "liaison_federation_refused_total",
			Help: "Envelopes from each partner refused, by reason."}, []string{"partner", "reason"}),
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "liaison_federation_delivered_total",
			Help: "Envelopes delivered to each partner (signed delivered receipt received)."}, partner),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "liaison_federation_rejected_total",
			Help: "Envelopes each partner rejected for good (message failed)."}, partner),
		deliveryFailures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "liaison_federation_delivery_failures_total",
			Help: "Failed delivery attempts to each partner: unreachable, error answers, refusals."}, partner),
		deliveryLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "liaison_federation_delivery_latency_seconds",
			Help:    "Time from queueing an envelope to the partner's delivered receipt.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10, 60, 600, 3600}}),
		queueDepth: prometheus.NewDesc("liaison_federation_queue_depth",
			"Envelopes waiting for delivery to each partner.", partner, nil),
		oldestAge: prometheus.NewDesc("liaison_federation_oldest_undelivered_seconds",
			"Age of the oldest envelope waiting for delivery to each partner (0 when none).", partner, nil),
		lastContact: prometheus.NewDesc("liaison_federation_last_contact_timestamp_seconds",
			"Unix time of the last successful exchange with each partner (0: never).", partner, nil),
		failures: prometheus.NewDesc("liaison_federation_consecutive_failures",
			"Failed delivery attempts to each partner since its last success.", partner, nil),
		failed: prometheus.NewDesc("liaison_federation_failed_envelopes",
			"Envelopes each partner rejected for good.", partner, nil),
	}
}

func (m *serviceMetrics) register(r prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.handshakesRefused, m.received, m.inboundRefused, m.delivered,
		m.rejected, m.deliveryFailures, m.deliveryLatency, m} {
		if err := r.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// Describe implements prometheus.Collector for the per-partner gauges.
func (m *serviceMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{m.queueDepth, m.oldestAge, m.lastContact, m.failures, m.failed} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: it reads the partner status.
func (m *serviceMetrics) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sts, err := m.s.Status(ctx)
	if err != nil {
		m.s.log.Warn("federation metrics", "error", err.Error())
		return
	}
	now := m.s.now()
	for _, st := range sts {
		age := 0.0
		if !st.OldestUndelivered.IsZero() {
			age = now.Sub(st.OldestUndelivered).Seconds()
		}
		contact := 0.0
		if !st.LastContact.IsZero() {
			contact = float64(st.LastContact.UnixMilli()) / 1e3
		}
		ch <- prometheus.MustNewConstMetric(m.queueDepth, prometheus.GaugeValue, float64(st.QueueDepth), st.Agency)
		ch <- prometheus.MustNewConstMetric(m.oldestAge, prometheus.GaugeValue, age, st.Agency)
		ch <- prometheus.MustNewConstMetric(m.lastContact, prometheus.GaugeValue, contact, st.Agency)
		ch <- prometheus.MustNewConstMetric(m.failures, prometheus.GaugeValue, float64(st.ConsecutiveFailures), st.Agency)
		ch <- prometheus.MustNewConstMetric(m.failed, prometheus.GaugeValue, float64(st.Failed), st.Agency)
	}
}
