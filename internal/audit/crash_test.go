package audit

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/db/dbtest"
)

// envCrashDSN makes the test binary act as the writer process of
// TestCrashDuringAppends: it appends events on that database until killed,
// printing the request id of every acknowledged (committed) append.
const envCrashDSN = "LIAISON_AUDIT_CRASH_DSN"

func TestMain(m *testing.M) {
	if dsn := os.Getenv(envCrashDSN); dsn != "" {
		os.Exit(crashWriter(dsn))
	}
	os.Exit(m.Run())
}

func crashWriter(dsn string) int {
	ctx := context.Background()
	d, err := db.Open(ctx, dsn, db.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cfg := testConfig()
	cfg.CheckpointInterval = 50 * time.Millisecond
	l, err := Open(ctx, d, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	go l.Run(ctx)
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				e := testEvent(i)
				e.RequestID = fmt.Sprintf("w%d-%d", w, i)
				if err := d.Write(ctx, func(tx *db.Tx) error { return l.Append(ctx, tx, e) }); err != nil {
					fmt.Fprintln(os.Stderr, err)
					return
				}
				mu.Lock()
				fmt.Fprintln(out, e.RequestID)
				out.Flush()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return 1
}

// TestCrashDuringAppends kills a process appending audit events (SIGKILL,
// while the integrator signs checkpoints) and checks that, reopened, the
// log covers every event with a checkpoint, verifies, and holds every
// acknowledged append.
func TestCrashDuringAppends(t *testing.T) {
	dsn := dbtest.DSN(t)
	ctx := context.Background()
	d, err := db.Open(ctx, dsn, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Migrate(ctx, Schema); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envCrashDSN+"="+dsn)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]bool{}
	sc := bufio.NewScanner(stdout)
	deadline := time.Now().Add(20 * time.Second)
	for sc.Scan() && len(acked) < 1500 && time.Now().Before(deadline) {
		acked[sc.Text()] = true
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() { // acknowledgements printed before the kill landed
		acked[sc.Text()] = true
	}
	cmd.Wait()
	if len(acked) < 100 {
		t.Fatalf("only %d appends acknowledged before the kill; writer said: %s", len(acked), stderr.String())
	}

	l, err := Open(ctx, d, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	if l.Err() != nil {
		t.Fatalf("reopened log is broken: %v", l.Err())
	}
	cp, ok := l.Latest()
	stored := countEvents(t, d)
	if !ok || cp.Size != uint64(stored) {
		t.Fatalf("after restart the latest checkpoint covers %d of %d events", cp.Size, stored)
	}
	rep, err := Verify(ctx, d, l.Keys(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Problem != nil || rep.Size != uint64(stored) {
		t.Fatalf("verify after crash: %+v %v", rep, rep.Problem)
	}
	rows, err := d.QueryContext(ctx, `SELECT body FROM audit_events`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		_, e, err := DecodeEvent(b)
		if err != nil {
			t.Fatal(err)
		}
		have[e.RequestID] = true
	}
	for id := range acked {
		if !have[id] {
			t.Errorf("acknowledged append %s lost in the crash", id)
		}
	}
	t.Logf("%d appends acknowledged, %d events stored, checkpoint at %s", len(acked), stored, strconv.FormatUint(cp.Size, 10))
}
