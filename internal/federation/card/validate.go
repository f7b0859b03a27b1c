package card

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/identity"
	"github.com/liaison-project/liaison/internal/policy"
)

// CheckAgencyID validates an agency id with the one rule the whole node
// uses (policy.ValidAgencyID: 2–32 upper-case letters, digits and dashes,
// e.g. "NL-NCB").
func CheckAgencyID(s string) error {
	if !policy.ValidAgencyID(s) {
		return errs.Invalidf("agency", "agency id %q must be 2 to %d upper-case letters, digits and dashes, e.g. NL-NCB", s, policy.MaxAgencyIDLen)
	}
	return nil
}

// CheckCountry validates an ISO 3166-1 alpha-2 country code in upper case;
// "EU" is accepted for bodies of the European Union (Europol, Eurojust).
func CheckCountry(s string) error {
	if s == "EU" || policy.ValidCountry(s) {
		return nil
	}
	return errs.Invalidf("country", "%q is not an upper-case, assigned ISO 3166-1 alpha-2 country code", s)
}

// validate checks every field's syntax and size, that the keys have the
// right lengths, that the HPKE key parses and that the signatures have the
// right sizes. It does not verify signatures or check the time.
func (c *Card) validate() error {
	if err := c.validateFields(); err != nil {
		return err
	}
	if len(c.Signatures.Self) != sigSize {
		return errs.Invalidf("card.signatures.self", "signature must be %d bytes", sigSize)
	}
	switch {
	case c.Supersedes == "" && c.Signatures.Previous != nil:
		return errs.E(errs.Invalid, "card.signatures.previous", "a previous-key signature needs supersedes")
	case c.Supersedes != "" && len(c.Signatures.Previous) != sigSize:
		return errs.Invalidf("card.signatures.previous", "a card that supersedes another needs a %d-byte previous-key signature", sigSize)
	}
	return nil
}

// validateFields checks everything validate does except the signatures.
func (c *Card) validateFields() error {
	if c.Version != Version {
		return errs.Invalidf("card.version", "unsupported card version %d (want %d)", c.Version, Version)
	}
	if err := CheckAgencyID(c.Agency); err != nil {
		return errs.E(errs.Invalid, "card.agency", errs.PublicMessage(err))
	}
	if err := checkText(c.Name, maxNameLen); err != nil {
		return errs.E(errs.Invalid, "card.name", err.Error())
	}
	if err := CheckCountry(c.Country); err != nil {
		return errs.E(errs.Invalid, "card.country", errs.PublicMessage(err))
	}
	if err := checkURLs(c.URLs); err != nil {
		return err
	}
	if len(c.SigningKey) != ed25519.PublicKeySize {
		return errs.Invalidf("card.signingKey", "Ed25519 public key must be %d bytes, got %d", ed25519.PublicKeySize, len(c.SigningKey))
	}
	if want := identity.KEM().ID(); c.HPKE.KEM != want {
		return errs.Invalidf("card.hpke.kem", "HPKE KEM %#04x is not supported (want X-Wing, %#04x)", c.HPKE.KEM, want)
	}
	if _, err := identity.KEM().NewPublicKey(c.HPKE.Key); err != nil {
		return errs.Invalidf("card.hpke.key", "not an X-Wing public key (%d bytes)", len(c.HPKE.Key))
	}
	if len(c.TLSPin) != tlsPinLen || !isLowerHex(c.TLSPin) {
		return errs.Invalidf("card.tlsPin", "TLS pin must be %d lower-case hex digits (SHA-256 of the certificate's SubjectPublicKeyInfo)", tlsPinLen)
	}
	if err := checkOrigin(c.AuditOrigin); err != nil {
		return err
	}
	if err := checkValidity(c.NotBefore, c.NotAfter); err != nil {
		return err
	}
	if c.Supersedes != "" {
		id, err := ParseFingerprint(c.Supersedes)
		if err != nil || id.String() != c.Supersedes {
			return errs.E(errs.Invalid, "card.supersedes", "supersedes must be a fingerprint in the form XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
		}
	}
	return nil
}

// checkText accepts non-empty valid UTF-8 without control characters or
// surrounding spaces, at most max bytes.
func checkText(s string, max int) error {
	switch {
	case s == "":
		return errors.New("must not be empty")
	case len(s) > max:
		return fmt.Errorf("longer than %d bytes", max)
	case !utf8.ValidString(s):
		return errors.New("not valid UTF-8")
	case strings.TrimSpace(s) != s:
		return errors.New("leading or trailing space")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return errors.New("control characters are not allowed")
	}
	return nil
}

func checkURLs(urls []string) error {
	if len(urls) == 0 || len(urls) > maxURLs {
		return errs.Invalidf("card.urls", "a card needs 1 to %d federation URLs", maxURLs)
	}
	for i, s := range urls {
		field := "card.urls[" + strconv.Itoa(i) + "]"
		if len(s) > maxURLLen {
			return errs.Invalidf(field, "URL longer than %d bytes", maxURLLen)
		}
		u, err := url.Parse(s)
		if err != nil {
			return errs.E(errs.Invalid, field, "not a URL")
		}
		switch {
		case u.Scheme != "https":
			return errs.E(errs.Invalid, field, "federation URLs must use https")
		case u.Host == "" || u.Hostname() == "":
			return errs.E(errs.Invalid, field, "URL has no host")
		case u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" || u.ForceQuery:
			return errs.E(errs.Invalid, field, "URL must not carry user info, a query or a fragment")
		case u.String() != s:
			return errs.E(errs.Invalid, field, "URL is not in canonical form (expected "+u.String()+")")
		}
		for _, prev := range urls[:i] {
			if prev == s {
				return errs.E(errs.Invalid, field, "duplicate URL")
			}
		}
	}
	return nil
}

// checkOrigin accepts an empty origin or printable ASCII without spaces, as
// the C2SP tlog-checkpoint origin line and note key names require.
func checkOrigin(s string) error {
	if len(s) > maxOriginLen {
		return errs.Invalidf("card.auditOrigin", "origin longer than %d bytes", maxOriginLen)
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' || s[i] == '+' {
			return errs.E(errs.Invalid, "card.auditOrigin", "origin must be printable ASCII without spaces or '+'")
		}
	}
	return nil
}

func checkValidity(nb, na time.Time) error {
	if nb.IsZero() || na.IsZero() {
		return errs.E(errs.Invalid, "card.notBefore", "notBefore and notAfter are required")
	}
	if nb.Nanosecond() != 0 || na.Nanosecond() != 0 {
		return errs.E(errs.Invalid, "card.notBefore", "card times must be whole seconds")
	}
	if !na.After(nb) {
		return errs.E(errs.Invalid, "card.notAfter", "notAfter must be after notBefore")
	}
	if na.Sub(nb) > MaxValidity {
		return errs.Invalidf("card.notAfter", "validity exceeds %v", MaxValidity)
	}
	return nil
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}
