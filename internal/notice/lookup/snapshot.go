package lookup

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/notice"
)

// Snapshots let a node restart without re-reading every alert from its
// store: WriteSnapshot writes the alert part of the index (not persons,
// which are few and come from the notice store), ReadSnapshot rebuilds an
// index from it, rehashing every key with a fresh seed.
//
// Format, little-endian:
//
//	magic "LIAISON-ALERTS\x00\x01" (16 bytes; the last byte is the version)
//	uvarint count of instructions, then per instruction:
//	    uvarint length, action bytes, uvarint length, contact bytes
//	uvarint count of records, then per record:
//	    keyLen u8, refLen u8, status u8, docType u8, instruction u32,
//	    key bytes, reference bytes
//	CRC-32C of everything before it (4 bytes, big-endian)
//
// The CRC catches truncation and corruption, not tampering: a snapshot is
// local state and is protected like the store it was built from.
// ReadSnapshot checks every record as Add would (the key's kind, country
// and number, status, document type, reference length) and refuses
// duplicates, so a damaged snapshot can produce an error but never an index
// that answers differently from one built by Add.

var snapshotMagic = [16]byte{'L', 'I', 'A', 'I', 'S', 'O', 'N', '-', 'A', 'L', 'E', 'R', 'T', 'S', 0, 1}

// WriteSnapshot writes the index's alerts to w. It holds the read lock
// while writing, so lookups continue and writers wait.
func (x *Index) WriteSnapshot(w io.Writer) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	bw := bufio.NewWriterSize(io.MultiWriter(w, crc), 1<<16)
	var scratch [binary.MaxVarintLen64]byte
	uvarint := func(v uint64) {
		bw.Write(scratch[:binary.PutUvarint(scratch[:], v)])
	}
	bw.Write(snapshotMagic[:])
	uvarint(uint64(len(x.infos)))
	for _, in := range x.infos {
		uvarint(uint64(len(in.action)))
		bw.WriteString(in.action)
		uvarint(uint64(len(in.contact)))
		bw.WriteString(in.contact)
	}
	uvarint(uint64(x.used))
	for _, s := range x.slots {
		if s == 0 {
			continue
		}
		// An arena entry is already in the snapshot's record layout.
		bw.Write(x.arena[uint32(s) : int(uint32(s))+x.entryAt(uint32(s)).size()])
	}
	if err := bw.Flush(); err != nil { // bufio keeps the first write error
		return fmt.Errorf("writing lookup snapshot: %w", err)
	}
	if _, err := w.Write(crc.Sum(nil)); err != nil {
		return fmt.Errorf("writing lookup snapshot: %w", err)
	}
	return nil
}

// ReadSnapshot builds an index from a snapshot written by WriteSnapshot.
// A malformed snapshot is Invalid; a failing reader's error is returned
// wrapped. opts are as for New; set ExpectedAlerts to the expected size
// when restoring millions of alerts, to save the table's regrowth.
func ReadSnapshot(r io.Reader, opts Options) (*Index, error) {
	crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	sr := &snapshotReader{r: bufio.NewReaderSize(ioErrReader{r}, 1<<16), crc: crc}

	var magic [16]byte
	sr.full(magic[:])
	if sr.err == nil && magic != snapshotMagic {
		return nil, errs.E(errs.Invalid, "snapshot", "not a lookup snapshot of this version")
	}
	nInfos := sr.count(math.MaxUint32)
	infos := make([]info, 0, min(nInfos, 1<<16))
	for range nInfos {
		action := sr.str(notice.MaxTextLen)
		contact := sr.str(notice.MaxTextLen)
		if sr.err != nil {
			break
		}
		infos = append(infos, info{action, contact})
	}
	nRecs := sr.count(math.MaxUint32 - 1)
	if sr.err != nil {
		return nil, sr.fail()
	}
	// Presize from the snapshot's own count only up to a bound, so that a
	// damaged count cannot allocate gigabytes; callers restoring a large
	// index pass ExpectedAlerts.
	opts.ExpectedAlerts = max(opts.ExpectedAlerts, min(nRecs, 1<<16))
	x := New(opts)
	for _, in := range infos {
		if _, dup := x.infoIDs[in]; dup {
			return nil, errs.E(errs.Invalid, "snapshot", "duplicate instruction")
		}
		x.internInfo(in)
	}
	var key [maxKeyLen]byte
	var ref [notice.MaxReferenceLen]byte
	for i := range nRecs {
		var head [8]byte
		sr.full(head[:])
		keyLen, refLen, status, docType := int(head[0]), int(head[1]), head[2], head[3]
		infoID := binary.LittleEndian.Uint32(head[4:])
		if sr.err != nil {
			break
		}
		if keyLen > maxKeyLen || refLen > notice.MaxReferenceLen || int(status) >= len(statuses) ||
			int(docType) >= len(docTypes) || int(infoID) >= len(x.infos) {
			return nil, errs.E(errs.Invalid, "snapshot", fmt.Sprintf("record %d is malformed", i))
		}
		sr.full(key[:keyLen])
		sr.full(ref[:refLen])
		if sr.err != nil {
			break
		}
		if !validKey(key[:keyLen]) {
			return nil, errs.E(errs.Invalid, "snapshot", fmt.Sprintf("record %d has a malformed key", i))
		}
		h := x.hash(key[:keyLen])
		slot, found := x.probe(key[:keyLen], h)
		if found {
			return nil, errs.E(errs.Invalid, "snapshot", fmt.Sprintf("record %d repeats a key", i))
		}
		if err := x.insertAt(slot, h, key[:keyLen], ref[:refLen], status, docType, infoID); err != nil {
			return nil, err
		}
	}
	if sr.err != nil {
		return nil, sr.fail()
	}
	want := crc.Sum32()
	var sum [4]byte
	if _, err := io.ReadFull(sr.r, sum[:]); err != nil || binary.BigEndian.Uint32(sum[:]) != want {
		return nil, errs.E(errs.Invalid, "snapshot", "checksum mismatch: the snapshot is truncated or damaged")
	}
	if _, err := sr.r.ReadByte(); err != io.EOF {
		return nil, errs.E(errs.Invalid, "snapshot", "trailing data after the checksum")
	}
	x.compact()
	return x, nil
}

