package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Token format: "lsn_" + public id (16 hex) + "_" + secret (43 base64url).
// The id finds the row; only SHA-256(secret) is stored. Tokens are 256-bit
// random, so a fast hash is enough (passwords get argon2id).
const tokenPrefix = "lsn_"

func newToken() (id, secret, full string) {
	idb := make([]byte, 8)
	rand.Read(idb)
	sb := make([]byte, 32)
	rand.Read(sb)
	id = hex.EncodeToString(idb)
	secret = base64.RawURLEncoding.EncodeToString(sb)
	return id, secret, tokenPrefix + id + "_" + secret
}

// parseToken splits a presented token; ok is false when it is malformed.
func parseToken(s string) (id, secret string, ok bool) {
	rest, found := strings.CutPrefix(s, tokenPrefix)
	if !found {
		return "", "", false
	}
	id, secret, found = strings.Cut(rest, "_")
	if !found || len(id) != 16 || len(secret) != 43 {
		return "", "", false
	}
	if _, err := hex.DecodeString(id); err != nil {
		return "", "", false
	}
	return id, secret, true
}

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}
