package noticesvc

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/notice/lookup"
)

// Snapshots of the border index let a node with millions of alerts restart
// in a fraction of the time a rebuild from storage takes (see
// docs/benchmarks/notice-service.md).
//
// Every transaction that changes alerts increments the stored alert
// generation, and the index records the generation of the last change it
// applied. WriteSnapshot saves the index's alerts (internal/notice/lookup's
// snapshot format) behind a header naming that generation; New uses the
// file only if the stored generation is still the same, and removes it
// either way, so a snapshot is used at most once and never outlives the
// run that follows it. Notices are always read from storage (they are
// few).
//
// File layout: the 16 bytes of snapshotMagic, the generation and the
// number of indexed keys as 8 bytes big-endian each, then the lookup
// snapshot with its own CRC. The number of keys presizes the index (and
// saves counting the stored alerts).
var snapshotMagic = [16]byte{'L', 'I', 'A', 'I', 'S', 'O', 'N', '-', 'N', 'O', 'T', 'S', 'N', 'A', 'P', 1}

// bumpGeneration increments the alert generation in tx and returns it.
func bumpGeneration(ctx context.Context, tx *db.Tx) (int64, error) {
	var g int64
	if err := tx.QueryRowContext(ctx, `UPDATE notice_alert_generation SET generation = generation + 1 WHERE id = 1
		RETURNING generation`).Scan(&g); err != nil {
		return 0, fmt.Errorf("alert generation: %w", err)
	}
	return g, nil
}

func generation(ctx context.Context, q db.Querier) (int64, error) {
	var g int64
	if err := q.QueryRowContext(ctx, `SELECT generation FROM notice_alert_generation WHERE id = 1`).Scan(&g); err != nil {
		return 0, fmt.Errorf("alert generation: %w", err)
	}
	return g, nil
}

// WriteSnapshot saves the border index's alerts to Config.SnapshotFile
// (atomically, owner-only). Call it at shutdown, after the listeners have
// stopped: index updates wait while it writes.
func (s *Service) WriteSnapshot() error {
	if s.cfg.SnapshotFile == "" {
		return errors.New("noticesvc: no snapshot file configured")
	}
	s.genMu.Lock()
	defer s.genMu.Unlock()
	dir := filepath.Dir(s.cfg.SnapshotFile)
	f, err := os.CreateTemp(dir, ".notice-snapshot-*")
	if err != nil {
		return fmt.Errorf("notice snapshot: %w", err)
	}
	defer os.Remove(f.Name()) // after a successful rename, removes nothing
	w := bufio.NewWriterSize(f, 1<<20)
	w.Write(snapshotMagic[:])
	var head [16]byte
	binary.BigEndian.PutUint64(head[:8], uint64(s.applied))
	binary.BigEndian.PutUint64(head[8:], uint64(s.index.Len()))
	w.Write(head[:])
	if err := s.index.WriteSnapshot(w); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("notice snapshot: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("notice snapshot: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("notice snapshot: %w", err)
	}
	if err := os.Rename(f.Name(), s.cfg.SnapshotFile); err != nil {
		return fmt.Errorf("notice snapshot: %w", err)
	}
	return nil
}

// restoreSnapshot reads the snapshot file if it was written at generation
// gen, and removes it. It returns nil when there is no usable snapshot; a
// damaged one is logged and ignored (the index is rebuilt from storage).
func (s *Service) restoreSnapshot(gen int64) *lookup.Index {
	path := s.cfg.SnapshotFile
	if path == "" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.log.Warn("notice snapshot unreadable; rebuilding the index from storage", slog.String("error", err.Error()))
		}
		return nil
	}
	defer func() {
		f.Close()
		if err := os.Remove(path); err != nil {
			s.log.Warn("cannot remove the used notice snapshot", slog.String("error", err.Error()))
		}
	}()
	r := bufio.NewReaderSize(f, 1<<20)
	var head [len(snapshotMagic) + 16]byte
	if _, err := io.ReadFull(r, head[:]); err != nil || [16]byte(head[:16]) != snapshotMagic {
		s.log.Warn("not a notice snapshot of this version; rebuilding the index from storage")
		return nil
	}
	if g := int64(binary.BigEndian.Uint64(head[16:24])); g != gen {
		s.log.Info("notice snapshot is older than storage; rebuilding the index", slog.Int64("snapshot", g), slog.Int64("storage", gen))
		return nil
	}
	keys := binary.BigEndian.Uint64(head[24:])
	x, err := lookup.ReadSnapshot(r, lookup.Options{ExpectedAlerts: int(min(keys, maxPresize))})
	if err != nil {
		s.log.Warn("notice snapshot damaged; rebuilding the index from storage", slog.String("error", err.Error()))
		return nil
	}
	return x
}

// maxPresize bounds the presizing a snapshot header can ask for, so that a
// damaged header cannot allocate without bound (the index grows past it).
const maxPresize = 1 << 30
