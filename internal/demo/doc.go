// Package demo plays the Liaison demo: three agency nodes — the Dutch NCB
// (NL-NCB), the Bundeskriminalamt (DE-BKA) and the French drugs office
// (FR-OCRTIS) — run on loopback with SQLite under one directory, become
// partners, load a synthetic case (internal/scenario) and play its story
// step by step:
//
//   - partners onboard each other with signed cards and fingerprints;
//   - each agency loads its records and its stolen-document and vehicle
//     alerts;
//   - the lead agency shares the main suspect's record under its handling
//     code with the partners;
//   - a partner follows up with a secure message, answered by signed
//     delivery and read receipts;
//   - a red notice for insulting a head of state is flagged by screening
//     (INTERPOL Constitution Art. 3) and refused by a reviewer; a red
//     notice for drug trafficking passes, is approved and published to the
//     partners, and a border check at another agency hits it;
//   - border checks hit the stolen passport and the stolen car, and miss a
//     clean passport;
//   - an agency withdraws a record it no longer stands by;
//   - every node's tamper-evident audit log verifies against the key
//     pinned when the node started.
//
// The demo acts only through each node's officer API (internal/client),
// as officers with the roles a real agency would use: an administrator,
// a single point of contact, an investigator, a reviewer, a border officer
// and a data protection officer per node. Every step is a small function
// with a narration sentence and assertions; asynchronous federation is
// awaited by bounded polling, never by sleeping.
//
// [Run] with Check set prints one line per step and a summary line
// "demo: N steps passed, M failed in T s"; without it, it narrates, then
// keeps the nodes running and prints their portal URLs and logins until
// its context ends.
//
// Nodes are started by a [Launcher]: internal/app is the only package that
// wires a node, so the command line hands its Init and Serve to the demo.
package demo
