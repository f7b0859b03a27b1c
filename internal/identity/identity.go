// Package identity holds an agency node's cryptographic identity: the Ed25519
// key it signs with (messages, receipts, audit checkpoints, partner cards),
// the HPKE key pair partners encrypt to (the hybrid post-quantum X-Wing KEM,
// ML-KEM-768 + X25519, from crypto/hpke), and the TLS key and self-signed
// certificate its listeners present.
//
// # Key management
//
// Keys are generated once by `liaison init` and stored as PEM files under
// DIR/keys with mode 0600; the directory is 0700. Private keys never leave
// these files: nothing in this package prints or logs them, and
// [Identity.LogValue] redacts them. Public halves are exposed through
// [Identity.Public] for partner cards and verification.
package identity

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hpke"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// KEM is the HPKE KEM every node uses: X-Wing (ML-KEM-768 + X25519).
func KEM() hpke.KEM { return hpke.MLKEM768X25519() }

// File names under DIR/keys.
const (
	KeysDir         = "keys"
	SigningKeyFile  = "signing.key"
	HPKEKeyFile     = "hpke.key"
	TLSKeyFile      = "tls.key"
	TLSCertFile     = "tls.crt"
	pemHPKE         = "LIAISON HPKE X-WING PRIVATE KEY"
	certValidity    = 2 * 365 * 24 * time.Hour
	certClockSkew   = time.Hour
	privateFileMode = 0o600
)

// Identity is a node's private identity. Treat it as a secret.
type Identity struct {
	Agency  string
	Country string
	Name    string

	SigningKey ed25519.PrivateKey
	HPKEKey    hpke.PrivateKey
	TLS        tls.Certificate // leaf parsed into TLS.Leaf
}

// Public is the shareable half of an identity.
type Public struct {
	Agency     string
	Country    string
	Name       string
	SigningKey ed25519.PublicKey
	HPKEKey    []byte // serialised X-Wing public key
	TLSPin     string // hex SHA-256 of the certificate's SubjectPublicKeyInfo
}

// Generate creates a fresh identity. hosts are the DNS names and IP addresses
// the TLS certificate is valid for; localhost and the loopback addresses are
// always included.
func Generate(agency, country, name string, hosts []string) (*Identity, error) {
	_, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	hk, err := KEM().GenerateKey()
	if err != nil {
		return nil, fmt.Errorf("generate hpke key: %w", err)
	}
	cert, err := selfSignedCert(agency, name, hosts, time.Now())
	if err != nil {
		return nil, err
	}
	return &Identity{Agency: agency, Country: country, Name: name, SigningKey: sk, HPKEKey: hk, TLS: cert}, nil
}

func selfSignedCert(agency, name string, hosts []string, now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("generate tls key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("certificate serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: agency, Organization: []string{name}},
		NotBefore:    now.Add(-certClockSkew),
		NotAfter:     now.Add(certValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	for _, h := range hosts {
		if h == "" || h == "localhost" {
			continue
		}
		if ip := net.ParseIP(h); ip != nil {
			if !ip.IsLoopback() {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			}
			continue
		}
		tmpl.DNSNames = append(tmpl.DNSNames, h)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("create certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("parse certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// Public returns the shareable half of the identity.
func (id *Identity) Public() Public {
	return Public{
		Agency:     id.Agency,
		Country:    id.Country,
		Name:       id.Name,
		SigningKey: id.SigningKey.Public().(ed25519.PublicKey),
		HPKEKey:    id.HPKEKey.PublicKey().Bytes(),
		TLSPin:     CertPin(id.TLS.Leaf),
	}
}

// Signer returns the Ed25519 signing key as a crypto.Signer.
func (id *Identity) Signer() crypto.Signer { return id.SigningKey }

// LogValue keeps private keys out of logs even if an Identity is logged.
func (id *Identity) LogValue() slog.Value {
	return slog.GroupValue(slog.String("agency", id.Agency), slog.String("country", id.Country))
}

// CertPin is the hex SHA-256 of a certificate's SubjectPublicKeyInfo, the
// value partners pin.
func CertPin(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return hex.EncodeToString(sum[:])
}

// Save writes the identity's keys under dir/keys, refusing to overwrite.
func (id *Identity) Save(dir string) error {
	kd := filepath.Join(dir, KeysDir)
	if err := os.Mkdir(kd, 0o700); err != nil {
		return fmt.Errorf("create keys directory: %w", err)
	}
	sk, err := x509.MarshalPKCS8PrivateKey(id.SigningKey)
	if err != nil {
		return fmt.Errorf("encode signing key: %w", err)
	}
	hk, err := id.HPKEKey.Bytes()
	if err != nil {
		return fmt.Errorf("encode hpke key: %w", err)
	}
	tk, err := x509.MarshalPKCS8PrivateKey(id.TLS.PrivateKey)
	if err != nil {
		return fmt.Errorf("encode tls key: %w", err)
	}
	files := []struct {
		name string
		blk  *pem.Block
	}{
		{SigningKeyFile, &pem.Block{Type: "PRIVATE KEY", Bytes: sk}},
		{HPKEKeyFile, &pem.Block{Type: pemHPKE, Bytes: hk}},
		{TLSKeyFile, &pem.Block{Type: "PRIVATE KEY", Bytes: tk}},
		{TLSCertFile, &pem.Block{Type: "CERTIFICATE", Bytes: id.TLS.Certificate[0]}},
	}
	for _, f := range files {
		if err := writeNew(filepath.Join(kd, f.name), pem.EncodeToMemory(f.blk)); err != nil {
			return err
		}
	}
	return nil
}

func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, privateFileMode)
	if err != nil {
		return fmt.Errorf("create %s: %w", filepath.Base(path), err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", filepath.Base(path), err)
	}
	return f.Close()
}

// Load reads the keys under dir/keys. certFile and keyFile, when not empty,
// replace the generated TLS certificate (an operator's own certificate).
func Load(dir, agency, country, name, certFile, keyFile string) (*Identity, error) {
	kd := filepath.Join(dir, KeysDir)
	id := &Identity{Agency: agency, Country: country, Name: name}

	blk, err := readPEM(filepath.Join(kd, SigningKeyFile), "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(blk)
	if err != nil {
		return nil, fmt.Errorf("parse signing key: %w", err)
	}
	sk, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, errors.New("signing key is not Ed25519")
	}
	id.SigningKey = sk

	blk, err = readPEM(filepath.Join(kd, HPKEKeyFile), pemHPKE)
	if err != nil {
		return nil, err
	}
	if id.HPKEKey, err = KEM().NewPrivateKey(blk); err != nil {
		return nil, fmt.Errorf("parse hpke key: %w", err)
	}

	if certFile == "" {
		certFile, keyFile = filepath.Join(kd, TLSCertFile), filepath.Join(kd, TLSKeyFile)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load tls certificate: %w", err)
	}
	id.TLS = cert
	return id, nil
}

func readPEM(path, typ string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	blk, _ := pem.Decode(data)
	if blk == nil || blk.Type != typ {
		return nil, fmt.Errorf("%s: no %q PEM block", filepath.Base(path), typ)
	}
	return blk.Bytes, nil
}