// validKey reports whether key is what alertKeys makes from a valid alert.
func validKey(key []byte) bool {
	if len(key) < 2 {
		return false
	}
	var buf [maxKeyLen]byte
	var norm []byte
	var err error
	switch key[0] {
	case keyDocument, keyPlate:
		if len(key) < 3 {
			return false
		}
		if norm, err = notice.AppendCountry(buf[:0], string(key[1:3])); err != nil {
			return false
		}
		if key[0] == keyDocument {
			norm, err = notice.AppendDocumentNumber(norm, string(key[3:]))
		} else {
			norm, err = notice.AppendPlate(norm, string(key[3:]))
		}
	case keyVIN:
		norm, err = notice.AppendVIN(buf[:0], string(key[1:]))
	default:
		return false
	}
	return err == nil && bytes.Equal(norm, key[1:])
}

// snapshotReader reads through a CRC and keeps the first error.
type snapshotReader struct {
	r   *bufio.Reader
	crc hash.Hash32
	err error
}

func (s *snapshotReader) full(p []byte) {
	if s.err != nil {
		return
	}
	if _, err := io.ReadFull(s.r, p); err != nil {
		s.err = classify(err)
		return
	}
	s.crc.Write(p)
}

func (s *snapshotReader) count(max uint64) int {
	if s.err != nil {
		return 0
	}
	v, err := binary.ReadUvarint(byteCounter{s})
	if err != nil {
		s.err = classify(err)
		return 0
	}
	if v > max {
		s.err = errTooMany
		return 0
	}
	return int(v)
}

func (s *snapshotReader) str(max int) string {
	n := s.count(uint64(max))
	if s.err != nil {
		return ""
	}
	b := make([]byte, n)
	s.full(b)
	return string(b)
}

var errTooMany = errors.New("count out of range")

// ioError marks a failure of the underlying reader, as opposed to a
// malformed snapshot.
type ioError struct{ err error }

func (e ioError) Error() string { return e.err.Error() }
func (e ioError) Unwrap() error { return e.err }

// ioErrReader marks the errors of the underlying reader, other than EOF,
// as ioError.
type ioErrReader struct{ r io.Reader }

func (r ioErrReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = ioError{err}
	}
	return n, err
}

// classify passes through errors the reader already classified and treats
// anything else (end of input, varint overflow) as malformed input.
func classify(err error) error {
	var ioe ioError
	if errors.As(err, &ioe) {
		return ioe
	}
	return fmt.Errorf("%w: %v", errMalformed, err)
}

var errMalformed = errors.New("malformed")

func (s *snapshotReader) fail() error {
	var ioe ioError
	switch {
	case errors.As(s.err, &ioe):
		return fmt.Errorf("reading lookup snapshot: %w", ioe.err)
	case errors.Is(s.err, errTooMany):
		return errs.E(errs.Invalid, "snapshot", "a count or length is out of range")
	default:
		return errs.E(errs.Invalid, "snapshot", "the snapshot is truncated or malformed")
	}
}

// byteCounter feeds single bytes to binary.ReadUvarint through the CRC.
type byteCounter struct{ s *snapshotReader }

func (b byteCounter) ReadByte() (byte, error) {
	c, err := b.s.r.ReadByte()
	if err == io.EOF {
		return 0, io.ErrUnexpectedEOF
	}
	if err != nil {
		return 0, err
	}
	b.s.crc.Write([]byte{c})
	return c, nil
}
