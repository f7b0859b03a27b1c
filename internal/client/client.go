// Package client is a small Go client of the officer API, used by the CLI,
// the demo and end-to-end tests. It speaks only the public API: there is no
// side door around authentication or audit.
package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/httpx"
)

// Client calls one node's officer API.
type Client struct {
	BaseURL string // e.g. https://127.0.0.1:8443
	Token   string
	HTTP    *http.Client

	// Justification and CaseRef are sent as Liaison-Justification and
	// Liaison-Case on every request when set.
	Justification string
	CaseRef       string
}

// New returns a client. rootCAs, when not nil, is the trust store for the
// node's certificate (a self-signed node certificate is pinned this way).
func New(baseURL, token string, rootCAs *x509.CertPool) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: rootCAs, MinVersion: tls.VersionTLS12}
	tr.MaxIdleConnsPerHost = 64
	return &Client{
		BaseURL: strings.TrimRight(baseURL, "/"),
		Token:   token,
		HTTP:    &http.Client{Transport: tr, Timeout: 60 * time.Second},
	}
}

// Error is a problem+json answer from the API.
type Error struct {
	Problem httpx.Problem
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%d %s", e.Problem.Status, e.Problem.Title)
	if e.Problem.Field != "" {
		s += ": " + e.Problem.Field
	}
	if e.Problem.Detail != "" {
		s += ": " + e.Problem.Detail
	}
	return s
}

// Kind reports the error kind carried by the problem.
func (e *Error) Kind() errs.Kind { return errs.ParseKind(e.Problem.Kind) }

// Request is one API call.
type Request struct {
	Method         string
	Path           string     // under the base URL, e.g. "/api/v1/me"
	Query          url.Values // optional
	Body           any        // JSON-encoded when not nil
	IdempotencyKey string
	Header         http.Header
}

// Do performs req and decodes a JSON success body into out (if not nil).
// A problem+json answer is returned as *Error wrapped in an errs.Error of the
// same kind, so errs.Is works on it.
func (c *Client) Do(ctx context.Context, req Request, out any) error {
	resp, err := c.Raw(ctx, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil && err != io.EOF {
		return fmt.Errorf("decode %s %s response: %w", req.Method, req.Path, err)
	}
	return nil
}

// Raw performs req and returns the response when its status is 2xx; the
// caller closes the body.
func (c *Client) Raw(ctx context.Context, req Request) (*http.Response, error) {
	var body io.Reader
	if req.Body != nil {
		if r, ok := req.Body.(io.Reader); ok {
			body = r
		} else {
			b, err := json.Marshal(req.Body)
			if err != nil {
				return nil, fmt.Errorf("encode request: %w", err)
			}
			body = bytes.NewReader(b)
		}
	}
	u := c.BaseURL + req.Path
	if len(req.Query) > 0 {
		u += "?" + req.Query.Encode()
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, u, body)
	if err != nil {
		return nil, err
	}
	for k, v := range req.Header {
		hr.Header[k] = v
	}
	if req.Body != nil && hr.Header.Get("Content-Type") == "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	hr.Header.Set("Accept", "application/json")
	if c.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.Justification != "" {
		hr.Header.Set("Liaison-Justification", c.Justification)
	}
	if c.CaseRef != "" {
		hr.Header.Set("Liaison-Case", c.CaseRef)
	}
	if req.IdempotencyKey != "" {
		hr.Header.Set("Idempotency-Key", req.IdempotencyKey)
	}
	resp, err := c.HTTP.Do(hr)
	if err != nil {
		return nil, errs.E(errs.Transient, fmt.Sprintf("%s %s", req.Method, req.Path), err)
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		return nil, problemError(resp)
	}
	return resp, nil
}

func problemError(resp *http.Response) error {
	var p httpx.Problem
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if json.Unmarshal(data, &p) != nil || p.Status == 0 {
		p = httpx.Problem{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode), Detail: strings.TrimSpace(string(data))}
	}
	k := errs.ParseKind(p.Kind)
	if k == errs.Other {
		k = kindOfStatus(resp.StatusCode)
	}
	return errs.E(k, &Error{Problem: p})
}

func kindOfStatus(status int) errs.Kind {
	for k := errs.Invalid; k <= errs.Unsupported; k++ {
		if httpx.StatusOf(k) == status && k != errs.Withheld {
			return k
		}
	}
	return errs.Internal
}

// Get is Do for a GET request.
func (c *Client) Get(ctx context.Context, path string, query url.Values, out any) error {
	return c.Do(ctx, Request{Method: http.MethodGet, Path: path, Query: query}, out)
}

// Post is Do for a POST request with an Idempotency-Key.
func (c *Client) Post(ctx context.Context, path string, body, out any) error {
	return c.Do(ctx, Request{Method: http.MethodPost, Path: path, Body: body, IdempotencyKey: NewIdempotencyKey()}, out)
}

// NewIdempotencyKey returns a random key.
func NewIdempotencyKey() string { return httpx.NewRequestID() }
