package federation

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/httpx"
)

// Prefix is the path prefix of the federation API, served only on the
// federation listener, never next to the officer API.
const Prefix = "/federation/v1"

// Hello is the signed greeting GET /federation/v1/hello answers with: a
// partner checks with it that the node answering is the agency it expects.
type Hello struct {
	Agency     string    `json:"agency"`
	Country    string    `json:"country"`
	Name       string    `json:"name"`
	Time       time.Time `json:"time"`
	SigningKey []byte    `json:"signingKey"`
	Signature  []byte    `json:"signature"`
}

// HelloMessage is the byte string a Hello's signature covers.
func HelloMessage(h Hello) []byte {
	return fmt.Appendf(nil, "liaison-hello-v1\n%s\n%s\n%s\n", h.Agency, h.Country, h.Time.UTC().Format(time.RFC3339Nano))
}

// Handler serves the federation API under /federation/v1 for the
// federation listener (configured with [Service.TLSConfig]):
//
//   - GET  /federation/v1/hello: the signed hello;
//   - POST /federation/v1/envelopes: a batch of envelopes (BatchContentType),
//     answered with one receipt or refusal each;
//   - GET  /federation/v1/attachments/{id}/chunks/{n}: one chunk of an
//     attachment the calling partner was sent.
//
// Every request is attributed to the active partner whose card pins the
// client certificate; any other caller is refused before its body is read.
// The caller should wrap the handler with the node's access log and metrics.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+Prefix+"/hello", s.fed(s.handleHello))
	mux.Handle("POST "+Prefix+"/envelopes", s.fed(s.handleEnvelopes))
	mux.Handle("GET "+Prefix+"/attachments/{id}/chunks/{n}", s.fed(s.handleChunk))
	mux.Handle(Prefix+"/", s.peerHandler())
	mux.Handle("/", httpx.Handle(s.log, func(w http.ResponseWriter, r *http.Request) error {
		return errs.E(errs.NotExist, "not found")
	}))
	return mux
}

type peerKey struct{}

// fed authenticates the partner behind the request's TLS connection and
// puts it, as a partner principal, in the request context.
func (s *Service) fed(h httpx.HandlerFunc) http.Handler {
	return httpx.Handle(s.log, func(w http.ResponseWriter, r *http.Request) error {
		if r.TLS == nil {
			return errs.E(errs.Unauthorized, "the federation API needs mutual TLS")
		}
		p, err := s.peerOf(*r.TLS)
		if err != nil {
			if errors.Is(err, errInactivePeer) {
				return errs.E(errs.Permission, "this partner is suspended")
			}
			return errs.E(errs.Unauthorized, "unknown peer")
		}
		s.contact(p.agency)
		ctx := access.With(r.Context(), access.Principal{
			Username: p.agency, Agency: p.agency, Country: p.card.Country, Partner: true,
			Exercise: p.card.Exercise, // an exercise node's partners are exercise nodes (acceptCard)
		})
		ctx = context.WithValue(ctx, peerKey{}, p)
		return h(w, r.WithContext(ctx))
	})
}

func peerFrom(ctx context.Context) *partner {
	p, _ := ctx.Value(peerKey{}).(*partner)
	return p
}

func (s *Service) handleHello(w http.ResponseWriter, r *http.Request) error {
	h := Hello{Agency: s.id.Agency, Country: s.id.Country, Name: s.id.Name, Time: s.now().UTC(),
		SigningKey: s.id.SigningKey.Public().(ed25519.PublicKey)}
	h.Signature = ed25519.Sign(s.id.SigningKey, HelloMessage(h))
	return httpx.WriteJSON(w, http.StatusOK, h)
}
