// Package bench measures a node's throughput against a baseline measured in
// the same run, as every Liaison benchmark reports a ratio rather than a
// bare figure: the same machine, the same moment, the same load generator.
package bench

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Load is the result of driving one endpoint.
type Load struct {
	Requests   int           `json:"requests"`
	Errors     int           `json:"errors"`
	Duration   time.Duration `json:"duration"`
	PerSecond  float64       `json:"perSecond"`
	P50        time.Duration `json:"p50"`
	P99        time.Duration `json:"p99"`
	Concurrent int           `json:"concurrency"`
}

func (l Load) String() string {
	return fmt.Sprintf("%.0f req/s, p50 %s, p99 %s (%d requests, %d errors, %d clients)",
		l.PerSecond, l.P50.Round(time.Microsecond), l.P99.Round(time.Microsecond), l.Requests, l.Errors, l.Concurrent)
}

// Drive sends GET requests built by newReq from `clients` goroutines for d
// (after a short warm-up) and reports throughput and latency.
func Drive(ctx context.Context, hc *http.Client, clients int, d time.Duration, newReq func() *http.Request) Load {
	run := func(d time.Duration, record bool) Load {
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		var mu sync.Mutex
		var lat []time.Duration
		errors := 0
		var wg sync.WaitGroup
		start := time.Now()
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				local := make([]time.Duration, 0, 4096)
				bad := 0
				for ctx.Err() == nil {
					t0 := time.Now()
					resp, err := hc.Do(newReq().WithContext(ctx))
					if err != nil {
						if ctx.Err() == nil {
							bad++
						}
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						bad++
						continue
					}
					local = append(local, time.Since(t0))
				}
				mu.Lock()
				lat = append(lat, local...)
				errors += bad
				mu.Unlock()
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		l := Load{Requests: len(lat), Errors: errors, Duration: elapsed, Concurrent: clients}
		if !record || len(lat) == 0 {
			return l
		}
		slices.Sort(lat)
		l.PerSecond = float64(len(lat)) / elapsed.Seconds()
		l.P50 = lat[len(lat)/2]
		l.P99 = lat[len(lat)*99/100]
		return l
	}
	run(d/5+100*time.Millisecond, false) // warm up connections and caches
	return run(d, true)
}

// Client returns an HTTP client for loopback load: keep-alive connections
// for every concurrent client, trusting the given TLS config.
func Client(tlsConf *tls.Config, clients int) *http.Client {
	tr := &http.Transport{
		TLSClientConfig:     tlsConf,
		MaxIdleConns:        clients * 2,
		MaxIdleConnsPerHost: clients * 2,
		MaxConnsPerHost:     clients,
		IdleConnTimeout:     time.Minute,
		ForceAttemptHTTP2:   false,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}
