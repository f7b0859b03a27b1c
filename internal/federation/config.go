package federation

import (
	"fmt"
	"time"

	"github.com/liaison-project/liaison/internal/federation/envelope"
)

// Defaults for Config.
const (
	DefaultCardValidity     = 365 * 24 * time.Hour
	DefaultCardRenewBefore  = 30 * 24 * time.Hour
	DefaultDialTimeout      = 5 * time.Second
	DefaultRequestTimeout   = 60 * time.Second
	DefaultBackoffMin       = 500 * time.Millisecond
	DefaultBackoffMax       = 30 * time.Second
	DefaultPollInterval     = 5 * time.Second
	DefaultBatchSize        = 256
	DefaultBatchBytes       = 8 << 20
	DefaultMaxBatchBytes    = 64 << 20
	DefaultResealAge        = 72 * time.Hour
	DefaultKeyGrace         = envelope.DefaultMaxAge
	DefaultChunkSize        = 1 << 20
	DefaultMaxAttachment    = 1 << 30
	DefaultMaxMessageBody   = 1 << 20
	DefaultAttachmentExpiry = 7 * 24 * time.Hour

	maxChunkSize = 8 << 20 // largest chunk a node serves or accepts
	maxBatchSize = 1024    // envelopes in one delivery request
)

// Config tunes the federation service. The zero value of every field but
// URLs means its default.
type Config struct {
	// URLs are the https URLs partners reach this node's federation
	// listener at, most preferred first; they go into the partner card.
	URLs []string

	// Exercise says this node is an exercise node: its card says so, and
	// it accepts only partners whose cards say the same (a real node is
	// never the partner of an exercise node, nor the converse).
	Exercise bool

	// CardValidity is how long this node's partner card is valid;
	// CardRenewBefore is how long before expiry the node renews it (a new
	// card signed by the same key, announced to every partner).
	CardValidity    time.Duration
	CardRenewBefore time.Duration

	// DialTimeout bounds connecting to a partner, RequestTimeout one
	// delivery request or chunk transfer.
	DialTimeout    time.Duration
	RequestTimeout time.Duration

	// BackoffMin and BackoffMax bound the pause between delivery attempts
	// to an unreachable or refusing partner: it doubles per consecutive
	// failure from BackoffMin up to BackoffMax, with jitter.
	BackoffMin time.Duration
	BackoffMax time.Duration

	// PollInterval is how often idle delivery workers look for work that
	// another process queued and re-read partners changed elsewhere.
	PollInterval time.Duration

	// BatchSize and BatchBytes bound one delivery request (envelopes and
	// bytes); MaxBatchBytes bounds an incoming one.
	BatchSize     int
	BatchBytes    int
	MaxBatchBytes int64

	// ResealAge is the age at which a queued envelope is sealed again with
	// a fresh time, so that it stays well inside the receivers' accepted
	// age (envelope.DefaultMaxAge) however long a partner is away.
	ResealAge time.Duration

	// MaxSkew and MaxAge bound the created time of incoming envelopes
	// (envelope.OpenOptions); zero means the envelope package's defaults.
	MaxSkew time.Duration
	MaxAge  time.Duration

	// KeyGrace is how long envelopes signed by a partner's superseded key
	// are still accepted after a rotation (they may be in flight).
	KeyGrace time.Duration

	// ChunkSize is the size of attachment chunks this node cuts;
	// MaxAttachment bounds one attachment (sent or received).
	ChunkSize     int
	MaxAttachment int64
	// AttachmentExpiry is how long an unfinished upload is kept.
	AttachmentExpiry time.Duration

	// MaxMessageBody bounds the body of one message, in bytes.
	MaxMessageBody int
}

// withDefaults fills zero fields and validates the rest.
func (c Config) withDefaults() (Config, error) {
	set := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	set(&c.CardValidity, DefaultCardValidity)
	set(&c.CardRenewBefore, DefaultCardRenewBefore)
	set(&c.DialTimeout, DefaultDialTimeout)
	set(&c.RequestTimeout, DefaultRequestTimeout)
	set(&c.BackoffMin, DefaultBackoffMin)
	set(&c.BackoffMax, DefaultBackoffMax)
	set(&c.PollInterval, DefaultPollInterval)
	set(&c.ResealAge, DefaultResealAge)
	set(&c.MaxSkew, envelope.DefaultMaxSkew)
	set(&c.MaxAge, envelope.DefaultMaxAge)
	set(&c.KeyGrace, DefaultKeyGrace)
	set(&c.AttachmentExpiry, DefaultAttachmentExpiry)
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.BatchBytes <= 0 {
		c.BatchBytes = DefaultBatchBytes
	}
	if c.MaxBatchBytes <= 0 {
		c.MaxBatchBytes = DefaultMaxBatchBytes
	}
	if c.ChunkSize <= 0 {
		c.ChunkSize = DefaultChunkSize
	}
	if c.MaxAttachment <= 0 {
		c.MaxAttachment = DefaultMaxAttachment
	}
	if c.MaxMessageBody <= 0 {
		c.MaxMessageBody = DefaultMaxMessageBody
	}
	switch {
	case len(c.URLs) == 0:
		return c, fmt.Errorf("federation: at least one federation URL is required")
	case c.BackoffMax < c.BackoffMin:
		return c, fmt.Errorf("federation: BackoffMax %v is below BackoffMin %v", c.BackoffMax, c.BackoffMin)
	case c.BatchSize > maxBatchSize:
		return c, fmt.Errorf("federation: BatchSize %d exceeds %d", c.BatchSize, maxBatchSize)
	case c.ChunkSize > maxChunkSize:
		return c, fmt.Errorf("federation: ChunkSize %d exceeds %d", c.ChunkSize, maxChunkSize)
	case c.ResealAge >= c.MaxAge:
		return c, fmt.Errorf("federation: ResealAge %v must be below MaxAge %v", c.ResealAge, c.MaxAge)
	case c.MaxBatchBytes < int64(envelope.DefaultMaxSize):
		return c, fmt.Errorf("federation: MaxBatchBytes %d is below one envelope (%d)", c.MaxBatchBytes, envelope.DefaultMaxSize)
	case c.MaxMessageBody > envelope.MaxPayload/2:
		return c, fmt.Errorf("federation: MaxMessageBody %d exceeds %d", c.MaxMessageBody, envelope.MaxPayload/2)
	}
	return c, nil
}
