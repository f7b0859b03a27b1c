package matchsvc

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/match"
)

// keyVault seals epoch keys at rest under a key derived from the node's
// signing key: the database alone (a backup, a stolen disk) does not give
// the epoch keys, which would turn published tables into dictionaries.
type keyVault struct {
	aead cipher.AEAD
	rnd  io.Reader
}

const vaultLabel = "liaison-match v1 epoch keys at rest"

func newKeyVault(signing ed25519.PrivateKey, agency string, rnd io.Reader) (*keyVault, error) {
	if len(signing) != ed25519.PrivateKeySize {
		return nil, errs.E(errs.Invalid, "signing_key", "the matching service needs the node's signing key")
	}
	key, err := hkdf.Key(sha256.New, signing.Seed(), nil, vaultLabel+"\n"+agency, 32)
	if err != nil {
		return nil, fmt.Errorf("derive epoch key vault key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("epoch key vault: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("epoch key vault: %w", err)
	}
	return &keyVault{aead: aead, rnd: rnd}, nil
}

// aad binds a sealed key to its epoch, so that rows cannot be swapped.
func aad(e match.EpochID) []byte { return []byte("epoch " + strconv.FormatUint(uint64(e), 10)) }

func (v *keyVault) seal(k *match.EpochKey) ([]byte, error) {
	plain, err := k.MarshalBinary()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, v.aead.NonceSize(), v.aead.NonceSize()+len(plain)+v.aead.Overhead())
	if _, err := io.ReadFull(v.rnd, nonce); err != nil {
		return nil, fmt.Errorf("seal epoch key: %w", err)
	}
	out := v.aead.Seal(nonce, nonce, plain, aad(k.Epoch))
	clear(plain)
	return out, nil
}

func (v *keyVault) open(e match.EpochID, sealed []byte) (*match.EpochKey, error) {
	n := v.aead.NonceSize()
	if len(sealed) < n+v.aead.Overhead() {
		return nil, errs.E(errs.Invalid, "epoch_key", "sealed epoch key is truncated")
	}
	plain, err := v.aead.Open(nil, sealed[:n], sealed[n:], aad(e))
	if err != nil {
		return nil, errs.E(errs.Invalid, "epoch_key", "sealed epoch key does not open with this node's key", err)
	}
	defer clear(plain)
	k, err := match.ParseEpochKey(plain)
	if err != nil {
		return nil, err
	}
	if k.Epoch != e {
		return nil, errs.E(errs.Invalid, "epoch_key", fmt.Sprintf("stored key for epoch %d holds epoch %d", e, k.Epoch))
	}
	return k, nil
}

// loadEpochKeys returns the stored keys whose window has not ended,
// deleting those whose window has.
func (s *Service) loadEpochKeys(ctx context.Context, now time.Time) ([]*match.EpochKey, error) {
	if err := s.deleteExpiredKeys(ctx, now); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT epoch, sealed FROM match_epoch_keys ORDER BY epoch`)
	if err != nil {
		return nil, fmt.Errorf("read epoch keys: %w", err)
	}
	defer rows.Close()
	var keys []*match.EpochKey
	for rows.Next() {
		var e int64
		var sealed []byte
		if err := rows.Scan(&e, &sealed); err != nil {
			return nil, fmt.Errorf("read epoch keys: %w", err)
		}
		k, err := s.vault.open(match.EpochID(e), sealed)
		if err != nil {
			return nil, fmt.Errorf("epoch %d: %w", e, err)
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// storeEpochKey stores k unless another process of this node stored a key
// for the epoch first, and returns the key that is stored: one key per
// epoch is the promise partners verify.
func (s *Service) storeEpochKey(ctx context.Context, k *match.EpochKey) (*match.EpochKey, error) {
	sealed, err := s.vault.seal(k)
	if err != nil {
		return nil, err
	}
	var stored []byte
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO match_epoch_keys (epoch, not_before, not_after, sealed, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (epoch) DO NOTHING`,
			int64(k.Epoch), k.NotBefore.UnixMicro(), k.NotAfter.UnixMicro(), sealed, s.now().UnixMicro()); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT sealed FROM match_epoch_keys WHERE epoch = ?`, int64(k.Epoch)).Scan(&stored)
	})
	if err != nil {
		return nil, fmt.Errorf("store epoch %d key: %w", k.Epoch, err)
	}
	return s.vault.open(k.Epoch, stored)
}

// deleteExpiredKeys destroys the stored keys whose window has ended.
func (s *Service) deleteExpiredKeys(ctx context.Context, now time.Time) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM match_epoch_keys WHERE not_after <= ?`, now.UnixMicro())
		return err
	})
}
