package match

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
)

// writer appends big-endian fields. Encoders validate before writing, so it
// has no error state.
type writer struct{ b []byte }

func (w *writer) bytes(p []byte) { w.b = append(w.b, p...) }
func (w *writer) u8(v uint8)     { w.b = append(w.b, v) }
func (w *writer) u16(v uint16)   { w.b = binary.BigEndian.AppendUint16(w.b, v) }
func (w *writer) u32(v uint32)   { w.b = binary.BigEndian.AppendUint32(w.b, v) }
func (w *writer) u64(v uint64)   { w.b = binary.BigEndian.AppendUint64(w.b, v) }
func (w *writer) time(t time.Time) {
	w.u64(uint64(t.Unix()))
}

// str8 writes a string of at most 255 bytes with a one-byte length prefix.
func (w *writer) str8(s string) {
	w.u8(uint8(len(s)))
	w.b = append(w.b, s...)
}

// reader consumes big-endian fields strictly: the first problem sticks and
// every later read returns zero values, so decoders read straight through
// and check once with end. Errors are errs.Invalid naming the field.
type reader struct {
	b    []byte
	what string // the message being decoded, for error text
	err  error
}

func (r *reader) fail(field, msg string) {
	if r.err == nil {
		r.err = errs.E(errs.Invalid, r.what+"."+field, msg)
	}
}

func (r *reader) take(field string, n int) []byte {
	if r.err != nil {
		return make([]byte, n)
	}
	if len(r.b) < n {
		r.fail(field, fmt.Sprintf("truncated: need %d more bytes, have %d", n, len(r.b)))
		return make([]byte, n)
	}
	p := r.b[:n:n]
	r.b = r.b[n:]
	return p
}

func (r *reader) magic(m string) {
	if r.err == nil && (len(r.b) < len(m) || string(r.b[:len(m)-1]) != m[:len(m)-1]) {
		r.fail("magic", "not a "+r.what)
		return
	}
	if r.err == nil && r.b[len(m)-1] != m[len(m)-1] {
		r.fail("version", fmt.Sprintf("unsupported version %d", r.b[len(m)-1]))
		return
	}
	r.take("magic", len(m))
}

func (r *reader) u8(field string) uint8   { return r.take(field, 1)[0] }
func (r *reader) u16(field string) uint16 { return binary.BigEndian.Uint16(r.take(field, 2)) }
func (r *reader) u32(field string) uint32 { return binary.BigEndian.Uint32(r.take(field, 4)) }
func (r *reader) u64(field string) uint64 { return binary.BigEndian.Uint64(r.take(field, 8)) }

// time reads Unix seconds; it accepts 1970 to 9999 so that every decoded
// time re-encodes to the same bytes and formats as RFC 3339.
func (r *reader) time(field string) time.Time {
	const maxUnix = 253402300799 // 9999-12-31T23:59:59Z
	v := r.u64(field)
	if v > maxUnix {
		r.fail(field, "time out of range")
		return time.Time{}
	}
	return time.Unix(int64(v), 0).UTC()
}

func (r *reader) str8(field string, max int) string {
	n := int(r.u8(field))
	if r.err == nil && n > max {
		r.fail(field, fmt.Sprintf("longer than %d bytes", max))
		return ""
	}
	return string(r.take(field, n))
}

// remaining reports how many bytes are left; decoders use it to bound counts
// before allocating.
func (r *reader) remaining() int { return len(r.b) }

func (r *reader) end() error {
	if r.err == nil && len(r.b) != 0 {
		r.fail("end", fmt.Sprintf("%d trailing bytes", len(r.b)))
	}
	return r.err
}
