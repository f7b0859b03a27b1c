// Package exercise plays synthetic scenarios (see internal/scenario) into
// running agency nodes through their officer API, for training sessions in
// which agencies practise together without touching real data, and
// provides the scenario-to-API conversions the three-node demo uses.
//
// # Exercise data never mixes with real data
//
// Everything an exercise creates is made with exercise API tokens: a token
// created with "exercise": true yields a principal with Exercise set, and
// every audit event it causes carries the exercise flag. Records are
// created with envelope.exercise = true and purpose "training"; the policy
// lets only exercise principals read exercise records and keeps real
// records out of an exercise (internal/policy). Messages carry the
// customary marking ("EXERCISE" before the subject and a case reference
// starting with "EXERCISE-"), because federation messages have no
// exercise flag yet. Notices and alerts have no exercise marker either, and
// an exercise alert would hit real border checks, so an exercise never
// creates them: the timeline's notice and alert events are reported as
// skipped.
//
// [Clean] erases every exercise record an exercise token can see on a
// node, one audited erasure each; it never touches real data, which an
// exercise token cannot read.
//
// # Playing a timeline
//
// [Player] reads timeline.jsonl and performs each event at its offset
// divided by a speed factor: records are created, shared (as a message
// carrying the reference), queried, messaged and withdrawn by the actor's
// node. Records of the background networks, which the timeline does not
// create, are loaded before the clock starts.
package exercise
