// Package disclosure shares records with partner agencies and keeps every
// copy in step with the original: the disclosure itself, the originator's
// permission for onward sharing of H2 records, and the propagation of
// corrections, withdrawals and erasures to every holder.
//
// # Sharing
//
// [Service.Share] sends a copy of a record to partners. For each partner,
// in one transaction, the records capability decides (policy: H0–H3, TLP,
// purpose, case), builds the recipient's copy with the originator's
// envelope and records a disclose event ([record.Service.DiscloseCopyIn]),
// and federation queues a record-share message carrying it
// ([federation.Service.Send]): the disclosure is on record exactly when the
// copy is on its way. A refusal is recorded too (a denied disclose event)
// and reported with the policy rule. The disclose event names the message
// id; so does the receiver's collect event, which the record-share handler
// writes when it stores the copy ([record.Service.ApplyReceivedIn]) in the
// transaction in which federation accepts the message. The copy keeps the
// originator's envelope (ReceivedFrom names the sender) and is marked as
// received (Provenance).
//
// # Holders
//
// The sender keeps a row per record and holder: the purpose and case of
// the disclosure, the version and kind (copy, withdrawal, erasure) last
// sent, its message, and the version the holder acknowledged. A holder
// acknowledges with federation's signed delivered receipt, which is sent in
// the same transaction in which the holder applied the message; the
// propagation worker then records the holder's version with
// [record.SetHolder]. [Service.Holders] lists who holds which version,
// acknowledged or not.
//
// # Propagation
//
// A background worker ([Service.Run]) follows the records change feed
// ([record.Service.ChangesSince], from a cursor stored here). Every change
// of a record this node originated (update, review, withdrawal, erasure)
// marks the record's holders outdated; the worker then sends each one what
// [record.Service.UpdateForHolder] decides: the new version as a
// record-update, or a record-tombstone (withdraw or erase). A change that
// the policy no longer lets a holder see (the originator excluded its
// country, narrowed the TLP:RED recipients or changed the purpose) revokes
// the holder's copy with an erasure — narrowed distribution reaches copies
// already sent. Each update is a disclose event naming its message.
//
// Copies shared onward are kept up to date hop by hop: a holder that
// applies an update or a tombstone from upstream marks its own holders
// outdated in the same transaction, and its worker relays the change. The
// originator does not need to be a partner of every holder. A relayed
// update may only narrow the envelope of the copy held (policy.NotWider),
// so a change that widens the originator's restrictions reaches the second
// hop only when the holder shares the record again.
//
// A tombstone for a record the receiver does not hold, and any other
// update it cannot apply, is refused with a reason in the transaction that
// would have applied it: nothing is half-applied, federation audits the
// refusal and the sender sees the message failed with that reason.
//
// # Onward permission (H2)
//
// An H2 record goes no further than its holder without the originator's
// permission (policy rule h2.onward-without-grant). A holder asks with
// [ShareRequest.RequestPermission]: a permission-request message to the
// originator, who must have sent the holder its copy. The originator's
// SPOC lists pending requests ([Service.Requests]) and answers
// ([Service.Answer]). A grant adds the recipient to the record's onward
// grants (a new version of the record, policy.Envelope.OnwardGrants), and
// the permission-answer carries the holder's copy of that version, applied
// with the answer, so that the holder's next share to that recipient is
// allowed. The share itself stays an officer's act: the requesting officer
// shares again once the request shows granted. A refusal is answered with
// its reason. Since grants live in the originator's envelope, every holder
// may then pass the record to the granted agency (policy.RecipientEnvelope).
//
// # Audit
//
// Every message about a record that leaves the node is a disclose event
// naming the recipient and the message id: the copy, each update and
// tombstone, the permission request and the answer. The receiver records
// a collect (or alter, or erase) event naming the same message id.
package disclosure
