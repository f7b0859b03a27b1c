package envelope

import (
	"encoding/binary"
	"errors"
)

// The binary encodings in this package are built from a few primitives:
// fixed-size big-endian integers, fixed-size byte arrays, strings with a
// one-byte length prefix (str8) and byte strings with a four-byte length
// prefix (bytes32). Every length is explicit, so each encoding is injective
// and a decoder never guesses.

func appendStr8(b []byte, s string) []byte {
	return append(append(b, byte(len(s))), s...) // callers bound s to 255 bytes
}

func appendBytes32(b, v []byte) []byte {
	return append(binary.BigEndian.AppendUint32(b, uint32(len(v))), v...)
}

var errShort = errors.New("truncated")

// decoder reads the primitives from a byte slice. The first failure sticks:
// later reads return zero values, and err reports it. Slices it returns alias
// the input.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.err = errShort
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) u8() uint8 {
	if v := d.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (d *decoder) u16() uint16 {
	if v := d.take(2); v != nil {
		return binary.BigEndian.Uint16(v)
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if v := d.take(4); v != nil {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if v := d.take(8); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func (d *decoder) str8() string { return string(d.take(int(d.u8()))) }

// bytes32 reads a four-byte length and that many bytes, refusing lengths
// above max before looking at the data.
func (d *decoder) bytes32(max int) []byte {
	n := d.u32()
	if d.err == nil && uint64(n) > uint64(max) {
		d.err = errors.New("length exceeds limit")
		return nil
	}
	return d.take(int(n))
}

func (d *decoder) array(dst []byte) { copy(dst, d.take(len(dst))) }

// end reports the first error, or an error if input is left over.
func (d *decoder) end() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = errors.New("trailing bytes")
	}
	return d.err
}
