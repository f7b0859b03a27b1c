package federation

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/httpx"
)

// MaxPeerResponse bounds the body of an answer [Service.CallPeer] reads:
// room for a published matching table of about 2.5 million entries.
const MaxPeerResponse = 128 << 20

// peerRoutes are the synchronous request/response routes other capabilities
// add to the federation API with [Service.HandlePeer]. The zero value is
// ready to use; routes may be added while the listener serves.
type peerRoutes struct {
	once sync.Once
	mux  *http.ServeMux
}

func (pr *peerRoutes) get(s *Service) *http.ServeMux {
	pr.once.Do(func() {
		pr.mux = http.NewServeMux()
		pr.mux.Handle("/", httpx.Handle(s.log, func(w http.ResponseWriter, r *http.Request) error {
			return errs.E(errs.NotExist, "not found")
		}))
	})
	return pr.mux
}

// HandlePeer registers a synchronous request/response route under
// /federation/v1, pattern being a net/http pattern with a method, e.g.
// "POST /federation/v1/match/evaluate". The route is authenticated like
// every federation route: the caller is the active partner whose card pins
// the client certificate, and the handler finds it in the request context
// as access.Principal{Partner: true, Agency, Country}. A pattern outside
// /federation/v1, without a method or registered twice panics, as a wiring
// error. Routes registered after [Service.Handler] was built are served too.
func (s *Service) HandlePeer(pattern string, h httpx.HandlerFunc) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok || method == "" || !strings.HasPrefix(path, Prefix+"/") {
		panic(fmt.Sprintf("federation: HandlePeer(%q): want \"METHOD %s/…\"", pattern, Prefix))
	}
	s.peers.get(s).Handle(pattern, s.fed(h))
}

// peerHandler serves the routes registered with HandlePeer.
func (s *Service) peerHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.peers.get(s).ServeHTTP(w, r)
	})
}

// CallPeer makes a request to a partner's federation listener over the
// mutual-TLS client pinned to its card, for online exchanges that need an
// answer now rather than store-and-forward delivery. path must be under
// /federation/v1. It tries the partner's URLs in order until one answers,
// and returns the status and body of that answer, whatever the status.
//
// Errors: errs.NotExist for an agency that is not a partner,
// errs.Precondition for a suspended, removed or expired partner,
// errs.Invalid for a path outside the federation API, errs.TooLarge for an
// answer over [MaxPeerResponse], and errs.Transient when no URL answered
// (also when ctx ended).
func (s *Service) CallPeer(ctx context.Context, agency, method, path string, body []byte, contentType string) (int, []byte, error) {
	if !strings.HasPrefix(path, Prefix+"/") {
		return 0, nil, errs.E(errs.Invalid, "path", "a peer call goes to "+Prefix+"/…")
	}
	p := s.partners.get(agency)
	switch {
	case p == nil:
		return 0, nil, errs.E(errs.NotExist, "partner", agency+" is not a partner")
	case p.state != StateActive:
		return 0, nil, errs.E(errs.Precondition, "partner", "partner "+agency+" is "+p.state)
	case p.expired(s.now()):
		return 0, nil, errs.E(errs.Precondition, "partner", "the card of partner "+agency+" has expired")
	}
	client := s.clientFor(p)
	var lastErr error
	for _, base := range p.card.URLs {
		req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
		if err != nil {
			return 0, nil, errs.E(errs.Invalid, "request", "cannot build the peer request", err)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := client.Do(req)
		if err != nil {
			lastErr = err
			if ctx.Err() != nil {
				break
			}
			continue
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, MaxPeerResponse+1))
		resp.Body.Close()
		if err != nil {
			lastErr = err
			continue
		}
		if len(data) > MaxPeerResponse {
			return resp.StatusCode, nil, errs.E(errs.TooLarge, "response", fmt.Sprintf("%s answered with more than %d bytes", agency, MaxPeerResponse))
		}
		return resp.StatusCode, data, nil
	}
	return 0, nil, errs.E(errs.Transient, "partner", agency+" did not answer", lastErr)
}
