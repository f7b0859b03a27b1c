package federation

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/liaison-project/liaison/internal/identity"
)

var (
	errNoPeerCert   = errors.New("federation: the peer presented no certificate")
	errUnknownPeer  = errors.New("federation: the peer's certificate is not pinned by any partner card")
	errInactivePeer = errors.New("federation: the partner is suspended or removed")
	errExpiredPeer  = errors.New("federation: the partner's card has expired")
	errPinMismatch  = errors.New("federation: the partner's certificate does not match the pin in its card")
)

// TLSConfig is the server configuration of the federation listener: TLS
// 1.3 only, a client certificate required, and the handshake refused unless
// that certificate's SubjectPublicKeyInfo is pinned by the card of an
// active partner. Unknown, suspended and removed peers are thus turned away
// before a request is even sent. No certificate authority is involved: the
// pins come from partner cards verified out of band.
//
// The check runs on every handshake, resumed sessions included, against
// the partners as they are at that moment; requests on a connection that
// outlives a suspension are refused by [Service.Handler] as well.
func (s *Service) TLSConfig() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{s.id.TLS},
		MinVersion:   tls.VersionTLS13,
		ClientAuth:   tls.RequireAnyClientCert,
		VerifyConnection: func(cs tls.ConnectionState) error {
			_, err := s.peerOf(cs)
			if err != nil {
				s.metrics.handshakesRefused.Inc()
				s.log.Warn("federation handshake refused", slog.String("reason", err.Error()), slog.String("pin", peerPin(cs)))
			}
			return err
		},
	}
}

func peerPin(cs tls.ConnectionState) string {
	if len(cs.PeerCertificates) == 0 {
		return ""
	}
	return identity.CertPin(cs.PeerCertificates[0])
}

// peerOf identifies the active partner behind a TLS connection.
func (s *Service) peerOf(cs tls.ConnectionState) (*partner, error) {
	if len(cs.PeerCertificates) == 0 {
		return nil, errNoPeerCert
	}
	p := s.partners.byTLSPin(identity.CertPin(cs.PeerCertificates[0]), s.now())
	if p == nil {
		return nil, errUnknownPeer
	}
	if p.state != StateActive {
		return nil, errInactivePeer
	}
	if p.expired(s.now()) {
		return nil, errExpiredPeer
	}
	return p, nil
}

// clientFor returns the HTTP client for p: mutual TLS 1.3 with this node's
// certificate, and the server accepted only if its certificate matches the
// pin in p's card. The client is kept until p's card changes.
func (s *Service) clientFor(p *partner) *http.Client {
	p.clientM.Lock()
	defer p.clientM.Unlock()
	if p.client != nil {
		return p.client
	}
	pin := p.card.TLSPin
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{
			Certificates: []tls.Certificate{s.id.TLS},
			MinVersion:   tls.VersionTLS13,
			// Partners present self-signed certificates: instead of a chain
			// to a CA, VerifyConnection checks the pin from the partner card.
			InsecureSkipVerify: true,
			VerifyConnection: func(cs tls.ConnectionState) error {
				if len(cs.PeerCertificates) == 0 || identity.CertPin(cs.PeerCertificates[0]) != pin {
					return errPinMismatch
				}
				return nil
			},
		},
		DialContext:           (&net.Dialer{Timeout: s.cfg.DialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   s.cfg.DialTimeout,
		ResponseHeaderTimeout: s.cfg.RequestTimeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	p.client = &http.Client{Transport: tr, Timeout: s.cfg.RequestTimeout}
	return p.client
}
