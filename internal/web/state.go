package web

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/liaison-project/liaison/internal/access"
)

// StateCookie holds the portal's part of a session: the session's CSRF
// token (auth hands it out once, at login) and the officer's current case
// and justification. It is sealed with AES-GCM under the portal's key and
// bound to the session cookie, so it is worthless without that session and
// cannot be read or changed by the browser.
const StateCookie = "__Host-liaison_portal"

// maxStateCookie bounds the cookie a client may present.
const maxStateCookie = 4096

// state is the content of StateCookie.
type state struct {
	Binding []byte `json:"b"` // sessionBinding of the session cookie
	CSRF    string `json:"c"`
	// The current case: asked once, then attached to every request that
	// touches personal data (Directive 2016/680 Art. 25 justification).
	CaseRef       string    `json:"k,omitempty"`
	Justification string    `json:"j,omitempty"`
	CaseSet       time.Time `json:"t,omitzero"`
}

func (s *state) justification() access.Justification {
	return access.Justification{Text: s.Justification, CaseRef: s.CaseRef}
}

// sessionBinding ties the state to one session cookie value without
// storing that value.
func sessionBinding(session string) []byte {
	h := sha256.Sum256([]byte("liaison-portal-binding\x00" + session))
	return h[:16]
}

// sealer encrypts and authenticates state cookies.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("portal state key: want 32 bytes, have %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

var stateAAD = []byte("liaison-portal-state-v1")

func (s *sealer) seal(st *state) (string, error) {
	plain, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, stateAAD)), nil
}

var errBadState = errors.New("portal state cookie missing, damaged or of another session")

// open decrypts a state cookie value and checks that it belongs to session.
func (s *sealer) open(value, session string) (*state, error) {
	if len(value) > maxStateCookie {
		return nil, errBadState
	}
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return nil, errBadState
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], stateAAD)
	if err != nil {
		return nil, errBadState
	}
	var st state
	if err := json.Unmarshal(plain, &st); err != nil {
		return nil, errBadState
	}
	if subtle.ConstantTimeCompare(st.Binding, sessionBinding(session)) != 1 || st.CSRF == "" {
		return nil, errBadState
	}
	return &st, nil
}

// setCookie writes a portal cookie: host-only, Secure, HttpOnly and
// SameSite=Strict, like the session cookie. It lives as long as the browser
// session, or until expires when that is set; an empty value deletes it.
func setCookie(w http.ResponseWriter, name, value string, expires ...time.Time) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode}
	switch {
	case value == "":
		c.MaxAge = -1
	case len(expires) > 0:
		c.Expires = expires[0]
	}
	http.SetCookie(w, c)
}
