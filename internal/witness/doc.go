// Package witness makes partner nodes witnesses of each other's audit
// logs: each node sends its latest signed checkpoint to every active
// partner, the partner checks it against what it has seen of that log
// and cosigns it, and a node that is shown two views of one log raises an
// alert.
//
// # Exchange
//
// Within [PollInterval] of signing a checkpoint, or of onboarding a
// partner, a node offers its latest checkpoint (audit.Log.Latest) to each
// active partner that has not cosigned it yet (and again every
// [Config.Interval] while it stays uncosigned),
// as a checkpoint message with consistency proofs from the size the
// partner last reported accepting, and from any sizes the partner asked
// about. The partner (the witness) verifies the checkpoint's signature
// with the origin's key from its partner card (signing key and
// AuditOrigin), and accepts it when it is the first it sees of that log,
// has the size and root of the last one accepted, or is larger and
// provably consistent with it. It then answers with a cosignature message:
// the checkpoint with its C2SP tlog-cosignature line, signed with its own
// node key under the witness name "liaison.<agency>/witness"
// ([WitnessName]). The origin verifies and stores cosignatures with
// audit.Log.AddCosignatures, which finds witness keys through [Keys], an
// audit.WitnessKeys built from the partner registry by that naming
// convention.
//
// A witness that cannot check a larger checkpoint (no proof from the size
// it holds: a message was lost, a node restored from backup) neither
// cosigns nor alerts: it cosigns the checkpoint it holds again, which
// tells the origin where to prove from next time.
//
// # Split views
//
// A checkpoint with the size of one already accepted but another root, a
// larger one whose consistency proof fails, or a smaller one than the one
// accepted (the log went back) is a split view: the origin's key signed
// two histories. The witness raises an alert ([Service.Alerts]): logged at
// error, an audit event with outcome denied and reason "split-view", a
// metric, and it never cosigns for that log again (an administrator
// investigates). The evidence — both signed checkpoints — is kept.
//
// Witnesses compare notes (gossip): each checkpoint message carries the
// latest checkpoints the sender accepted from third parties. The receiver
// checks each against its own view of that log: same size, different
// root is a split view at once; another size is kept as an observation
// that the log's next checkpoint must be proven consistent with — the
// receiver asks the origin for those proofs in its cosignature message.
// A node also checks every checkpoint of its own log that comes back to
// it (a cosigned one, or one gossiped by a partner) against its log: a
// checkpoint its key signed but its log contradicts means the key signed
// another history.
package witness
