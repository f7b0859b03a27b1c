// Package federation connects a node to its partner agencies: partner
// trust, the mutual-TLS transport, the durable outbox and inbox with signed
// receipts, and secure messaging (threads, handling codes, TLP,
// attachments). Other capabilities send through [Service.Send] and receive
// through handlers registered with [Service.Handle].
//
// # Partners
//
// Trust starts with partner cards (package card): this node's card is made
// from its identity and [Config.URLs] and stored ([Service.OwnCard]); a
// partner's card is accepted with [Service.AddPartner] only when its
// self-signature holds and its fingerprint, read out of band, matches. A
// card signed by the current card's key replaces it without a phone call
// (rotation); superseded cards are kept to verify old evidence, and their
// key and TLS certificate stay acceptable for [Config.KeyGrace] so that
// envelopes in flight are not lost. When this node's URLs or keys change,
// or its card nears expiry, it renews the card and announces it to every
// partner (envelope type [TypePartnerCard]). Partners are suspended,
// resumed and removed with [Service.SetPartnerState]; every change is
// audited (partner-changed).
//
// An exercise node ([Config.Exercise]) says so in its signed card, and
// cards are accepted only from the same side of the exercise boundary: an
// exercise node federates with exercise nodes only, a real node with real
// nodes only, so exercise data never reaches a real node. [Partner.Exercise]
// and the partner principal of inbound requests carry the flag.
//
// # Transport
//
// The federation listener ([Service.TLSConfig], [Service.Handler]) speaks
// TLS 1.3 only and requires a client certificate whose SPKI pin belongs to
// an active partner's card: unknown, suspended and removed peers fail the
// handshake, before any request is read. Outbound connections present this
// node's certificate and accept the partner only if its certificate matches
// the pin in its card; no certificate authority is involved. The API lives
// under /federation/v1 on that listener only.
//
// # Delivery
//
// [Service.Send] queues one envelope per recipient in the caller's
// transaction, with the next sequence number of the pair (sender →
// recipient). Per partner, three workers run ([Service.Run]): a sealer
// (signs and encrypts queued envelopes, in advance, also while the partner
// is away), a deliverer (sends sealed envelopes in sequence order, in
// batches, pipelined, retrying with capped exponential backoff and jitter)
// and an attachment fetcher. A partner that comes back greets this node,
// which cuts the backoff short; a restarted node greets its partners. A dead
// partner never holds up another.
//
// The receiver checks each envelope (package envelope: signature,
// recipient, time window, decryption) and its sequence number against the
// durable guard (fed_partners.next_in), then, in one transaction, records
// it with its evidence, advances the guard, runs the type's
// [InboundHandler] and writes a collect audit event; the answer is a signed
// delivered receipt. A duplicate is answered with the original receipt and
// not applied again, so the effect is exactly once. A refused envelope gets
// a reason (envelope.Reason, [ReasonRejected], [ReasonRetry]) and a denied
// audit event, and changes nothing. An envelope whose handler refuses its
// content is recorded as rejected and the sender marks it failed; every
// other failure leaves it queued and visible (attempts, last error) until a
// retry succeeds. Nothing is dropped silently: [Service.Status] and the
// Prometheus metrics show, per partner, the last contact, queue depth,
// oldest undelivered envelope and failures.
//
// # Messaging
//
// Messages ([Service.SendMessage]) belong to threads with a subject and a
// case reference, carry Europol handling codes and a TLP label, and are
// delivered per recipient as above. Opening a message ([Service.OpenMessage])
// is a consultation (justification required, audited) and sends the sender
// a signed read receipt naming the officer. Attachments of up to
// [Config.MaxAttachment] are uploaded in chunks, each checked with SHA-256,
// resumably; the message carries each chunk's SHA-256 under the sender's
// signature, and recipients fetch the chunks from the sender after the
// message arrives, resuming where they stopped and checking every chunk
// against the signed hash. Attachments are held in the database, one chunk
// in memory at a time.
package federation
