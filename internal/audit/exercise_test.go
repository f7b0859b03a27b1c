package audit

import (
	"context"
	"testing"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/db/dbtest"
)

// TestExerciseNodeLog: on an exercise node every event is an exercise
// event, those of background jobs (no principal) included; on a real
// node an event is exercise only when its principal acts in an exercise.
func TestExerciseNodeLog(t *testing.T) {
	ctx := context.Background()
	for _, exercise := range []bool{false, true} {
		d := dbtest.Open(t, Schema)
		cfg := testConfig()
		cfg.Exercise = exercise
		l, err := Open(ctx, d, cfg)
		if err != nil {
			t.Fatal(err)
		}
		job := New(ctx, Erase, Ref{Type: "record", ID: "rec-1"}) // no principal: a background job
		officer := testEvent(1)
		for _, e := range []Event{job, officer} {
			if err := d.Write(ctx, func(tx *db.Tx) error { return l.Append(ctx, tx, e) }); err != nil {
				t.Fatal(err)
			}
		}
		got, err := l.Search(ctx, Filter{}, 0, 10)
		if err != nil || len(got) != 2 {
			t.Fatalf("events %+v, %v", got, err)
		}
		for _, e := range got {
			if e.Event.Exercise != exercise {
				t.Fatalf("exercise node %v: %s event stored with exercise=%v", exercise, e.Event.Kind, e.Event.Exercise)
			}
		}
	}
}
