package card

import (
	"encoding/binary"
	"time"
)

// Domain strings separate the two signatures on a card, and card signatures
// from every other Ed25519 signature a node makes.
const (
	domainSelf     = "liaison/card/v1/self-signature"
	domainPrevious = "liaison/card/v1/previous-key-signature"
	domainKeyID    = "liaison/card/v1/key-id"
)

// exerciseMarker ends the signed bytes of an exercise node's card.
const exerciseMarker = "exercise"

// signedBytes is the version-1 encoding that a card's signatures cover:
//
//	domain, version (u16), agency, name, country, urls (u8 count, then each),
//	signingKey, hpke.kem (u16), hpke.key, tlsPin, auditOrigin,
//	notBefore, notAfter (i64 Unix seconds), supersedes
//
// followed, on an exercise node's card only, by the string "exercise"
// (length-prefixed like the others). Cards of real nodes thus keep the
// encoding they had before the flag existed, and their signatures still
// verify; the marker after the last field keeps the encoding injective.
//
// where every string and byte field is a u32 big-endian length followed by
// its bytes. The length prefixes make the encoding injective, so no two
// different cards share signed bytes. Times are whole seconds, which Parse
// and New enforce.
func (c *Card) signedBytes(domain string) []byte {
	b := make([]byte, 0, 256+len(c.HPKE.Key))
	b = appendString(b, domain)
	b = binary.BigEndian.AppendUint16(b, uint16(c.Version))
	b = appendString(b, c.Agency)
	b = appendString(b, c.Name)
	b = appendString(b, c.Country)
	b = append(b, byte(len(c.URLs)))
	for _, u := range c.URLs {
		b = appendString(b, u)
	}
	b = appendBytes(b, c.SigningKey)
	b = binary.BigEndian.AppendUint16(b, c.HPKE.KEM)
	b = appendBytes(b, c.HPKE.Key)
	b = appendString(b, c.TLSPin)
	b = appendString(b, c.AuditOrigin)
	b = appendTime(b, c.NotBefore)
	b = appendTime(b, c.NotAfter)
	b = appendString(b, c.Supersedes)
	if c.Exercise {
		b = appendString(b, exerciseMarker)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func appendBytes(b, v []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
	return append(b, v...)
}

func appendTime(b []byte, t time.Time) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(t.Unix()))
}
