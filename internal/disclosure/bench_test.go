package disclosure_test

import (
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/disclosure"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
	"github.com/liaison-project/liaison/internal/policy"
)

// BenchmarkShare measures a share to one partner — the policy decision,
// the recipient's copy, the disclose event, the outbox entry and the
// holder row, committed together — against the baseline of the same
// decision, copy and event without the message (record.DiscloseCopy), in
// the same run. The partner is offline so that delivery does not compete
// for the database. ratio = share time / disclose-only time.
func BenchmarkShare(b *testing.B) {
	de, nl := newBenchNode(b, "DE-BKA", "DE"), newBenchNode(b, "NL-NCB", "NL")
	fedtest.Introduce(b, de.Node, nl.Node)
	nl.Stop()
	r := createRecordB(b, de)
	ctx := officer(de, access.Investigator)
	to := policy.Partner{Agency: "NL-NCB", Country: "NL"}
	req := disclosure.ShareRequest{To: []string{"NL-NCB"}, Purpose: policy.PurposeCriminalInvestigation}

	var base, share time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, _, err := de.records.DiscloseCopy(ctx, r, to, policy.PurposeCriminalInvestigation); err != nil {
			b.Fatal(err)
		}
		base += time.Since(start)
		start = time.Now()
		if _, err := de.disc.Share(ctx, r, req); err != nil {
			b.Fatal(err)
		}
		share += time.Since(start)
	}
	b.ReportMetric(float64(share.Microseconds())/float64(b.N), "share-µs/op")
	b.ReportMetric(float64(base.Microseconds())/float64(b.N), "disclose-µs/op")
	b.ReportMetric(float64(share)/float64(base), "ratio")
}
