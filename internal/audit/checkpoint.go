package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// Checkpoint is a signed statement of the log's size and root hash, in the
// C2SP tlog-checkpoint format:
//
//	liaison.NL-NCB/audit
//	1234
//	base64(root hash)
//
// followed, as a signed note (golang.org/x/mod/sumdb/note), by a blank line
// and the log's Ed25519 signature line, then any witness cosignatures.
type Checkpoint struct {
	Origin     string
	Size       uint64
	Root       []byte   // 32-byte RFC 6962 root hash
	Extensions []string // extension lines; the node writes none
}

// Limits on parsed checkpoints and notes.
const (
	MaxNoteSize       = 16 << 10
	maxOriginLen      = 256
	maxExtensionLines = 16
)

// Body is the checkpoint text that signatures cover.
func (c Checkpoint) Body() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root))
	for _, e := range c.Extensions {
		b.WriteString(e)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// ErrCheckpoint is the cause of every checkpoint parsing or verification
// failure; the message says what is wrong.
var ErrCheckpoint = errors.New("bad checkpoint")

func checkpointErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCheckpoint, fmt.Sprintf(format, args...))
}

// ParseCheckpoint parses a checkpoint body (the note text, without
// signatures).
func ParseCheckpoint(text []byte) (Checkpoint, error) {
	if len(text) > MaxNoteSize {
		return Checkpoint{}, checkpointErr("%d bytes, limit %d", len(text), MaxNoteSize)
	}
	if len(text) == 0 || text[len(text)-1] != '\n' {
		return Checkpoint{}, checkpointErr("text must end with a newline")
	}
	lines := strings.Split(string(text[:len(text)-1]), "\n")
	if len(lines) < 3 {
		return Checkpoint{}, checkpointErr("need origin, size and root hash lines, got %d lines", len(lines))
	}
	if len(lines)-3 > maxExtensionLines {
		return Checkpoint{}, checkpointErr("more than %d extension lines", maxExtensionLines)
	}
	c := Checkpoint{Origin: lines[0]}
	if err := checkOrigin(c.Origin); err != nil {
		return Checkpoint{}, err
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || lines[1] != strconv.FormatUint(size, 10) || size > math.MaxInt64 {
		return Checkpoint{}, checkpointErr("tree size %q is not a decimal number without leading zeros", truncate(lines[1]))
	}
	c.Size = size
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	// The decoder skips \r and \n inside its input; only the canonical
	// spelling of the hash is accepted.
	if err != nil || len(root) != sha256.Size || base64.StdEncoding.EncodeToString(root) != lines[2] {
		return Checkpoint{}, checkpointErr("root hash is not base64 of %d bytes", sha256.Size)
	}
	c.Root = root
	for _, e := range lines[3:] {
		if e == "" {
			return Checkpoint{}, checkpointErr("empty extension line")
		}
		c.Extensions = append(c.Extensions, e)
	}
	return c, nil
}

// checkOrigin accepts a non-empty origin of printable ASCII without spaces
// or '+' (a signed-note key name).
func checkOrigin(o string) error {
	if o == "" || len(o) > maxOriginLen {
		return checkpointErr("origin must be 1-%d bytes", maxOriginLen)
	}
	for i := 0; i < len(o); i++ {
		if c := o[i]; c <= ' ' || c >= 0x7f || c == '+' {
			return checkpointErr("origin must be printable ASCII without spaces or '+'")
		}
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// OpenCheckpoint verifies a signed checkpoint note against the log's
// verifier key and parses it. Signatures by other keys (cosignatures) are
// kept in the returned note's UnverifiedSigs unless witnesses lists their
// verifiers, in which case they are checked too (a bad one fails).
func OpenCheckpoint(msg []byte, log note.Verifier, witnesses ...note.Verifier) (Checkpoint, *note.Note, error) {
	if len(msg) > MaxNoteSize {
		return Checkpoint{}, nil, checkpointErr("note of %d bytes, limit %d", len(msg), MaxNoteSize)
	}
	n, err := note.Open(msg, note.VerifierList(append([]note.Verifier{log}, witnesses...)...))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		if errors.As(err, &unverified) {
			return Checkpoint{}, nil, checkpointErr("not signed by the log key %s", log.Name())
		}
		return Checkpoint{}, nil, checkpointErr("%v", err)
	}
	signed := false
	for _, s := range n.Sigs {
		if s.Name == log.Name() && s.Hash == log.KeyHash() {
			signed = true
		}
	}
	if !signed {
		return Checkpoint{}, nil, checkpointErr("not signed by the log key %s", log.Name())
	}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, nil, err
	}
	if c.Origin != log.Name() {
		return Checkpoint{}, nil, checkpointErr("origin %q is not the log's %q", c.Origin, log.Name())
	}
	return c, n, nil
}

// Cosignatures (C2SP tlog-cosignature, Ed25519 "cosignature/v1"): a witness
// signs
//
//	cosignature/v1
//	time <POSIX seconds>
//	<checkpoint body>
//
// and appends to the checkpoint note the line
// "— <witness name> base64(key ID || u64 timestamp || signature)", where the
// key ID is SHA-256(name || "\n" || 0x04 || public key)[:4].
const cosignatureAlg = 0x04

func cosignedMessage(ts uint64, body []byte) []byte {
	return append([]byte(fmt.Sprintf("cosignature/v1\ntime %d\n", ts)), body...)
}

func cosignatureKeyHash(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write([]byte{cosignatureAlg})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// Cosigner produces cosignature/v1 signatures; it implements note.Signer,
// so note.Sign(n, cosigner) appends its line to a checkpoint note. The
// exchange between partner witnesses comes with federation; tests and the
// future witness use this type.
type Cosigner struct {
	name string
	key  ed25519.PrivateKey
	hash uint32
	now  func() time.Time
}

// NewCosigner returns a cosigner named name (a schema-less URL, e.g.
// "liaison.BE-FPP/witness") signing with key at the time now returns.
func NewCosigner(name string, key ed25519.PrivateKey, now func() time.Time) (*Cosigner, error) {
	if err := checkOrigin(name); err != nil {
		return nil, fmt.Errorf("witness name: %w", err)
	}
	if len(key) != ed25519.PrivateKeySize {
		return nil, errors.New("witness key is not an Ed25519 private key")
	}
	return &Cosigner{name: name, key: key, hash: cosignatureKeyHash(name, key.Public().(ed25519.PublicKey)), now: now}, nil
}

func (c *Cosigner) Name() string    { return c.name }
func (c *Cosigner) KeyHash() uint32 { return c.hash }

// Sign returns u64 timestamp || Ed25519 signature of the cosigned message.
func (c *Cosigner) Sign(body []byte) ([]byte, error) {
	ts := uint64(c.now().Unix())
	sig := binary.BigEndian.AppendUint64(nil, ts)
	return append(sig, ed25519.Sign(c.key, cosignedMessage(ts, body))...), nil
}

// WitnessVerifierKey is the vkey encoding of a witness public key
// (signature type 0x04), the form a partner card or a configuration holds.
func WitnessVerifierKey(name string, pub ed25519.PublicKey) string {
	return fmt.Sprintf("%s+%08x+%s", name, cosignatureKeyHash(name, pub),
		base64.StdEncoding.EncodeToString(append([]byte{cosignatureAlg}, pub...)))
}

// CosignatureVerifier checks cosignature/v1 signatures of one witness key.
// It implements note.Verifier.
type CosignatureVerifier struct {
	name string
	key  ed25519.PublicKey
	hash uint32
}

// NewCosignatureVerifier returns the verifier of witness name's key.
func NewCosignatureVerifier(name string, pub ed25519.PublicKey) (*CosignatureVerifier, error) {
	if err := checkOrigin(name); err != nil {
		return nil, fmt.Errorf("witness name: %w", err)
	}
	if len(pub) != ed25519.PublicKeySize {
		return nil, errors.New("witness key is not an Ed25519 public key")
	}
	return &CosignatureVerifier{name: name, key: pub, hash: cosignatureKeyHash(name, pub)}, nil
}

// ParseWitnessVerifierKey parses a witness vkey (see WitnessVerifierKey).
func ParseWitnessVerifierKey(vkey string) (*CosignatureVerifier, error) {
	name, rest, _ := strings.Cut(vkey, "+")
	hash16, key64, _ := strings.Cut(rest, "+")
	hash, err1 := strconv.ParseUint(hash16, 16, 32)
	key, err2 := base64.StdEncoding.Strict().DecodeString(key64)
	if err2 == nil && base64.StdEncoding.EncodeToString(key) != key64 {
		err2 = errors.New("non-canonical base64")
	}
	if len(hash16) != 8 || err1 != nil || err2 != nil || len(key) != 1+ed25519.PublicKeySize || key[0] != cosignatureAlg {
		return nil, errors.New("malformed witness key: want name+hash+base64(0x04 || Ed25519 public key)")
	}
	v, err := NewCosignatureVerifier(name, key[1:])
	if err != nil {
		return nil, err
	}
	if v.hash != uint32(hash) {
		return nil, errors.New("witness key hash does not match the key")
	}
	return v, nil
}

func (v *CosignatureVerifier) Name() string    { return v.name }
func (v *CosignatureVerifier) KeyHash() uint32 { return v.hash }

// Verify reports whether sig (timestamp || signature) is a valid
// cosignature of the checkpoint body msg.
func (v *CosignatureVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	ts := binary.BigEndian.Uint64(sig)
	if ts > math.MaxInt64 {
		return false
	}
	return ed25519.Verify(v.key, cosignedMessage(ts, msg), sig[8:])
}

// Cosignature is a verified witness cosignature of a checkpoint.
type Cosignature struct {
	Witness string    `json:"witness"`
	KeyHash uint32    `json:"keyHash"`
	Time    time.Time `json:"time"` // when the witness cosigned
	Line    string    `json:"line"` // the note signature line, "— name base64"
}

// cosignatureFrom turns a verified note signature into a Cosignature.
func cosignatureFrom(s note.Signature) (Cosignature, error) {
	raw, err := base64.StdEncoding.DecodeString(s.Base64)
	if err != nil || len(raw) != 4+8+ed25519.SignatureSize {
		return Cosignature{}, checkpointErr("cosignature of %s is not a cosignature/v1 signature", s.Name)
	}
	ts := binary.BigEndian.Uint64(raw[4:])
	return Cosignature{Witness: s.Name, KeyHash: s.Hash, Time: time.Unix(int64(ts), 0).UTC(),
		Line: "— " + s.Name + " " + s.Base64}, nil
}
